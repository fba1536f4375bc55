package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/inventory"
)

// NewReturn is the body of POST /returns.
type NewReturn struct {
	MemberID  int64    `json:"member_id"`
	DeviceIDs []int64  `json:"device_ids"`
	Reason    string   `json:"reason" validate:"max=2000"`
	Pickup    *Address `json:"pickup"`
}

// ReceiveRequest is the body of POST /returns/{id}/receive.
type ReceiveRequest struct {
	LocationID int64    `json:"location_id"`
	Serials    []string `json:"serials" validate:"max=10000,dive,max=64"`
}

// Receipt of a return: what arrived, what is still missing, and what was scanned but
// does not belong to the return.
type ReturnReceipt struct {
	ID         int64    `json:"id"`
	Status     string   `json:"status"`
	Received   []string `json:"received"`
	Missing    []string `json:"missing"`
	Unexpected []string `json:"unexpected"`
}

// RequestReturn asks for devices deployed for a member to be collected (member for its
// own, logistics): the devices go returning and an inbound shipment is booked in the
// background. idemKey works as for Place. It returns Forbidden for another member and
// Invalid naming each device that is not deployed for the member, a bad reason or
// address.
func (s *Service) RequestReturn(ctx context.Context, in NewReturn, idemKey string) (*Return, error) {
	p, err := auth.Require(ctx, auth.RoleMember, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() && (p.MemberID == nil || *p.MemberID != in.MemberID) {
		return nil, apperr.Forbidden("you can request pickups only for your own member")
	}
	if len(in.DeviceIDs) == 0 {
		in.DeviceIDs = nil // normalised: none is none, however it was sent
	}
	scope, hash := principalScope(p), requestHash("return", in)
	if idemKey != "" {
		if r, err := s.replayReturn(ctx, scope, idemKey, hash); r != nil || err != nil {
			return r, err
		}
	}
	var fe apperr.Fields
	switch in.Reason {
	case "not_needed", "moved", "deceased", "defect":
	default:
		fe.Add("reason", apperr.OneOf, "must be one of %s", "not_needed, moved, deceased, defect")
	}
	if in.Pickup == nil {
		fe.Add("pickup", apperr.Required, "is required")
	} else if err := validate.Struct(in.Pickup); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return nil, err
		}
		for _, f := range ae.Fields {
			f.Field = "pickup." + f.Field // keeps the rule code, so pages can translate it
			fe = append(fe, f)
		}
	}
	if len(in.DeviceIDs) == 0 {
		fe.Add("device_ids", apperr.Required, "at least one device is required")
	}
	var out *Return
	err = db.WithTx(ctx, func(ctx context.Context) error {
		serials, err := s.checkReturnDevices(ctx, in, &fe)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		now := time.Now().UTC()
		r := &Return{MemberID: in.MemberID, Reason: in.Reason, Pickup: *in.Pickup, Status: ReturnRequested, CreatedBy: p.Name, CreatedAt: now}
		rds := make([]ReturnDevice, len(in.DeviceIDs))
		for i, id := range in.DeviceIDs {
			rds[i] = ReturnDevice{DeviceID: id, Serial: serials[i]}
		}
		if err := insertReturn(ctx, r, rds); err != nil {
			return err
		}
		if _, err := s.Inventory.Move(ctx, in.DeviceIDs, inventory.Returning, inventory.Change{
			Why: inventory.Because(inventory.WhyPickup, in.Reason), ReturnID: &r.ID}); err != nil {
			return err
		}
		sh := &Shipment{Direction: Inbound, ReturnID: &r.ID, MemberID: r.MemberID, Status: ShipmentPending, Recipient: r.Pickup, CreatedAt: now}
		if err := insertShipment(ctx, sh); err != nil {
			return err
		}
		r.ShipmentID = &sh.ID
		if err := updateReturn(ctx, r.ID, map[string]any{"shipment_id": sh.ID}); err != nil {
			return err
		}
		if err := jobs.Later(ctx, TypeBookShipment, jobs.QueueCritical, BookPayload{ShipmentID: sh.ID}); err != nil {
			return err
		}
		if idemKey != "" {
			if err := rememberKey(ctx, scope, idemKey, hash, "return", r.ID); err != nil {
				return err
			}
		}
		r.DeviceIDs = in.DeviceIDs
		out = r
		if err := emitReturn(ctx, r.ID, r.MemberID, ""); err != nil {
			return err
		}
		return audit.Record(ctx, "request", "return", r.ID, nil, r)
	})
	if err != nil && idemKey != "" && db.IsUniqueViolation(err) {
		return s.replayReturn(ctx, scope, idemKey, hash)
	}
	return out, err
}

