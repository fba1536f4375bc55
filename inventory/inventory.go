// Package inventory holds the shared device stock: products, locations, devices and
// their lifecycle, consumable stock as a ledger, receipts and imports, kits, stocktakes
// and recalls.
package inventory

import (
	"time"

	"github.com/fsc/backoffice/internal/apperr"
)

// Field error codes of the inventory domain; the comment says what the Args are.
var (
	CodeSerialTaken       = apperr.NewCode("serial_taken")        // serial
	CodeSerialTwice       = apperr.NewCode("serial_twice")        // serial, "receipt" or "file", the other field
	CodeSerialMalformed   = apperr.NewCode("serial_malformed")    // serial
	CodeSerialsRequired   = apperr.NewCode("serials_required")    // SKU
	CodeNoSuchSerial      = apperr.NewCode("no_such_serial")      // SKU, serial
	CodeTrackedBySerial   = apperr.NewCode("tracked_by_serial")   // SKU
	CodeTrackedByQuantity = apperr.NewCode("tracked_by_quantity") // SKU
	CodeListedTwice       = apperr.NewCode("listed_twice")        // product, the other field's index
	CodeFixed             = apperr.NewCode("fixed")               // the value it keeps
	CodeAlreadyRecalled   = apperr.NewCode("already_recalled")    // serial, recall id
	CodeRangeOrder        = apperr.NewCode("range_order")         // the field it must not come before
	CodeRangeRecalled     = apperr.NewCode("range_recalled")      // count, SKU, from, to
	CodeRangeEmpty        = apperr.NewCode("range_empty")         // SKU, from, to
	CodeFileKind          = apperr.NewCode("file_kind")           // file name
	CodeFileHeader        = apperr.NewCode("file_header")         // row, the columns found
	CodeFileHeaderTwice   = apperr.NewCode("file_header_twice")   // row, column
	CodeFileUnreadable    = apperr.NewCode("file_unreadable")     // the parser's words (English)
	CodeFileRowUnreadable = apperr.NewCode("file_row_unreadable") // row or line, the parser's words (English)
	CodeNotXLSX           = apperr.NewCode("not_xlsx")            // the parser's words (English)
	CodeFileEmpty         = apperr.NewCode("file_empty")          // no args
	CodeFileTooManyRows   = apperr.NewCode("file_too_many_rows")  // max rows
	CodeImportFailed      = apperr.NewCode("import_failed")       // no args
)

// Tracking says whether a product is counted one by one or by quantity.
const (
	TrackSerial   = "serial"
	TrackQuantity = "quantity"
)

// Product is a catalogue item.
type Product struct {
	ID           int64  `json:"id" gorm:"primaryKey"`
	SKU          string `json:"sku" gorm:"column:sku"`
	Name         string `json:"name"`
	Category     string `json:"category"`
	Tracking     string `json:"tracking"`
	ReorderLevel int64  `json:"reorder_level"`
	// SubstitutionGroup names products that can stand in for each other; "" for none.
	SubstitutionGroup string    `json:"substitution_group"`
	CreatedAt         time.Time `json:"created_at"`
}

// NewProduct is the input to CreateProduct.
type NewProduct struct {
	SKU               string `json:"sku" validate:"required,max=64,code"`
	Name              string `json:"name" validate:"required,max=200"`
	Category          string `json:"category" validate:"required,max=64"`
	Tracking          string `json:"tracking" validate:"required,oneof=serial quantity"`
	ReorderLevel      int64  `json:"reorder_level" validate:"gte=0,lte=1000000"`
	SubstitutionGroup string `json:"substitution_group" validate:"max=64"`
}

// Location is a warehouse of the centre or a stock room at a member's site; stock there
// stays the centre's.
type Location struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	MemberID  *int64    `json:"member_id"` // the member hosting a stock room
	CreatedAt time.Time `json:"created_at"`
}

// NewLocation is the input to CreateLocation.
type NewLocation struct {
	Code     string `json:"code" validate:"required,max=32,code"`
	Name     string `json:"name" validate:"required,max=200"`
	MemberID *int64 `json:"member_id"`
}

