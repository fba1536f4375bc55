package support

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/orders"
)

// SwapInput is the body of POST /tickets/{id}/swap.
type SwapInput struct {
	DeviceID  int64  `json:"device_id"`
	ProductID *int64 `json:"product_id,omitempty"`
}

// Swap links a ticket to the replacement order and the return of the old device that
// a swap created. The link lives here, in support, so that orders and returns need no
// column for tickets: TicketOfOrder and TicketOfReturn answer for them.
type Swap struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	TicketID  int64     `json:"ticket_id"`
	DeviceID  int64     `json:"device_id"`
	ProductID int64     `json:"product_id"`
	OrderID   int64     `json:"order_id"`
	ReturnID  int64     `json:"return_id"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName keeps the table name stable.
func (Swap) TableName() string { return "ticket_links" }

// SwapDevice replaces a defective device from ticket id (support, logistics): an order
// of one unit of in.ProductID (default: the device's product) for the ticket's member
// and citizen (the device's when the ticket names none), delivered to the address of
// the device's last delivery, and a return of the device with reason defect collected
// from there; both through orders, so reservation, backorders and the carrier work as
// for any order, and both linked to the ticket, in one transaction. Orders lets only
// member users and logistics place orders and returns; the swap places them as the
// system on the agent's behalf, and the audit trail names the agent. Swapping the same
// device from the same ticket again answers the first swap.
//
// It returns NotFound for an unknown ticket, Conflict for a closed one, and Invalid
// naming device_id (not deployed for the ticket's member, no delivery to take the
// address from, no citizen) or product_id (unknown).
func (s *Service) SwapDevice(ctx context.Context, id int64, in SwapInput) (*Swap, error) {
	p, err := auth.Require(ctx, swappers...)
	if err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if in.DeviceID <= 0 {
		fe.Add("device_id", apperr.Required, "is required")
	}
	if in.ProductID != nil && *in.ProductID <= 0 {
		fe.Add("product_id", apperr.NotPositive, "must be a positive whole number")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Swap
	err = db.WithTx(ctx, func(ctx context.Context) error {
		t, err := loadTicket(ctx, id, true) // one swap of a ticket at a time
		if err != nil {
			return err
		}
		if !sees(p, t) {
			return notFound(id)
		}
		if t.Status == Closed {
			return apperr.Conflict("ticket %s is closed", t.Number)
		}
		var prev Swap
		err = db.Conn(ctx).Where("ticket_id = ? AND device_id = ?", id, in.DeviceID).Take(&prev).Error
		if err == nil {
			out = &prev
			return nil
		}
		if !db.IsNotFound(err) {
			return fmt.Errorf("swap of ticket %d: %w", id, err)
		}
		out, err = s.swap(ctx, p, t, in)
		return err
	})
	return out, err
}

func (s *Service) swap(ctx context.Context, p auth.Principal, t *Ticket, in SwapInput) (*Swap, error) {
	var fe apperr.Fields
	d, err := s.deployedAt(ctx, in.DeviceID, t.MemberID, "device_id", &fe)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fe.Err()
	}
	citizen := deref(t.CitizenRef)
	if citizen == "" {
		citizen = deref(d.CitizenRef)
	}
	if citizen == "" {
		fe.Add("device_id", CodeNoCitizen, "neither the ticket nor the device names a citizen")
	}
	sys := asSystem(ctx, p)
	var addr orders.Address
	if d.OrderID == nil {
		fe.Add("device_id", CodeNoDelivery, "device %s has no delivery to take the address from", d.Serial)
	} else {
		o, err := s.Orders.Get(sys, *d.OrderID)
		if err != nil {
			return nil, fmt.Errorf("swap: last order of device %s: %w", d.Serial, err)
		}
		addr = o.Delivery
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	product := d.ProductID
	if in.ProductID != nil {
		product = *in.ProductID
	}
	key := fmt.Sprintf("ticket-swap:%d:%d", t.ID, d.ID)
	no := orders.NewOrder{MemberID: t.MemberID, Lines: []orders.NewLine{{ProductID: product, Quantity: 1}},
		CitizenRef: citizen, Delivery: &addr, Note: fmt.Sprintf("Swap for ticket %s: replaces device %s", t.Number, d.Serial)}
	o, err := s.Orders.Place(sys, no, key+":order")
	if err != nil {
		return nil, renameFields(err, map[string]string{"lines[0].product_id": "product_id"})
	}
	nr := orders.NewReturn{MemberID: t.MemberID, DeviceIDs: []int64{d.ID}, Reason: "defect", Pickup: &addr}
	r, err := s.Orders.RequestReturn(sys, nr, key+":return")
	if err != nil {
		return nil, renameFields(err, map[string]string{"device_ids[0]": "device_id"})
	}
	now := s.now()
	sw := &Swap{TicketID: t.ID, DeviceID: d.ID, ProductID: product, OrderID: o.ID, ReturnID: r.ID, CreatedBy: p.Name, CreatedAt: now}
	if err := db.Conn(ctx).Create(sw).Error; err != nil {
		return nil, fmt.Errorf("link swap to ticket %d: %w", t.ID, err)
	}
	t.UpdatedAt = now
	if err := recordEvent(ctx, t, "swap", t.Status, fmt.Sprintf("order %s, return %d for device %s", o.Number, r.ID, d.Serial)); err != nil {
		return nil, err
	}
	return sw, audit.Record(ctx, "swap", "ticket", t.ID, nil, sw)
}

// renameFields gives field errors of what orders was asked the names of the swap's
// own input, so the client is told about the field it sent.
func renameFields(err error, names map[string]string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return err
	}
	fs := make([]apperr.FieldError, len(ae.Fields))
	for i, f := range ae.Fields {
		for from, to := range names {
			if f.Field == from || strings.HasPrefix(f.Field, from+".") {
				f.Field = to + strings.TrimPrefix(f.Field, from)
			}
		}
		fs[i] = f
	}
	return apperr.Invalid(fs...)
}

// TicketOfOrder returns the ticket whose swap created order id, or nil; the caller has
// already decided that its user may see the order.
func (s *Service) TicketOfOrder(ctx context.Context, orderID int64) (*int64, error) {
	return linkedTicket(ctx, "order_id", orderID)
}

// TicketOfReturn returns the ticket whose swap created return id, or nil; as
// TicketOfOrder.
func (s *Service) TicketOfReturn(ctx context.Context, returnID int64) (*int64, error) {
	return linkedTicket(ctx, "return_id", returnID)
}

func linkedTicket(ctx context.Context, col string, id int64) (*int64, error) {
	if _, err := auth.RequireAny(ctx); err != nil {
		return nil, err
	}
	var ids []int64
	if err := db.Conn(ctx).Model(&Swap{}).Where(col+" = ?", id).Limit(1).Pluck("ticket_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("ticket of %s %d: %w", col, id, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &ids[0], nil
}
