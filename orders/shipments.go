package orders

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Shipment directions and statuses.
const (
	Outbound = "outbound"
	Inbound  = "inbound"

	ShipmentPending   = "pending"
	ShipmentBooked    = "booked"
	ShipmentDelivered = "delivered"
	ShipmentFailed    = "failed"
)

// Shipment is a parcel moved by the carrier: to a citizen (outbound, for an order) or
// back from one (inbound, for a return).
type Shipment struct {
	ID             int64      `json:"id" gorm:"primaryKey"`
	Direction      string     `json:"direction"`
	OrderID        *int64     `json:"order_id"`
	ReturnID       *int64     `json:"return_id"`
	MemberID       int64      `json:"member_id"`
	Status         string     `json:"status"`
	TrackingNumber *string    `json:"tracking_number"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error,omitempty"`
	Recipient      Address    `json:"recipient" gorm:"embedded;embeddedPrefix:recipient_"`
	CreatedAt      time.Time  `json:"created_at"`
	BookedAt       *time.Time `json:"booked_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
	OrderNumber    string     `json:"order_number,omitempty" gorm:"-"` // of an outbound shipment's order, in lists and Get
}

// Return is a member's request to collect devices from a citizen.
type Return struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	MemberID   int64      `json:"member_id"`
	Reason     string     `json:"reason"`
	Pickup     Address    `json:"pickup" gorm:"embedded;embeddedPrefix:pickup_"`
	Status     string     `json:"status"`
	ShipmentID *int64     `json:"shipment_id"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ReceivedAt *time.Time `json:"received_at"`
	DeviceIDs  []int64    `json:"device_ids" gorm:"-"`
	// ReceivedCount is how many of DeviceIDs have arrived; Shipment is the pickup.
	ReceivedCount int       `json:"received_count" gorm:"-"`
	Shipment      *Shipment `json:"shipment,omitempty" gorm:"-"`
}

// Return statuses.
const (
	ReturnRequested = "requested"
	ReturnPartial   = "partially_received"
	ReturnReceived  = "received"
)

// ReturnDevice is one device a return collects.
type ReturnDevice struct {
	ReturnID   int64      `json:"-" gorm:"primaryKey"`
	DeviceID   int64      `json:"device_id" gorm:"primaryKey"`
	Serial     string     `json:"serial"`
	ReceivedAt *time.Time `json:"received_at"`
	// The device's product, filled by ReturnDevices.
	ProductID int64  `json:"product_id" gorm:"-"`
	SKU       string `json:"sku" gorm:"-"`
}

// Alert is something logistics must look at, such as a shipment the carrier refused.
type Alert struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	Kind       string     `json:"kind"`
	Message    string     `json:"message"`
	OrderID    *int64     `json:"order_id"`
	ShipmentID *int64     `json:"shipment_id"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	// Filled by OpenAlerts: the order's number and the shipment's last error (the
	// carrier's own words).
	OrderNumber string `json:"order_number,omitempty" gorm:"-"`
	LastError   string `json:"last_error,omitempty" gorm:"-"`
}

func init() {
	db.Register(&gormigrate.Migration{
		ID:      "202611220310_orders_shipments_returns",
		Migrate: migrateShipments,
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("alerts", "carrier_events", "return_devices", "returns", "shipments")
		},
	})
}

func migrateShipments(tx *gorm.DB) error {
	type member struct{ ID int64 }
	type device struct{ ID int64 }
	type order struct{ ID int64 }
	type shipment struct {
		ID                int64   `gorm:"primaryKey"`
		Direction         string  `gorm:"not null;check:chk_ship_dir,direction IN ('outbound','inbound')"`
		OrderID           *int64  `gorm:"index"`
		Order             *order  `gorm:"constraint:OnDelete:RESTRICT"`
		ReturnID          *int64  `gorm:"index"`
		MemberID          int64   `gorm:"not null;index"`
		Member            *member `gorm:"constraint:OnDelete:RESTRICT"`
		Status            string  `gorm:"not null;index;check:chk_ship_status,status IN ('pending','booked','delivered','failed')"`
		TrackingNumber    *string `gorm:"uniqueIndex"`
		Attempts          int     `gorm:"not null;default:0"`
		LastError         string  `gorm:"not null;default:''"`
		RecipientName     string  `gorm:"not null"`
		RecipientStreet   string  `gorm:"not null"`
		RecipientPostcode string  `gorm:"not null"`
		RecipientCity     string  `gorm:"not null"`
		RecipientPhone    string  `gorm:"not null;default:''"`
		CreatedAt         time.Time
		BookedAt          *time.Time
		DeliveredAt       *time.Time
	}
	type ret struct {
		ID             int64   `gorm:"primaryKey"`
		MemberID       int64   `gorm:"not null;index"`
		Member         *member `gorm:"constraint:OnDelete:RESTRICT"`
		Reason         string  `gorm:"not null;check:chk_ret_reason,reason IN ('not_needed','moved','deceased','defect')"`
		PickupName     string  `gorm:"not null"`
		PickupStreet   string  `gorm:"not null"`
		PickupPostcode string  `gorm:"not null"`
		PickupCity     string  `gorm:"not null"`
		PickupPhone    string  `gorm:"not null;default:''"`
		Status         string  `gorm:"not null;index;check:chk_ret_status,status IN ('requested','partially_received','received')"`
		ShipmentID     *int64
		CreatedBy      string `gorm:"not null"`
		CreatedAt      time.Time
		ReceivedAt     *time.Time
	}
	type returnDevice struct {
		ReturnID   int64   `gorm:"primaryKey"`
		DeviceID   int64   `gorm:"primaryKey;index"`
		Device     *device `gorm:"constraint:OnDelete:RESTRICT"`
		Serial     string  `gorm:"not null"`
		ReceivedAt *time.Time
	}
	type carrierEvent struct {
		ID         int64  `gorm:"primaryKey"`
		ShipmentID int64  `gorm:"not null;uniqueIndex:uq_carrier_event,priority:1"`
		Event      string `gorm:"not null;uniqueIndex:uq_carrier_event,priority:2"`
		OccurredAt time.Time
		ReceivedAt time.Time
	}
	type alert struct {
		ID         int64  `gorm:"primaryKey"`
		Kind       string `gorm:"not null"`
		Message    string `gorm:"not null"`
		OrderID    *int64
		ShipmentID *int64
		CreatedAt  time.Time  `gorm:"not null"`
		ResolvedAt *time.Time `gorm:"index"`
	}
	return db.CreateTables(tx,
		db.Table{Name: "shipments", Model: &shipment{}}, db.Table{Name: "returns", Model: &ret{}}, db.Table{Name: "return_devices", Model: &returnDevice{}},
		db.Table{Name: "carrier_events", Model: &carrierEvent{}}, db.Table{Name: "alerts", Model: &alert{}},
	)
}