// Device is one serialised unit.
type Device struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	Serial      string    `json:"serial"`
	ProductID   int64     `json:"product_id"`
	SKU         string    `json:"sku" gorm:"->;-:migration;column:sku"`
	State       State     `json:"state"`
	LocationID  *int64    `json:"location_id"`
	MemberID    *int64    `json:"member_id"`
	CitizenRef  *string   `json:"citizen_ref"`
	OrderID     *int64    `json:"order_id"`
	Recalled    bool      `json:"recalled"`
	RecallID    *int64    `json:"recall_id,omitempty"`
	ReceiptID   *int64    `json:"receipt_id,omitempty"`
	UnitCostOre int64     `json:"unit_cost_ore"`
	ReceivedAt  time.Time `json:"received_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Event is one step in a device's history.
type Event struct {
	ID         int64     `json:"-" gorm:"primaryKey"`
	DeviceID   int64     `json:"-"`
	At         time.Time `json:"at"`
	From       string    `json:"from" gorm:"column:from_state"`
	To         string    `json:"to" gorm:"column:to_state"`
	Actor      string    `json:"actor"`
	Reason     string    `json:"reason"`
	ReasonCode string    `json:"-"` // "" for a reason a person wrote; see Why
	ReasonArgs Args      `json:"-"`
	OrderID    *int64    `json:"order_id"`
	ShipmentID *int64    `json:"shipment_id"`
	ReturnID   *int64    `json:"return_id"`
	MemberID   *int64    `json:"member_id,omitempty"`
	CitizenRef *string   `json:"citizen_ref,omitempty"`
	Kind       string    `json:"-"` // "" or EventTransfer
}

// TableName keeps the table name stable.
func (Event) TableName() string { return "device_events" }

// Movement is one entry in the consumables ledger; stock levels are sums over it.
// DeltaOnHand and DeltaReserved are signed: received +on hand, reserved +reserved,
// released −reserved, shipped −on hand and −reserved, adjusted ±on hand.
type Movement struct {
	ID            int64     `json:"id" gorm:"primaryKey"`
	At            time.Time `json:"at"`
	ProductID     int64     `json:"product_id"`
	LocationID    int64     `json:"location_id"`
	Kind          string    `json:"kind"`
	DeltaOnHand   int64     `json:"delta_on_hand"`
	DeltaReserved int64     `json:"delta_reserved"`
	ReceiptID     *int64    `json:"receipt_id,omitempty"`
	OrderID       *int64    `json:"order_id,omitempty"`
	StocktakeID   *int64    `json:"stocktake_id,omitempty"`
	Actor         string    `json:"actor"`
	Note          string    `json:"note,omitempty"`
}

// TableName keeps the table name stable.
func (Movement) TableName() string { return "stock_movements" }

// Movement kinds.
const (
	MoveReceived = "received"
	MoveReserved = "reserved"
	MoveReleased = "released"
	MoveShipped  = "shipped"
	MoveAdjusted = "adjusted"
)

// Receipt is goods arriving at a location.
type Receipt struct {
	ID             int64         `json:"id" gorm:"primaryKey"`
	LocationID     int64         `json:"location_id"`
	ContractID     *int64        `json:"contract_id,omitempty"`
	Reference      string        `json:"reference"`
	CreatedAt      time.Time     `json:"created_at"`
	CreatedBy      string        `json:"created_by"`
	DevicesCreated int           `json:"devices_created" gorm:"-"`
	Lines          []ReceiptLine `json:"lines" gorm:"-"`
}

// ReceiptLine is one product on a receipt.
type ReceiptLine struct {
	ID          int64    `json:"-" gorm:"primaryKey"`
	ReceiptID   int64    `json:"-"`
	ProductID   int64    `json:"product_id"`
	Quantity    int64    `json:"quantity"`
	UnitCostOre int64    `json:"unit_cost_ore"`
	Serials     []string `json:"serials,omitempty" gorm:"-"`
	DeviceIDs   []int64  `json:"device_ids,omitempty" gorm:"-"`
}

// Kit is a named bundle of products for one citizen, belonging to a scheme.
type Kit struct {
	ID         int64          `json:"id" gorm:"primaryKey"`
	Code       string         `json:"code"`
	Name       string         `json:"name"`
	SchemeID   int64          `json:"scheme_id"`
	CreatedAt  time.Time      `json:"created_at"`
	Components []KitComponent `json:"components" gorm:"-"`
}

// KitComponent is a product and how many of it a kit holds.
type KitComponent struct {
	KitID     int64  `json:"-" gorm:"primaryKey"`
	ProductID int64  `json:"product_id" gorm:"primaryKey"`
	SKU       string `json:"sku,omitempty" gorm:"->;-:migration;column:sku"`
	Name      string `json:"name,omitempty" gorm:"->;-:migration"`
	Quantity  int64  `json:"quantity"`
}
