package inventory

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID:      "202611220210_inventory_stocktakes_recalls",
		Migrate: migrateStocktakesRecalls,
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("recalls", "stocktake_counts", "stocktakes")
		},
	})
}

func migrateStocktakesRecalls(tx *gorm.DB) error {
	type product struct{ ID int64 }
	type location struct{ ID int64 }
	type stocktake struct {
		ID          int64     `gorm:"primaryKey"`
		LocationID  int64     `gorm:"not null;index"`
		Location    *location `gorm:"constraint:OnDelete:RESTRICT"`
		Status      string    `gorm:"not null;default:'open';check:chk_stocktakes_status,status IN ('open','confirmed')"`
		CreatedAt   time.Time `gorm:"not null"`
		CreatedBy   string    `gorm:"not null"`
		ConfirmedAt *time.Time
		ConfirmedBy *string
		// Reason is why the differences were booked; Result the differences as they
		// were confirmed (JSON), since the books change with the confirmation.
		Reason string  `gorm:"not null;default:''"`
		Result *string `gorm:"type:text"`
	}
	type stocktakeCount struct {
		ID          int64      `gorm:"primaryKey"`
		StocktakeID int64      `gorm:"not null;index;uniqueIndex:uq_stocktake_counts_serial,priority:1;uniqueIndex:uq_stocktake_counts_product,priority:1"`
		Stocktake   *stocktake `gorm:"constraint:OnDelete:CASCADE"`
		// ProductID is set for a counted quantity; a scanned serial may match no
		// product at all and has none.
		ProductID *int64    `gorm:"uniqueIndex:uq_stocktake_counts_product,priority:2"`
		Product   *product  `gorm:"constraint:OnDelete:RESTRICT"`
		Serial    *string   `gorm:"type:text;uniqueIndex:uq_stocktake_counts_serial,priority:2"`
		Quantity  *int64    `gorm:"type:bigint;check:chk_stocktake_counts_qty,quantity IS NULL OR quantity >= 0"`
		At        time.Time `gorm:"not null"`
		Actor     string    `gorm:"not null"`
	}
	type recall struct {
		ID        int64     `gorm:"primaryKey"`
		ProductID int64     `gorm:"not null;index"`
		Product   *product  `gorm:"constraint:OnDelete:RESTRICT"`
		VendorRef string    `gorm:"not null;default:''"`
		Reason    string    `gorm:"not null"`
		CreatedAt time.Time `gorm:"not null"`
		CreatedBy string    `gorm:"not null"`
	}
	if err := db.CreateTables(tx,
		db.Table{Name: "stocktakes", Model: &stocktake{}}, db.Table{Name: "stocktake_counts", Model: &stocktakeCount{}}, db.Table{Name: "recalls", Model: &recall{}},
	); err != nil {
		return err
	}
	for _, idx := range []string{
		// One open stocktake per location at a time (a partial index: both dialects).
		"CREATE UNIQUE INDEX uq_stocktakes_open_location ON stocktakes (location_id) WHERE status = 'open'",
	} {
		if err := tx.Exec(idx).Error; err != nil {
			return err
		}
	}
	return nil
}
