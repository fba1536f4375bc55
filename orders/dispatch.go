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
// Conflict unless the order can be shipped (CanShip).
func (s *Service) Ship(ctx context.Context, id int64) (*Order, error) {
	if _, err := auth.Require(ctx, shippers...); err != nil {
		return nil, err
	}
	var out *Order
	err := db.WithTx(ctx, func(ctx context.Context) error {
		o, err := loadOrder(ctx, id, true)
		if err != nil {
			return err
		}
		if !o.CanShip() {
			return apperr.Conflict("order %s is %s; only a reserved order can be shipped", o.Number, o.Status)
		}
		if err := s.checkHeldShippable(ctx, o); err != nil {
			return err
		}
		before := *o
		sh := &Shipment{Direction: Outbound, OrderID: &o.ID, MemberID: o.MemberID, Status: ShipmentPending,
			Recipient: o.Delivery, CreatedAt: time.Now().UTC()}
		if err := insertShipment(ctx, sh); err != nil {
			return err
		}
		o.Status, o.ShipmentID = Dispatching, &sh.ID
		if err := saveStatus(ctx, o); err != nil {
			return err
		}
		if err := jobs.Later(ctx, TypeBookShipment, jobs.QueueCritical, BookPayload{ShipmentID: sh.ID}); err != nil {
			return err
		}
		out = o
		if err := emitOrder(ctx, o); err != nil {
			return err
		}
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
	sh, err := findShipment(ctx, p.ShipmentID, false)
	if err != nil {
		return err
	}
	if sh.Status != ShipmentPending {
		return nil
	}
	if sh.Direction == Outbound {
		// The order may have left dispatch since (a device it held was recalled or lost
		// and no other stock was there): then this shipment is not booked at all.
		o, err := loadOrder(ctx, *sh.OrderID, false)
		if err != nil {
			return err
		}
		if !waitsFor(o, sh.ID) {
			return s.dropShipment(ctx, sh.ID, fmt.Sprintf("order %s is %s and no longer waits for this shipment", o.Number, o.Status))
		}
	}
	if err := updateShipment(ctx, sh.ID, map[string]any{"attempts": sh.Attempts + 1}); err != nil {
		return err
	}
	ref, err := s.reference(ctx, sh)
	if err != nil {
		return err
	}
	tracking, err := s.Carrier.Book(ctx, Booking{ShipmentID: sh.ID, Reference: ref,
		Direction: sh.Direction, Recipient: sh.Recipient, Parcels: 1})
	if err != nil {
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		if !errors.Is(err, ErrRefused) && retried < maxRetry {
			if uerr := updateShipment(ctx, sh.ID, map[string]any{"last_error": err.Error()}); uerr != nil {
				return errors.Join(err, uerr)
			}
			return err
		}
		slog.Warn("shipment failed", "shipment_id", sh.ID, "err", err)
		return s.failShipment(ctx, sh.ID, err.Error(), true)
	}
	return s.booked(ctx, sh.ID, tracking)
}

// reference is what the carrier prints on the parcel: the order number, or R-<id> of
// a return.
func (s *Service) reference(ctx context.Context, sh *Shipment) (string, error) {
	if sh.OrderID != nil {
		nums, err := orderNumbers(ctx, []int64{*sh.OrderID})
		if err != nil {
			return "", fmt.Errorf("shipment %d: %w", sh.ID, err)
		}
		return nums[*sh.OrderID], nil
	}
	return "R-" + strconv.FormatInt(derefID(sh.ReturnID), 10), nil
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
		if err := updateShipment(ctx, sh.ID, map[string]any{
			"status": ShipmentBooked, "tracking_number": tracking, "booked_at": now, "last_error": ""}); err != nil {
			return err
		}
		if err := emitShipment(ctx, &sh.ID, sh.MemberID, sh.Status); err != nil {
			return err
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
		if !waitsFor(o, sh.ID) {
			// Booked while a device was taken from the order: the parcel must not go.
			return s.dropShipmentLocked(ctx, sh, fmt.Sprintf("booked as %s, but order %s is %s and no longer waits for it: cancel the booking with the carrier", tracking, o.Number, o.Status))
		}
		devices, err := heldDevices(ctx, o.ID)
		if err != nil {
			return err
		}
		if _, err := s.Inventory.Move(ctx, devices, inventory.InTransit, inventory.Change{Why: inventory.Because(inventory.WhyShipped, tracking),
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
		if err := emitOrder(ctx, o); err != nil {
			return err
		}
		return audit.Record(ctx, "shipped", "order", o.ID, before, o)
	})
}

// shipConsumables takes the consumables order orderID holds out of stock as shipped.
func (s *Service) shipConsumables(ctx context.Context, orderID int64) error {
	return s.shipHeldQuantities(ctx, orderID, 1)
}

// shipHeldQuantities books sign × each consumable reservation of the order as shipped,
// in the lock order of openReservations.
func (s *Service) shipHeldQuantities(ctx context.Context, orderID, sign int64) error {
	rs, err := openReservations(ctx, orderID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.DeviceID != nil {
			continue
		}
		if err := s.Inventory.ShipQuantity(ctx, r.ProductID, *r.LocationID, sign*r.Quantity, orderID); err != nil {
			return err
		}
	}
	return nil
}

// unshipConsumables reverses shipConsumables when a booked shipment fails: the
// quantities come back on hand and reserved for the order, whose reservations still
// hold them, so that a new shipment or a cancellation books them once.
func (s *Service) unshipConsumables(ctx context.Context, orderID int64) error {
	return s.shipHeldQuantities(ctx, orderID, -1)
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
		if err := updateShipment(ctx, sh.ID, map[string]any{"status": ShipmentFailed, "last_error": why}); err != nil {
			return err
		}
		a := Alert{Kind: "shipment_failed", Message: fmt.Sprintf("Shipment %d (%s) failed: %s", sh.ID, sh.Direction, why),
			OrderID: sh.OrderID, ShipmentID: &sh.ID, CreatedAt: time.Now().UTC()}
		if err := insertAlert(ctx, &a); err != nil {
			return err
		}
		if err := emitShipment(ctx, &sh.ID, sh.MemberID, sh.Status); err != nil {
			return err
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
			devices, err := heldDevices(ctx, o.ID)
			if err != nil {
				return err
			}
			if _, err := s.Inventory.Move(ctx, devices, inventory.Reserved, inventory.Change{Why: inventory.Because(inventory.WhyShipFailed, why),
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
		if err := emitOrder(ctx, o); err != nil {
			return err
		}
		return audit.Record(ctx, "shipment-failed", "order", o.ID, before, o)
	})
}

// Deliver marks a shipped order delivered by hand when the carrier reports nothing
// (logistics). It returns Conflict unless the order can be delivered (CanDeliver).
func (s *Service) Deliver(ctx context.Context, id int64) (*Order, error) {
	if _, err := auth.Require(ctx, shippers...); err != nil {
		return nil, err
	}
	var out *Order
	err := db.WithTx(ctx, func(ctx context.Context) error {
		o, err := loadOrder(ctx, id, true)
		if err != nil {
			return err
		}
		if !o.CanDeliver() {
			return apperr.Conflict("order %s is %s; only a shipped order can be delivered", o.Number, o.Status)
		}
		out, err = s.delivered(ctx, o, inventory.Because(inventory.WhyDeliveredByHand))
		return err
	})
	return out, err
}

// delivered deploys the order's devices at its citizen and closes order and shipment.
func (s *Service) delivered(ctx context.Context, o *Order, why inventory.Why) (*Order, error) {
	devices, err := heldDevices(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	if _, err := s.Inventory.Move(ctx, devices, inventory.Deployed, inventory.Change{Why: why, OrderID: &o.ID,
		ShipmentID: o.ShipmentID, MemberID: &o.MemberID, CitizenRef: &o.CitizenRef}); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if o.ShipmentID != nil {
		if err := updateShipment(ctx, *o.ShipmentID, map[string]any{"status": ShipmentDelivered, "delivered_at": now}); err != nil {
			return nil, err
		}
	}
	before := *o
	o.Status = Delivered
	if err := saveStatus(ctx, o); err != nil {
		return nil, err
	}
	if err := emitShipment(ctx, o.ShipmentID, o.MemberID, ""); err != nil {
		return nil, err
	}
	if err := emitOrder(ctx, o); err != nil {
		return nil, err
	}
	return o, audit.Record(ctx, "deliver", "order", o.ID, before, o)
}

// waitsFor reports whether order o is dispatching with shipment shipmentID.
func waitsFor(o *Order, shipmentID int64) bool {
	return o.Status == Dispatching && o.ShipmentID != nil && *o.ShipmentID == shipmentID
}

// checkHeldShippable returns Conflict when order o holds a device that cannot leave:
// recalled, or no longer reserved.
func (s *Service) checkHeldShippable(ctx context.Context, o *Order) error {
	ids, err := heldDevices(ctx, o.ID)
	if err != nil || len(ids) == 0 {
		return err
	}
	ds, err := s.Inventory.DevicesByID(ctx, ids)
	if err != nil {
		return err
	}
	for _, d := range ds {
		switch {
		case d.Recalled:
			return apperr.Conflict("order %s holds device %s, which is recalled; it cannot be shipped", o.Number, d.Serial)
		case d.State != inventory.Reserved:
			return apperr.Conflict("order %s holds device %s, which is %s; it cannot be shipped", o.Number, d.Serial, d.State)
		}
	}
	return nil
}

// dropShipment fails an outbound shipment whose order no longer waits for it, with an
// alert, leaving the order as it is.
func (s *Service) dropShipment(ctx context.Context, shipmentID int64, why string) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		sh, err := lockShipment(ctx, shipmentID)
		if err != nil || sh.Status != ShipmentPending {
			return err
		}
		return s.dropShipmentLocked(ctx, sh, why)
	})
}

func (s *Service) dropShipmentLocked(ctx context.Context, sh *Shipment, why string) error {
	if err := updateShipment(ctx, sh.ID, map[string]any{"status": ShipmentFailed, "last_error": why}); err != nil {
		return err
	}
	a := Alert{Kind: "shipment_dropped", Message: fmt.Sprintf("Shipment %d (%s) dropped: %s", sh.ID, sh.Direction, why),
		OrderID: sh.OrderID, ShipmentID: &sh.ID, CreatedAt: time.Now().UTC()}
	if err := insertAlert(ctx, &a); err != nil {
		return err
	}
	return audit.Record(ctx, "dropped", "shipment", sh.ID, map[string]any{"status": sh.Status},
		map[string]any{"status": ShipmentFailed, "error": why})
}
