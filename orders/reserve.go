package orders

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fsc/backoffice/inventory"
)

// reserve fills what is still open on every line of o, in the caller's transaction:
// devices of the product or, when it is out, of its substitution group (oldest received
// first, locked so racing orders never share one), or consumable quantities from the
// ledger. It sets o.Status to reserved when every line is full, else backordered.
//
// Devices come first and consumables last, by product id: taking a consumable locks
// its stock balance row until commit, so taking it late keeps racing orders waiting
// for as short a time as possible, and taking several in one order keeps two orders
// from locking them in opposite orders (a deadlock).
func (s *Service) reserve(ctx context.Context, o *Order) error {
	type open struct {
		line *Line
		p    *inventory.Product
		need int64
	}
	var devices, consumables []open
	for i := range o.Lines {
		l := &o.Lines[i]
		need := l.Quantity - l.ReservedQuantity
		if need <= 0 {
			continue
		}
		p, err := s.Inventory.GetProduct(ctx, l.ProductID)
		if err != nil {
			return fmt.Errorf("reserve order %s line %d: %w", o.Number, l.ID, err)
		}
		if p.Tracking == inventory.TrackQuantity {
			consumables = append(consumables, open{l, p, need})
		} else {
			devices = append(devices, open{l, p, need})
		}
	}
	slices.SortFunc(consumables, func(a, b open) int { return cmp.Compare(a.p.ID, b.p.ID) })
	for _, x := range append(devices, consumables...) {
		got, err := s.reserveLine(ctx, o, x.line, x.p, x.need)
		if err != nil {
			return fmt.Errorf("reserve order %s line %d: %w", o.Number, x.line.ID, err)
		}
		if got > 0 {
			x.line.ReservedQuantity += got
			if err := saveReservedQuantity(ctx, x.line); err != nil {
				return err
			}
		}
	}
	o.Status = Reserved
	for _, l := range o.Lines {
		if l.ReservedQuantity != l.Quantity {
			o.Status = Backordered
		}
	}
	return nil
}

func (s *Service) reserveLine(ctx context.Context, o *Order, l *Line, p *inventory.Product, need int64) (int64, error) {
	now := time.Now().UTC()
	if p.Tracking == inventory.TrackQuantity {
		allocs, err := s.Inventory.ReserveQuantity(ctx, p.ID, need, o.ID)
		if err != nil {
			return 0, err
		}
		var got int64
		rs := make([]Reservation, len(allocs))
		for i, a := range allocs {
			rs[i] = Reservation{OrderID: o.ID, LineID: l.ID, ProductID: p.ID, LocationID: &allocs[i].LocationID, Quantity: a.Quantity, CreatedAt: now}
			got += a.Quantity
		}
		return got, insertReservations(ctx, rs)
	}
	// The picked devices stay locked until commit (FOR UPDATE SKIP LOCKED on
	// PostgreSQL, in inventory), so racing orders never share one.
	ids, err := s.Inventory.PickAvailable(ctx, p, int(need))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	ds, err := s.Inventory.Move(ctx, ids, inventory.Reserved, inventory.Change{
		Why: inventory.Because(inventory.WhyReserved, o.Number), OrderID: &o.ID, MemberID: &o.MemberID, CitizenRef: &o.CitizenRef})
	if err != nil {
		return 0, err
	}
	rs := make([]Reservation, len(ds))
	for i, d := range ds {
		rs[i] = Reservation{OrderID: o.ID, LineID: l.ID, ProductID: d.ProductID, DeviceID: &ds[i].ID, Quantity: 1, CreatedAt: now}
		l.DeviceIDs = append(l.DeviceIDs, d.ID)
	}
	if err := insertReservations(ctx, rs); err != nil {
		return 0, err
	}
	return int64(len(ds)), nil
}

// release gives back everything o holds: devices to available, consumables to free
// stock, and closes its reservations.
func (s *Service) release(ctx context.Context, o *Order, why inventory.Why) error {
	// Balance rows are touched in product and location order, as reserve takes them.
	rs, err := openReservations(ctx, o.ID)
	if err != nil {
		return err
	}
	var devices []int64
	for _, r := range rs {
		if r.DeviceID != nil {
			devices = append(devices, *r.DeviceID)
			continue
		}
		if err := s.Inventory.ReleaseQuantity(ctx, r.ProductID, *r.LocationID, r.Quantity, o.ID); err != nil {
			return err
		}
	}
	if len(devices) > 0 {
		if _, err := s.Inventory.Move(ctx, devices, inventory.Available, inventory.Change{Why: why, OrderID: &o.ID, ClearHolder: true}); err != nil {
			return err
		}
	}
	if err := releaseAll(ctx, o.ID); err != nil {
		return err
	}
	for i := range o.Lines {
		o.Lines[i].ReservedQuantity, o.Lines[i].DeviceIDs = 0, []int64{}
	}
	return nil
}
