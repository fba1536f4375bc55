package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/inventory"
	"github.com/hibiken/asynq"
)

// TypeBookShipment is the task that books a shipment with the carrier.
const TypeBookShipment = "orders:book-shipment"

// BookPayload names the shipment to book.
type BookPayload struct {
	ShipmentID int64 `json:"shipment_id"`
}

// Ship hands a reserved order to dispatch (logistics): it writes an outbound shipment
// and the booking task in one transaction; the worker books the carrier. It returns
// Conflict unless the order is reserved.
func (s *Service) Ship(ctx context.Context, id int64) (*Order, error) {
	if _, err := auth.Require(ctx, auth.RoleLogistics); err != nil {
		return nil, err
	}
	var out *Order
	err := db.WithTx(ctx, func(ctx context.Context) error {
		o, err := loadOrder(ctx, id, true)
		if err != nil {
			return err
		}
		if o.Status != Reserved {
			return apperr.Conflict("order %s is %s; only a reserved order can be shipped", o.Number, o.Status)
		}
		before := *o
		sh := &Shipment{Direction: Outbound, OrderID: &o.ID, MemberID: o.MemberID, Status: ShipmentPending,
			Recipient: o.Delivery, CreatedAt: time.Now().UTC()}
		if err := db.Conn(ctx).Create(sh).Error; err != nil {
			return fmt.Errorf("create shipment: %w", err)
		}
		o.Status, o.ShipmentID = Dispatching, &sh.ID
		if err := saveStatus(ctx, o); err != nil {
			return err
		}
		if err := jobs.Later(ctx, TypeBookShipment, jobs.QueueCritical, BookPayload{ShipmentID: sh.ID}); err != nil {
			return err
		}
		out = o
		return audit.Record(ctx, "ship", "order", o.ID, before, o)
	})
	return out, err
}

// HandleBookShipment books a pending shipment with the carrier. It is idempotent: a
// shipment that is no longer pending is left alone, and the carrier gets the shipment id
// as Idempotency-Key, so a crash after the carrier answered and before the commit books
// once. A refusal (or the last retry) fails the shipment and puts its order back to
// reserved with an alert; other errors are returned for asynq to retry with back-off.
func (s *Service) HandleBookShipment(ctx context.Context, t *asynq.Task) error {
	var p BookPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("%w: bad payload: %v", asynq.SkipRetry, err)
	}
	ctx = auth.WithPrincipal(ctx, auth.System)
	var sh Shipment
	if err := db.Conn(ctx).Take(&sh, p.ShipmentID).Error; err != nil {
		return fmt.Errorf("load shipment %d: %w", p.ShipmentID, err)
	}
	if sh.Status != ShipmentPending {
		return nil
	}
	db.Conn(ctx).Model(&Shipment{}).Where("id = ?", sh.ID).Update("attempts", sh.Attempts+1)
	tracking, err := s.Carrier.Book(ctx, Booking{ShipmentID: sh.ID, Reference: s.reference(ctx, &sh),
		Direction: sh.Direction, Recipient: sh.Recipient, Parcels: 1})
	if err != nil {
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		if !errors.Is(err, ErrRefused) && retried < maxRetry {
			db.Conn(ctx).Model(&Shipment{}).Where("id = ?", sh.ID).Update("last_error", err.Error())
			return err
		}
		slog.Warn("shipment failed", "shipment_id", sh.ID, "err", err)
		return s.failShipment(ctx, sh.ID, err.Error(), true)
	}
	return s.booked(ctx, sh.ID, tracking)
}

