package orders

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The orders side of the inventory rule "a reserved device left reserved"
// (inventory.Holders): a device an order holds that is recalled, booked lost by a
// stocktake or taken out of reserved by hand leaves the order, and the order reserves
// again from other stock or is backordered, with the reason on its timeline, in the
// transaction that took the device.

// OrderEvent is one entry of an order's timeline besides its status: a device that left
// it, and what became of the order.
type OrderEvent struct {
	ID      int64     `json:"-" gorm:"primaryKey"`
	OrderID int64     `json:"order_id"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
	Actor   string    `json:"actor"`
	// Serial, the reason and Outcome say Message again in parts, for the pages to say
	// it in the reader's language; entries written before they existed have only
	// Message.
	Serial     string         `json:"-"`
	ReasonCode string         `json:"-"`
	ReasonArgs inventory.Args `json:"-"`
	Outcome    string         `json:"-"`
}

// Why is the reason of a device_taken entry.
func (e OrderEvent) Why() inventory.Why { return inventory.Why{Code: e.ReasonCode, Args: e.ReasonArgs} }

// What became of an order that lost a device (OrderEvent.Outcome), in English.
const (
	OutcomeReserved         = "reserved"          // reserved again from other stock
	OutcomeReservedShipment = "reserved_shipment" // the same, and the pending shipment takes the new device
	OutcomeBackordered      = "backordered"       // no other stock
	OutcomeUndispatched     = "undispatched"      // no other stock; taken out of dispatch
	OutcomeAlreadyLeft      = "already_left"      // the order was no longer waiting for it
)

var outcomeText = map[string]string{
	OutcomeReserved:         "reserved again from other stock",
	OutcomeReservedShipment: "reserved again from other stock; the shipment takes the new device",
	OutcomeBackordered:      "backordered: no other stock",
	OutcomeUndispatched:     "backordered: no other stock; taken out of dispatch",
	OutcomeAlreadyLeft:      "the order had already left",
}

// Outcomes returns every Outcome code: the pages must have words for each.
func Outcomes() []string { return slices.Sorted(maps.Keys(outcomeText)) }

// TableName keeps the table name stable.
func (OrderEvent) TableName() string { return "order_events" }

// Order event kinds.
const (
	EventDeviceTaken = "device_taken" // a held device was recalled, lost or taken by hand
)

// LockHolders locks orders ids in id order (inventory.Holders): inventory calls it
// before it locks their devices, the order every order workflow takes its locks in.
func (s *Service) LockHolders(ctx context.Context, ids []int64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	var got []int64
	if err := db.ForUpdate(db.Conn(ctx).Table("orders")).Where("id IN ?", slices.Compact(ids)).Order("id").Pluck("id", &got).Error; err != nil {
		return fmt.Errorf("lock orders: %w", err)
	}
	return nil
}

// DeviceTaken releases device deviceID from order orderID, which no longer has it
// (inventory.Holders), and reserves the order again: from other stock (substitutes
// included), else it is backordered. A dispatching order whose pending shipment can
// still go with the new devices stays dispatching; otherwise it leaves dispatch and the
// booking job drops its shipment. Nothing happens when the order does not hold the
// device. In the caller's transaction, with a timeline entry and an audit entry.
func (s *Service) DeviceTaken(ctx context.Context, orderID, deviceID int64, why inventory.Why) error {
	o, err := loadOrder(ctx, orderID, true)
	if err != nil {
		return err
	}
	var r Reservation
	err = db.Conn(ctx).Where("order_id = ? AND device_id = ? AND released_at IS NULL", orderID, deviceID).Take(&r).Error
	if db.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reservation of device %d: %w", deviceID, err)
	}
	before := *o
	before.Lines = slices.Clone(o.Lines)
	now := time.Now().UTC()
	if err := db.Conn(ctx).Model(&Reservation{}).Where("id = ?", r.ID).Update("released_at", now).Error; err != nil {
		return fmt.Errorf("release device %d: %w", deviceID, err)
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.ID != r.LineID {
			continue
		}
		l.ReservedQuantity--
		l.DeviceIDs = slices.DeleteFunc(slices.Clone(l.DeviceIDs), func(id int64) bool { return id == deviceID })
		if err := saveReservedQuantity(ctx, l); err != nil {
			return err
		}
	}
	serial := fmt.Sprint(deviceID)
	if ds, err := s.Inventory.DevicesByID(ctx, []int64{deviceID}); err == nil && len(ds) == 1 {
		serial = ds[0].Serial
	}
	outcome := ""
	switch o.Status {
	case Reserved, Backordered, Dispatching:
		wasDispatching := o.Status == Dispatching
		if err := s.reserve(ctx, o); err != nil {
			return err
		}
		switch {
		case o.Status == Reserved && wasDispatching:
			o.Status = Dispatching // the pending shipment takes the new device
			outcome = OutcomeReservedShipment
		case o.Status == Reserved:
			outcome = OutcomeReserved
		case wasDispatching:
			o.ShipmentID = nil
			outcome = OutcomeUndispatched
		default:
			outcome = OutcomeBackordered
		}
	default:
		outcome = OutcomeAlreadyLeft
	}
	if err := saveStatus(ctx, o); err != nil {
		return err
	}
	msg := fmt.Sprintf("device %s left the order (%s); %s", serial, why.Text(), outcomeText[outcome])
	if err := insertOrderEvent(ctx, &OrderEvent{OrderID: o.ID, At: now, Kind: EventDeviceTaken, Message: msg, Actor: actorOf(ctx),
		Serial: serial, ReasonCode: why.Code, ReasonArgs: why.Args, Outcome: outcome}); err != nil {
		return err
	}
	return audit.Record(ctx, "device-taken", "order", o.ID, before, map[string]any{
		"status": o.Status, "device_id": deviceID, "reason": why.Text(), "outcome": outcomeText[outcome], "lines": o.Lines})
}

// Timeline returns the timeline entries of order id, oldest first, visible as Get is.
func (s *Service) Timeline(ctx context.Context, id int64) ([]OrderEvent, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	out := []OrderEvent{}
	if err := db.Conn(ctx).Where("order_id = ?", id).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("order %d timeline: %w", id, err)
	}
	return out, nil
}

func insertOrderEvent(ctx context.Context, e *OrderEvent) error {
	if err := db.Conn(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("order %d timeline: %w", e.OrderID, err)
	}
	return nil
}

func actorOf(ctx context.Context) string {
	if p, ok := auth.From(ctx); ok {
		return p.Name
	}
	return "system"
}

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612020220_orders_events",
		Migrate: func(tx *gorm.DB) error {
			type order struct{ ID int64 }
			type orderEvent struct {
				ID      int64     `gorm:"primaryKey"`
				OrderID int64     `gorm:"not null;index:idx_order_events_order,priority:1"`
				Order   *order    `gorm:"constraint:OnDelete:CASCADE"`
				At      time.Time `gorm:"not null"`
				Kind    string    `gorm:"not null;size:32"`
				Message string    `gorm:"not null"`
				Actor   string    `gorm:"not null"`
			}
			return db.CreateTables(tx, db.Table{Name: "order_events", Model: &orderEvent{}})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("order_events") },
	})
	// The parts of a device_taken entry (OrderEvent.Serial and on).
	cols := []string{"serial varchar(100) NOT NULL DEFAULT ''", "reason_code varchar(32) NOT NULL DEFAULT ''",
		"reason_args text NOT NULL DEFAULT ''", "outcome varchar(32) NOT NULL DEFAULT ''"}
	db.Register(&gormigrate.Migration{
		ID: "202612021110_orders_event_parts",
		Migrate: func(tx *gorm.DB) error {
			for _, c := range cols {
				if err := tx.Exec("ALTER TABLE order_events ADD COLUMN " + c).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, c := range cols {
				name, _, _ := strings.Cut(c, " ")
				if err := tx.Exec("ALTER TABLE order_events DROP COLUMN " + name).Error; err != nil {
					return err
				}
			}
			return nil
		},
	})
}
