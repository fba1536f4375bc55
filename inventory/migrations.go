package inventory

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID:      "202611220200_inventory_core",
		Migrate: migrateCore,
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("kit_components", "kits", "stock_movements", "receipt_lines",
				"device_events", "devices", "receipts", "locations", "products")
		},
	})
}

func migrateCore(tx *gorm.DB) error {
	type member struct{ ID int64 }
	type scheme struct{ ID int64 }
	type product struct {
		ID                int64  `gorm:"primaryKey"`
		SKU               string `gorm:"column:sku;not null;uniqueIndex"`
		Name              string `gorm:"not null"`
		Category          string `gorm:"not null"`
		Tracking          string `gorm:"not null;check:chk_products_tracking,tracking IN ('serial','quantity')"`
		ReorderLevel      int64  `gorm:"not null;default:0;check:chk_products_reorder,reorder_level >= 0"`
		SubstitutionGroup string `gorm:"not null;default:'';index"`
		CreatedAt         time.Time
	}
	type location struct {
		ID        int64   `gorm:"primaryKey"`
		Code      string  `gorm:"not null;uniqueIndex"`
		Name      string  `gorm:"not null"`
		MemberID  *int64  `gorm:"index"`
		Member    *member `gorm:"constraint:OnDelete:RESTRICT"`
		CreatedAt time.Time
	}
	type receipt struct {
		ID         int64     `gorm:"primaryKey"`
		LocationID int64     `gorm:"not null;index"`
		Location   *location `gorm:"constraint:OnDelete:RESTRICT"`
		Reference  string    `gorm:"not null;default:''"`
		CreatedAt  time.Time `gorm:"not null"`
		CreatedBy  string    `gorm:"not null"`
	}
	type device struct {
		ID          int64    `gorm:"primaryKey"`
		Serial      string   `gorm:"not null;uniqueIndex:uq_devices_product_serial,priority:2;index:idx_devices_serial"`
		ProductID   int64    `gorm:"not null;uniqueIndex:uq_devices_product_serial,priority:1"`
		Product     *product `gorm:"constraint:OnDelete:RESTRICT"`
		State       string   `gorm:"not null;check:chk_devices_state,state IN ('available','reserved','in_transit','deployed','returning','cleaning','repair','scrapped','lost')"`
		LocationID  *int64
		Location    *location `gorm:"constraint:OnDelete:RESTRICT"`
		MemberID    *int64
		Member      *member `gorm:"constraint:OnDelete:RESTRICT"`
		CitizenRef  *string
		OrderID     *int64 `gorm:"index"`
		Recalled    bool   `gorm:"not null;default:false"`
		RecallID    *int64 `gorm:"index"`
		ReceiptID   *int64
		Receipt     *receipt  `gorm:"constraint:OnDelete:RESTRICT"`
		UnitCostOre int64     `gorm:"not null;default:0"`
		ReceivedAt  time.Time `gorm:"not null"`
		UpdatedAt   time.Time
	}
	type deviceEvent struct {
		ID         int64     `gorm:"primaryKey"`
		DeviceID   int64     `gorm:"not null;index:idx_events_device,priority:1"`
		Device     *device   `gorm:"constraint:OnDelete:CASCADE"`
		At         time.Time `gorm:"not null"`
		FromState  string    `gorm:"not null;default:''"`
		ToState    string    `gorm:"not null"`
		Actor      string    `gorm:"not null"`
		Reason     string    `gorm:"not null;default:''"`
		OrderID    *int64
		ShipmentID *int64
		ReturnID   *int64
		MemberID   *int64
		CitizenRef *string
	}
	type receiptLine struct {
		ID          int64    `gorm:"primaryKey"`
		ReceiptID   int64    `gorm:"not null;index"`
		Receipt     *receipt `gorm:"constraint:OnDelete:CASCADE"`
		ProductID   int64    `gorm:"not null"`
		Product     *product `gorm:"constraint:OnDelete:RESTRICT"`
		Quantity    int64    `gorm:"not null;check:chk_receipt_lines_qty,quantity > 0"`
		UnitCostOre int64    `gorm:"not null;default:0;check:chk_receipt_lines_cost,unit_cost_ore >= 0"`
	}
	type stockMovement struct {
		ID            int64     `gorm:"primaryKey"`
		At            time.Time `gorm:"not null"`
		ProductID     int64     `gorm:"not null;index:idx_moves_product_location,priority:1"`
		Product       *product  `gorm:"constraint:OnDelete:RESTRICT"`
		LocationID    int64     `gorm:"not null;index:idx_moves_product_location,priority:2"`
		Location      *location `gorm:"constraint:OnDelete:RESTRICT"`
		Kind          string    `gorm:"not null;check:chk_moves_kind,kind IN ('received','reserved','released','shipped','adjusted')"`
		DeltaOnHand   int64     `gorm:"not null;default:0"`
		DeltaReserved int64     `gorm:"not null;default:0"`
		ReceiptID     *int64
		OrderID       *int64 `gorm:"index"`
		StocktakeID   *int64
		Actor         string `gorm:"not null"`
		Note          string `gorm:"not null;default:''"`
	}
	type kit struct {
		ID        int64   `gorm:"primaryKey"`
		Code      string  `gorm:"not null;uniqueIndex"`
		Name      string  `gorm:"not null"`
		SchemeID  int64   `gorm:"not null;index"`
		Scheme    *scheme `gorm:"constraint:OnDelete:RESTRICT"`
		CreatedAt time.Time
	}
	type kitComponent struct {
		KitID     int64    `gorm:"primaryKey"`
		Kit       *kit     `gorm:"constraint:OnDelete:CASCADE"`
		ProductID int64    `gorm:"primaryKey"`
		Product   *product `gorm:"constraint:OnDelete:RESTRICT"`
		Quantity  int64    `gorm:"not null;check:chk_kit_qty,quantity > 0"`
	}
	if err := db.CreateTables(tx,
		db.Table{Name: "products", Model: &product{}}, db.Table{Name: "locations", Model: &location{}}, db.Table{Name: "receipts", Model: &receipt{}}, db.Table{Name: "devices", Model: &device{}},
		db.Table{Name: "device_events", Model: &deviceEvent{}}, db.Table{Name: "receipt_lines", Model: &receiptLine{}}, db.Table{Name: "stock_movements", Model: &stockMovement{}},
		db.Table{Name: "kits", Model: &kit{}}, db.Table{Name: "kit_components", Model: &kitComponent{}},
	); err != nil {
		return err
	}
	// Keyset pagination of filtered device lists walks (filter…, id).
	for _, idx := range []string{
		"CREATE INDEX idx_devices_state_product_id ON devices (state, product_id, id)",
		"CREATE INDEX idx_devices_product_id ON devices (product_id, id)",
		"CREATE INDEX idx_devices_member_id ON devices (member_id, id)",
		"CREATE INDEX idx_devices_location_id ON devices (location_id, id)",
	} {
		if err := tx.Exec(idx).Error; err != nil {
			return err
		}
	}
	return nil
}