func (s *Service) reference(ctx context.Context, sh *Shipment) string {
	if sh.OrderID != nil {
		var number string
		db.Conn(ctx).Table("orders").Where("id = ?", *sh.OrderID).Pluck("number", &number)
		return number
	}
	return "R-" + strconv.FormatInt(derefID(sh.ReturnID), 10)
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// booked records the tracking number; an outbound order becomes shipped and its devices
// in transit, its consumables leave the ledger.
func (s *Service) booked(ctx context.Context, shipmentID int64, tracking string) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		sh, err := lockShipment(ctx, shipmentID)
		if err != nil || sh.Status != ShipmentPending {
			return err
		}
		now := time.Now().UTC()
		if err := db.Conn(ctx).Model(&Shipment{}).Where("id = ?", sh.ID).Updates(map[string]any{
			"status": ShipmentBooked, "tracking_number": tracking, "booked_at": now, "last_error": ""}).Error; err != nil {
			return fmt.Errorf("book shipment %d: %w", sh.ID, err)
		}
		if err := audit.Record(ctx, "booked", "shipment", sh.ID, map[string]any{"status": sh.Status},
			map[string]any{"status": ShipmentBooked, "tracking_number": tracking}); err != nil {
			return err
		}
		if sh.Direction != Outbound {
			return nil
		}
		o, err := loadOrder(ctx, *sh.OrderID, true)
		if err != nil {
			return err
		}
		devices, err := s.heldDevices(ctx, o.ID)
		if err != nil {
			return err
		}
		if _, err := s.Inventory.Move(ctx, devices, inventory.InTransit, inventory.Change{Reason: "shipped with " + tracking,
			OrderID: &o.ID, ShipmentID: &sh.ID}); err != nil {
			return err
		}
		if err := s.shipConsumables(ctx, o.ID); err != nil {
			return err
		}
		before := *o
		o.Status = Shipped
		if err := saveStatus(ctx, o); err != nil {
			return err
		}
		return audit.Record(ctx, "shipped", "order", o.ID, before, o)
	})
}

func (s *Service) heldDevices(ctx context.Context, orderID int64) ([]int64, error) {
	var ids []int64
	err := db.Conn(ctx).Table("order_reservations").Where("order_id = ? AND device_id IS NOT NULL AND released_at IS NULL", orderID).
		Order("id").Pluck("device_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("devices of order %d: %w", orderID, err)
	}
	return ids, nil
}

func (s *Service) shipConsumables(ctx context.Context, orderID int64) error {
	var rs []Reservation
	if err := db.Conn(ctx).Where("order_id = ? AND device_id IS NULL AND released_at IS NULL", orderID).Order("product_id, location_id, id").Find(&rs).Error; err != nil {
		return fmt.Errorf("consumables of order %d: %w", orderID, err)
	}
	for _, r := range rs {
		if err := s.Inventory.ShipQuantity(ctx, r.ProductID, *r.LocationID, r.Quantity, orderID); err != nil {
			return err
		}
	}
	return nil
}

// unshipConsumables reverses shipConsumables when a booked shipment fails: the
// quantities come back on hand and reserved for the order, whose reservations still
// hold them, so that a new shipment or a cancellation books them once.
func (s *Service) unshipConsumables(ctx context.Context, orderID int64) error {
	var rs []Reservation
	if err := db.Conn(ctx).Where("order_id = ? AND device_id IS NULL AND released_at IS NULL", orderID).Order("product_id, location_id, id").Find(&rs).Error; err != nil {
		return fmt.Errorf("consumables of order %d: %w", orderID, err)
	}
	for _, r := range rs {
		if err := s.Inventory.ShipQuantity(ctx, r.ProductID, *r.LocationID, -r.Quantity, orderID); err != nil {
			return err
		}
	}
	return nil
}

