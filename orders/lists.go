package orders

import (
	"context"
	"slices"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
)

// The read side that the pages and the list API share. Every method scopes by the
// caller itself: staff see everything, a member user its own member's only (another
// member's object is NotFound, another member's list empty), a vendor nothing.

// OrderCounts is how many orders there are per status, and how many of them are late.
type OrderCounts struct {
	ByStatus map[Status]int64 `json:"by_status"`
	Total    int64            `json:"total"`
	Late     int64            `json:"late"` // see Order.IsLate
}

// CountOrders counts the orders the caller sees (of memberID only, unless it is 0) per
// status, and the late ones as of today.
func (s *Service) CountOrders(ctx context.Context, memberID int64) (*OrderCounts, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	out := &OrderCounts{ByStatus: map[Status]int64{}}
	memberID, ok := memberScope(p, memberID)
	if !ok {
		return out, nil
	}
	if out.ByStatus, err = countByStatus(ctx, memberID); err != nil {
		return nil, err
	}
	for _, n := range out.ByStatus {
		out.Total += n
	}
	today := civil.Today()
	if out.Late, err = countOpenDueBefore(ctx, memberID, today, dayStart(today)); err != nil {
		return nil, err
	}
	return out, nil
}

// ConsumablePicks returns the open consumable reservations (product, location and
// quantity to pick) of the orders ids that the caller sees, by order.
func (s *Service) ConsumablePicks(ctx context.Context, orderIDs []int64) ([]Reservation, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	memberID, ok := memberScope(p, 0)
	if !ok {
		return []Reservation{}, nil
	}
	return openConsumables(ctx, orderIDs, memberID)
}

// GetShipment returns shipment id with its order's number; it is NotFound unless the
// caller is staff or the member whose order or return it carries.
func (s *Service) GetShipment(ctx context.Context, id int64) (*Shipment, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	sh, err := findShipment(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(sh.MemberID) {
		return nil, apperr.NotFound("shipment %d not found", id)
	}
	shs := []Shipment{*sh}
	if err := attachOrderNumbers(ctx, shs); err != nil {
		return nil, err
	}
	return &shs[0], nil
}

// ShipmentStatuses lists every shipment status.
var ShipmentStatuses = []string{ShipmentPending, ShipmentBooked, ShipmentDelivered, ShipmentFailed}

// ShipmentFilter selects shipments for ListShipments and CountShipments; zero fields
// do not filter. From and To are days (Europe/Copenhagen) the shipment was created on.
type ShipmentFilter struct {
	Status    string
	Direction string
	MemberID  int64
	From, To  civil.Date
	After     int64 // cursor: shipments with a smaller id
	Limit     int
}

func (f ShipmentFilter) check() error {
	var fe apperr.Fields
	if f.Status != "" && !slices.Contains(ShipmentStatuses, f.Status) {
		fe.Add("status", apperr.OneOf, "must be one of %s", strings.Join(ShipmentStatuses, ", "))
	}
	if f.Direction != "" && f.Direction != Outbound && f.Direction != Inbound {
		fe.Add("direction", apperr.OneOf, "must be one of %s", Outbound+", "+Inbound)
	}
	checkRange(&fe, f.From, f.To)
	return fe.Err()
}

func checkRange(fe *apperr.Fields, from, to civil.Date) {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		fe.Add("to", inventory.CodeRangeOrder, "must not be before %s", "from")
	}
}

// ListShipments returns the shipments the caller sees, newest first after cursor
// f.After, with their order numbers, and the next cursor (0 on the last page). It
// returns Invalid for an unknown status or direction, or To before From.
func (s *Service) ListShipments(ctx context.Context, f ShipmentFilter) ([]Shipment, int64, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := f.check(); err != nil {
		return nil, 0, err
	}
	var ok bool
	if f.MemberID, ok = memberScope(p, f.MemberID); !ok {
		return []Shipment{}, 0, nil
	}
	return listShipments(ctx, f)
}

// CountShipments counts the shipments the caller sees that f selects (f.After and
// f.Limit aside); Invalid as ListShipments.
func (s *Service) CountShipments(ctx context.Context, f ShipmentFilter) (int64, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return 0, err
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	var ok bool
	if f.MemberID, ok = memberScope(p, f.MemberID); !ok {
		return 0, nil
	}
	return countShipments(ctx, f)
}

