// Package orders holds member orders and their reservation of devices and consumables,
// shipments and the carrier adapters that book them, carrier events, returns and
// pickups.
package orders

import (
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
)

// Field error codes of the orders domain; the comment says what the Args are.
var (
	CodeKeyReused   = apperr.NewCode("idempotency_key_reused") // no args
	CodeNotJoined   = apperr.NewCode("scheme_not_joined")      // member id, requested date
	CodeKitEmpty    = apperr.NewCode("kit_empty")              // kit id
	CodeNotAtMember = apperr.NewCode("not_at_member")          // device id, member id
	CodeNotDeployed = apperr.NewCode("not_deployed")           // serial, its state
)

// Status is where an order is.
type Status string

// Order statuses: backordered → reserved → dispatching → shipped → delivered, or
// cancelled before shipping.
const (
	Backordered Status = "backordered"
	Reserved    Status = "reserved"
	Dispatching Status = "dispatching"
	Shipped     Status = "shipped"
	Delivered   Status = "delivered"
	Cancelled   Status = "cancelled"
)

// Statuses lists every order status in workflow order.
var Statuses = []Status{Backordered, Reserved, Dispatching, Shipped, Delivered, Cancelled}

// Address is where a parcel goes or is collected.
type Address struct {
	Name     string `json:"name" validate:"required,max=200"`
	Street   string `json:"street" validate:"required,max=200"`
	Postcode string `json:"postcode" validate:"required,dkpostcode"`
	City     string `json:"city" validate:"required,max=100"`
	Phone    string `json:"phone" validate:"max=32"`
}

// Order is a member's request for a kit or products delivered to a citizen.
type Order struct {
	ID          int64      `json:"id" gorm:"primaryKey"`
	Number      string     `json:"number"`
	Status      Status     `json:"status"`
	MemberID    int64      `json:"member_id"`
	KitID       *int64     `json:"kit_id"`
	CitizenRef  string     `json:"citizen_ref"`
	Delivery    Address    `json:"delivery" gorm:"embedded;embeddedPrefix:delivery_"`
	RequestedOn civil.Date `json:"requested_on"`
	// Due is DueOn, kept in a column for the board to sort on.
	Due        civil.Date `json:"-" gorm:"column:due_on"`
	Note       string     `json:"note"`
	ShipmentID *int64     `json:"shipment_id"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Lines      []Line     `json:"lines" gorm:"-"`
}

// Line is one product of an order, how much of it is reserved, and which devices.
type Line struct {
	ID               int64   `json:"id" gorm:"primaryKey"`
	OrderID          int64   `json:"-"`
	ProductID        int64   `json:"product_id"`
	Quantity         int64   `json:"quantity"`
	ReservedQuantity int64   `json:"reserved_quantity"`
	DeviceIDs        []int64 `json:"device_ids" gorm:"-"`
}

// TableName keeps the table name stable.
func (Line) TableName() string { return "order_lines" }

// Reservation ties one device, or a quantity of a consumable at a location, to an order
// line. Released reservations stay as history.
type Reservation struct {
	ID         int64  `gorm:"primaryKey"`
	OrderID    int64  `gorm:"index"`
	LineID     int64  `gorm:"index"`
	ProductID  int64  // the product actually reserved: a substitute for a device
	DeviceID   *int64 `gorm:"index"`
	LocationID *int64 // for consumables
	Quantity   int64
	CreatedAt  time.Time
	ReleasedAt *time.Time
}

// TableName keeps the table name stable.
func (Reservation) TableName() string { return "order_reservations" }

// NewOrder is the body of POST /orders: exactly one of KitID and Lines.
type NewOrder struct {
	MemberID    int64      `json:"member_id"`
	KitID       *int64     `json:"kit_id"`
	Lines       []NewLine  `json:"lines" validate:"max=100"`
	CitizenRef  string     `json:"citizen_ref"`
	Delivery    *Address   `json:"delivery"`
	RequestedOn civil.Date `json:"requested_on"`
	Note        string     `json:"note" validate:"max=2000"`
}

// NewLine is one product and quantity of an order by lines.
type NewLine struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity" validate:"lte=1000"`
}