// failShipment marks the shipment failed with an alert for logistics; an outbound
// order goes back to reserved (its devices too, if they had left, and its consumables
// back into reserved stock). onlyPending is set by the booking job: a shipment that a
// concurrent run of the job booked meanwhile is then left alone.
func (s *Service) failShipment(ctx context.Context, shipmentID int64, why string, onlyPending bool) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		sh, err := lockShipment(ctx, shipmentID)
		if err != nil || sh.Status == ShipmentFailed || sh.Status == ShipmentDelivered || (onlyPending && sh.Status != ShipmentPending) {
			return err
		}
		if err := db.Conn(ctx).Model(&Shipment{}).Where("id = ?", sh.ID).Updates(map[string]any{
			"status": ShipmentFailed, "last_error": why}).Error; err != nil {
			return fmt.Errorf("fail shipment %d: %w", sh.ID, err)
		}
		a := Alert{Kind: "shipment_failed", Message: fmt.Sprintf("Shipment %d (%s) failed: %s", sh.ID, sh.Direction, why),
			OrderID: sh.OrderID, ShipmentID: &sh.ID, CreatedAt: time.Now().UTC()}
		if err := db.Conn(ctx).Create(&a).Error; err != nil {
			return fmt.Errorf("alert: %w", err)
		}
		if err := audit.Record(ctx, "failed", "shipment", sh.ID, map[string]any{"status": sh.Status},
			map[string]any{"status": ShipmentFailed, "error": why}); err != nil {
			return err
		}
		if sh.Direction != Outbound {
			return nil
		}
		o, err := loadOrder(ctx, *sh.OrderID, true)
		if err != nil {
			return err
		}
		if o.Status == Shipped {
			devices, err := s.heldDevices(ctx, o.ID)
			if err != nil {
				return err
			}
			if _, err := s.Inventory.Move(ctx, devices, inventory.Reserved, inventory.Change{Reason: "shipment failed: " + why,
				OrderID: &o.ID, ShipmentID: &sh.ID}); err != nil {
				return err
			}
			if err := s.unshipConsumables(ctx, o.ID); err != nil {
				return err
			}
		}
		before := *o
		o.Status, o.ShipmentID = Reserved, nil
		if err := saveStatus(ctx, o); err != nil {
			return err
		}
		return audit.Record(ctx, "shipment-failed", "order", o.ID, before, o)
	})
}

func lockShipment(ctx context.Context, id int64) (*Shipment, error) {
	var sh Shipment
	err := db.ForUpdate(db.Conn(ctx)).Take(&sh, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("shipment %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load shipment %d: %w", id, err)
	}
	return &sh, nil
}

// GetShipment returns shipment id; a member user sees only its own member's (NotFound
// otherwise).
func (s *Service) GetShipment(ctx context.Context, id int64) (*Shipment, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	var sh Shipment
	err = db.Conn(ctx).Take(&sh, id).Error
	if db.IsNotFound(err) || (err == nil && !p.SeesMember(sh.MemberID)) {
		return nil, apperr.NotFound("shipment %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load shipment %d: %w", id, err)
	}
	return &sh, nil
}

// Deliver marks a shipped order delivered by hand when the carrier reports nothing
// (logistics). It returns Conflict unless the order is shipped.
func (s *Service) Deliver(ctx context.Context, id int64) (*Order, error) {
	if _, err := auth.Require(ctx, auth.RoleLogistics); err != nil {
		return nil, err
	}
	var out *Order
	err := db.WithTx(ctx, func(ctx context.Context) error {
		o, err := loadOrder(ctx, id, true)
		if err != nil {
			return err
		}
		if o.Status != Shipped {
			return apperr.Conflict("order %s is %s; only a shipped order can be delivered", o.Number, o.Status)
		}
		out, err = s.delivered(ctx, o, "delivered (marked by hand)")
		return err
	})
	return out, err
}

// delivered deploys the order's devices at its citizen and closes order and shipment.
func (s *Service) delivered(ctx context.Context, o *Order, reason string) (*Order, error) {
	devices, err := s.heldDevices(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	if _, err := s.Inventory.Move(ctx, devices, inventory.Deployed, inventory.Change{Reason: reason, OrderID: &o.ID,
		ShipmentID: o.ShipmentID, MemberID: &o.MemberID, CitizenRef: &o.CitizenRef}); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if o.ShipmentID != nil {
		if err := db.Conn(ctx).Model(&Shipment{}).Where("id = ?", *o.ShipmentID).
			Updates(map[string]any{"status": ShipmentDelivered, "delivered_at": now}).Error; err != nil {
			return nil, fmt.Errorf("deliver shipment: %w", err)
		}
	}
	before := *o
	o.Status = Delivered
	if err := saveStatus(ctx, o); err != nil {
		return nil, err
	}
	return o, audit.Record(ctx, "deliver", "order", o.ID, before, o)
}