// checkReturnDevices names every device that is not deployed for the member, and
// returns the serials of the devices in order.
func (s *Service) checkReturnDevices(ctx context.Context, in NewReturn, fe *apperr.Fields) ([]string, error) {
	serials := make([]string, len(in.DeviceIDs))
	if len(in.DeviceIDs) == 0 {
		return serials, nil
	}
	ds, err := s.Inventory.DevicesByID(ctx, in.DeviceIDs)
	if err != nil {
		return nil, fmt.Errorf("devices of the return: %w", err)
	}
	byID := map[int64]inventory.Device{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	for i, id := range in.DeviceIDs {
		d, ok := byID[id]
		switch {
		case slices.Index(in.DeviceIDs, id) != i:
			fe.Add(fmt.Sprintf("device_ids[%d]", i), apperr.Duplicate, "device %d is listed twice", id)
		case !ok || d.MemberID == nil || *d.MemberID != in.MemberID:
			fe.Add(fmt.Sprintf("device_ids[%d]", i), CodeNotAtMember, "device %d is not at a citizen of member %d", id, in.MemberID)
		case d.State != inventory.Deployed:
			fe.Add(fmt.Sprintf("device_ids[%d]", i), CodeNotDeployed, "device %s is %s, not deployed", d.Serial, d.State)
		default:
			serials[i] = d.Serial
		}
	}
	return serials, nil
}

func (s *Service) replayReturn(ctx context.Context, scope, key, hash string) (*Return, error) {
	id, err := seenKey(ctx, scope, key, "return", hash)
	if id == 0 || err != nil {
		return nil, err
	}
	return s.GetReturn(ctx, id)
}

// GetReturn returns return id with its devices, how many have arrived, and its pickup
// shipment; a member user gets NotFound for another member's.
func (s *Service) GetReturn(ctx context.Context, id int64) (*Return, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	r, err := findReturn(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(r.MemberID) {
		return nil, apperr.NotFound("return %d not found", id)
	}
	rs := []Return{*r}
	if err := attachReturnDetails(ctx, rs); err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// ReceiveReturn books devices of a return that arrived at the warehouse into cleaning
// at locationID (logistics), by their scanned serials. It answers which serials arrived,
// which expected ones are still missing, and which scanned ones are not on the return.
// Receiving again later adds what has come since. The first receipt marks the pickup
// shipment delivered: the parcel is here.
func (s *Service) ReceiveReturn(ctx context.Context, id int64, in ReceiveRequest) (*ReturnReceipt, error) {
	if _, err := auth.Require(ctx, auth.RoleLogistics); err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if in.LocationID <= 0 {
		fe.Add("location_id", apperr.Required, "is required")
	} else if _, err := s.Inventory.GetLocation(ctx, in.LocationID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("location_id", apperr.Unknown, "no location with id %d", in.LocationID)
	} else if err != nil {
		return nil, fmt.Errorf("receive return %d: %w", id, err)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	out := &ReturnReceipt{ID: id, Received: []string{}, Missing: []string{}, Unexpected: []string{}}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.GetReturn(ctx, id)
		if err != nil {
			return err
		}
		// Serialise receipts of one return, so two scans at once cannot both book a device.
		if err := lockReturn(ctx, id); err != nil {
			return err
		}
		rds, err := returnDevices(ctx, id)
		if err != nil {
			return err
		}
		if err := s.receiveDevices(ctx, id, in, rds, out); err != nil {
			return err
		}
		out.Status = ReturnReceived
		if len(out.Missing) > 0 {
			out.Status = ReturnPartial
			if len(out.Missing) == len(rds) {
				out.Status = ReturnRequested // nothing has arrived yet
			}
		}
		now := time.Now().UTC()
		upd := map[string]any{"status": out.Status}
		if out.Status == ReturnReceived {
			upd["received_at"] = now
		}
		if err := updateReturn(ctx, id, upd); err != nil {
			return err
		}
		if out.Status != ReturnRequested && r.ShipmentID != nil {
			if err := pickupArrived(ctx, *r.ShipmentID, now); err != nil {
				return err
			}
		}
		if err := emitReturn(ctx, id, r.MemberID, r.Status); err != nil {
			return err
		}
		return audit.Record(ctx, "receive", "return", id, map[string]any{"status": r.Status}, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// receiveDevices moves the return's devices whose serials were scanned (and not
// received before) into cleaning, and fills out's lists.
func (s *Service) receiveDevices(ctx context.Context, id int64, in ReceiveRequest, rds []ReturnDevice, out *ReturnReceipt) error {
	// Scans compare trimmed and case-insensitively; an unexpected one is told as scanned.
	scanned := map[string]string{}
	for _, sn := range in.Serials {
		if sn = strings.TrimSpace(sn); sn != "" {
			scanned[inventory.NormSerial(sn)] = sn
		}
	}
	now := time.Now().UTC()
	for _, rd := range rds {
		key := inventory.NormSerial(rd.Serial)
		_, isScanned := scanned[key]
		switch {
		case rd.ReceivedAt != nil:
			delete(scanned, key)
		case isScanned:
			delete(scanned, key)
			if _, err := s.Inventory.Move(ctx, []int64{rd.DeviceID}, inventory.Cleaning, inventory.Change{
				Why: inventory.Because(inventory.WhyPickedUp), ReturnID: &id, LocationID: &in.LocationID, ClearHolder: true}); err != nil {
				return err
			}
			if err := markDeviceReceived(ctx, id, rd.DeviceID, now); err != nil {
				return err
			}
			out.Received = append(out.Received, rd.Serial)
		default:
			out.Missing = append(out.Missing, rd.Serial)
		}
	}
	for _, sn := range scanned {
		out.Unexpected = append(out.Unexpected, sn)
	}
	slices.Sort(out.Unexpected)
	return nil
}

// pickupArrived marks an inbound shipment delivered when its devices are received,
// unless the carrier said so already: the warehouse holding the parcel is proof enough.
func pickupArrived(ctx context.Context, shipmentID int64, at time.Time) error {
	sh, err := lockShipment(ctx, shipmentID)
	if err != nil || sh.Status == ShipmentDelivered {
		return err
	}
	if err := updateShipment(ctx, sh.ID, map[string]any{"status": ShipmentDelivered, "delivered_at": at}); err != nil {
		return err
	}
	if err := emitShipment(ctx, &sh.ID, sh.MemberID, sh.Status); err != nil {
		return err
	}
	return audit.Record(ctx, "delivered", "shipment", sh.ID, map[string]any{"status": sh.Status},
		map[string]any{"status": ShipmentDelivered, "reason": "received at the warehouse"})
}