// OpenAlerts returns up to limit unresolved alerts for the centre (staff), newest
// first, each with its order's number and its shipment's last error.
func (s *Service) OpenAlerts(ctx context.Context, limit int) ([]Alert, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	as, err := openAlerts(ctx, limit)
	if err != nil {
		return nil, err
	}
	var shipIDs, orderIDs []int64
	for _, a := range as {
		if a.ShipmentID != nil {
			shipIDs = append(shipIDs, *a.ShipmentID)
		}
		if a.OrderID != nil {
			orderIDs = append(orderIDs, *a.OrderID)
		}
	}
	shs, err := shipmentsByID(ctx, shipIDs)
	if err != nil {
		return nil, err
	}
	nums, err := orderNumbers(ctx, orderIDs)
	if err != nil {
		return nil, err
	}
	for i := range as {
		if a := &as[i]; a.ShipmentID != nil && shs[*a.ShipmentID] != nil {
			a.LastError = shs[*a.ShipmentID].LastError
		}
		if a := &as[i]; a.OrderID != nil {
			a.OrderNumber = nums[*a.OrderID]
		}
	}
	return as, nil
}

// ReturnStatuses lists every return status.
var ReturnStatuses = []string{ReturnRequested, ReturnPartial, ReturnReceived}

// ReturnFilter selects returns for ListReturns; zero fields do not filter. Open selects
// the returns still expecting devices (requested or partially received) and excludes
// Status. From and To are days (Europe/Copenhagen) the return was requested on.
type ReturnFilter struct {
	Status   string
	Open     bool
	MemberID int64
	From, To civil.Date
	After    int64 // cursor: returns with a smaller id
	Limit    int

	deviceIDs []int64 // set by OrderPickups: returns of any of these devices
}

// ListReturns returns the returns the caller sees, newest first after cursor f.After,
// each with its devices, how many arrived and its pickup shipment, and the next cursor
// (0 on the last page). It returns Invalid for an unknown status or To before From.
func (s *Service) ListReturns(ctx context.Context, f ReturnFilter) ([]Return, int64, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, 0, err
	}
	var fe apperr.Fields
	switch {
	case f.Open && f.Status != "":
		fe.Add("status", apperr.Either, "send either status or %s, not both", "open")
	case f.Status != "" && !slices.Contains(ReturnStatuses, f.Status):
		fe.Add("status", apperr.OneOf, "must be one of %s", strings.Join(ReturnStatuses, ", "))
	}
	checkRange(&fe, f.From, f.To)
	if err := fe.Err(); err != nil {
		return nil, 0, err
	}
	var ok bool
	if f.MemberID, ok = memberScope(p, f.MemberID); !ok {
		return []Return{}, 0, nil
	}
	rs, next, err := listReturns(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	return rs, next, attachReturnDetails(ctx, rs)
}

// ReturnDevices returns the devices of return id as they were requested, with their
// product and when each arrived, by device id; NotFound as GetReturn.
func (s *Service) ReturnDevices(ctx context.Context, id int64) ([]ReturnDevice, error) {
	if _, err := s.GetReturn(ctx, id); err != nil {
		return nil, err
	}
	rds, err := returnDevices(ctx, id)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rds))
	for i, rd := range rds {
		ids[i] = rd.DeviceID
	}
	// The return is visible to the caller, so are the products of its devices: the
	// lookup is not scoped (a received device no longer belongs to the member).
	ds, err := s.Inventory.DevicesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(ds))
	for i, d := range ds {
		byID[d.ID] = i
	}
	for i := range rds {
		if j, ok := byID[rds[i].DeviceID]; ok {
			rds[i].ProductID, rds[i].SKU = ds[j].ProductID, ds[j].SKU
		}
	}
	return rds, nil
}

// OrderPickups returns the open returns (pickups not yet received) of devices that
// order id delivered and that are still that order's (not moved on to another order
// since), newest first; NotFound as Get.
func (s *Service) OrderPickups(ctx context.Context, id int64) ([]Return, error) {
	o, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	held, err := heldDevices(ctx, o.ID)
	if err != nil || len(held) == 0 {
		return []Return{}, err
	}
	ds, err := s.Inventory.DevicesByID(ctx, held)
	if err != nil {
		return nil, err
	}
	var ours []int64
	for _, d := range ds {
		if d.OrderID != nil && *d.OrderID == o.ID {
			ours = append(ours, d.ID)
		}
	}
	if len(ours) == 0 {
		return []Return{}, nil
	}
	rs, _, err := s.ListReturns(ctx, ReturnFilter{Open: true, Limit: 50, deviceIDs: ours})
	return rs, err
}
