package orders

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID:      "202611220300_orders_core",
		Migrate: migrateOrders,
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("order_reservations", "order_lines", "orders", "idempotency_keys")
		},
	})
}

func migrateOrders(tx *gorm.DB) error {
	type member struct{ ID int64 }
	type kit struct{ ID int64 }
	type product struct{ ID int64 }
	type device struct{ ID int64 }
	type location struct{ ID int64 }
	type order struct {
		ID               int64   `gorm:"primaryKey"`
		Number           string  `gorm:"not null;uniqueIndex"`
		Status           string  `gorm:"not null;index:idx_orders_status,priority:1;check:chk_orders_status,status IN ('backordered','reserved','dispatching','shipped','delivered','cancelled')"`
		MemberID         int64   `gorm:"not null;index:idx_orders_member,priority:1"`
		Member           *member `gorm:"constraint:OnDelete:RESTRICT"`
		KitID            *int64
		Kit              *kit    `gorm:"constraint:OnDelete:RESTRICT"`
		CitizenRef       string  `gorm:"not null"`
		DeliveryName     string  `gorm:"not null"`
		DeliveryStreet   string  `gorm:"not null"`
		DeliveryPostcode string  `gorm:"not null"`
		DeliveryCity     string  `gorm:"not null"`
		DeliveryPhone    string  `gorm:"not null;default:''"`
		RequestedOn      *string `gorm:"type:varchar(10)"`
		Note             string  `gorm:"not null;default:''"`
		ShipmentID       *int64
		CreatedBy        string    `gorm:"not null"`
		CreatedAt        time.Time `gorm:"not null"`
		UpdatedAt        time.Time `gorm:"not null"`
	}
	type orderLine struct {
		ID               int64    `gorm:"primaryKey"`
		OrderID          int64    `gorm:"not null;index"`
		Order            *order   `gorm:"constraint:OnDelete:CASCADE"`
		ProductID        int64    `gorm:"not null"`
		Product          *product `gorm:"constraint:OnDelete:RESTRICT"`
		Quantity         int64    `gorm:"not null;check:chk_lines_qty,quantity > 0"`
		ReservedQuantity int64    `gorm:"not null;default:0;check:chk_lines_reserved,reserved_quantity >= 0 AND reserved_quantity <= quantity"`
	}
	type orderReservation struct {
		ID         int64      `gorm:"primaryKey"`
		OrderID    int64      `gorm:"not null;index"`
		Order      *order     `gorm:"constraint:OnDelete:CASCADE"`
		LineID     int64      `gorm:"not null;index"`
		Line       *orderLine `gorm:"foreignKey:LineID;constraint:OnDelete:CASCADE"`
		ProductID  int64      `gorm:"not null"`
		DeviceID   *int64     `gorm:"index"`
		Device     *device    `gorm:"constraint:OnDelete:RESTRICT"`
		LocationID *int64
		Location   *location `gorm:"constraint:OnDelete:RESTRICT"`
		Quantity   int64     `gorm:"not null;check:chk_res_qty,quantity > 0"`
		CreatedAt  time.Time `gorm:"not null"`
		ReleasedAt *time.Time
	}
	type idempotencyKey struct {
		ID          int64  `gorm:"primaryKey"`
		Scope       string `gorm:"not null;uniqueIndex:uq_idem,priority:1"`
		Key         string `gorm:"not null;uniqueIndex:uq_idem,priority:2"`
		RequestHash string `gorm:"not null"`
		Entity      string `gorm:"not null"`
		EntityID    int64  `gorm:"not null"`
		CreatedAt   time.Time
	}
	if err := db.CreateTables(tx,
		db.Table{Name: "orders", Model: &order{}}, db.Table{Name: "order_lines", Model: &orderLine{}}, db.Table{Name: "order_reservations", Model: &orderReservation{}},
		db.Table{Name: "idempotency_keys", Model: &idempotencyKey{}},
	); err != nil {
		return err
	}
	return tx.Exec("CREATE INDEX idx_orders_status_id ON orders (status, id)").Error
}

func init() {
	// The orders board finds an order by its citizen reference.
	db.Register(&gormigrate.Migration{
		ID: "202612020400_orders_citizen_ref_index",
		Migrate: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_orders_citizen_ref ON orders (citizen_ref)").Error
		},
		Rollback: func(tx *gorm.DB) error { return tx.Exec("DROP INDEX IF EXISTS idx_orders_citizen_ref").Error },
	})
}
