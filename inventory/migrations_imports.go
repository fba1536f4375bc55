package inventory

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID:       "202611220220_inventory_imports",
		Migrate:  migrateImports,
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("imports") },
	})
}

// migrateImports adds the device imports from files: the uploaded file waits in
// file_data while a large import is queued, and errors holds the row errors of a failed
// one as a JSON array of {field, message}.
func migrateImports(tx *gorm.DB) error {
	type location struct{ ID int64 }
	type receipt struct{ ID int64 }
	type imp struct {
		ID             int64     `gorm:"primaryKey"`
		LocationID     int64     `gorm:"not null;index"`
		Location       *location `gorm:"constraint:OnDelete:RESTRICT"`
		Filename       string    `gorm:"not null"`
		Status         string    `gorm:"not null;check:chk_imports_status,status IN ('queued','running','done','failed')"`
		RowsTotal      int64     `gorm:"not null;default:0"`
		RowsDone       int64     `gorm:"not null;default:0"`
		DevicesCreated int64     `gorm:"not null;default:0"`
		ReceiptID      *int64
		Receipt        *receipt `gorm:"constraint:OnDelete:RESTRICT"`
		Errors         string   `gorm:"not null;default:'[]';type:text"`
		FileData       []byte
		CreatedBy      string    `gorm:"not null"`
		CreatedAt      time.Time `gorm:"not null"`
		FinishedAt     *time.Time
	}
	return tx.Table("imports").Migrator().CreateTable(&imp{})
}
