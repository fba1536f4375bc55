package orders

import (
	"context"
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
	Reason    string   `json:"reason"`
	Pickup    *Address `json:"pickup"`
}

// ReceiveRequest is the body of POST /returns/{id}/receive.
type ReceiveRequest struct {
	LocationID int64    `json:"location_id"`
	Serials    []string `json:"serials"`
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
// background. It returns Forbidden for another member and Invalid naming each device
// that is not deployed for the member, a bad reason or address.
func (s *Service) RequestReturn(ctx context.Context, in NewReturn, idemKey string, body []byte) (*Return, error) {
	p, err := auth.Require(ctx, auth.RoleMember, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() && (p.MemberID == nil || *p.MemberID != in.MemberID) {
		return nil, apperr.Forbidden("you can request pickups only for your own member")
	}
	scope, hash := principalScope(p), bodyHash(body)
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
		for _, f := range err.(*apperr.Error).Fields {
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
		if err := db.Conn(ctx).Omit("DeviceIDs").Create(r).Error; err != nil {
			return fmt.Errorf("create return: %w", err)
		}
		for i, id := range in.DeviceIDs {
			if err := db.Conn(ctx).Create(&ReturnDevice{ReturnID: r.ID, DeviceID: id, Serial: serials[i]}).Error; err != nil {
				return fmt.Errorf("return device: %w", err)
			}
		}
		if _, err := s.Inventory.Move(ctx, in.DeviceIDs, inventory.Returning, inventory.Change{
			Reason: "pickup requested: " + in.Reason, ReturnID: &r.ID}); err != nil {
			return err
		}
		sh := &Shipment{Direction: Inbound, ReturnID: &r.ID, MemberID: r.MemberID, Status: ShipmentPending, Recipient: r.Pickup, CreatedAt: now}
		if err := db.Conn(ctx).Create(sh).Error; err != nil {
			return fmt.Errorf("create pickup shipment: %w", err)
		}
		r.ShipmentID = &sh.ID
		if err := db.Conn(ctx).Model(r).Update("shipment_id", sh.ID).Error; err != nil {
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
	var ds []inventory.Device
	if err := db.Conn(ctx).Table("devices").Where("id IN ?", in.DeviceIDs).Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("load devices: %w", err)
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

// GetReturn returns return id with its devices; a member user gets NotFound for another
// member's.
func (s *Service) GetReturn(ctx context.Context, id int64) (*Return, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	var r Return
	err = db.Conn(ctx).Omit("DeviceIDs").Take(&r, id).Error
	if db.IsNotFound(err) || (err == nil && !p.SeesMember(r.MemberID)) {
		return nil, apperr.NotFound("return %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load return %d: %w", id, err)
	}
	if err := db.Conn(ctx).Table("return_devices").Where("return_id = ?", id).Order("device_id").Pluck("device_id", &r.DeviceIDs).Error; err != nil {
		return nil, err
	}
	return &r, nil
}

// ReceiveReturn books devices of a return that arrived at the warehouse into cleaning
// at locationID (logistics), by their scanned serials. It answers which serials arrived,
// which expected ones are still missing, and which scanned ones are not on the return.
// Receiving again later adds what has come since.
func (s *Service) ReceiveReturn(ctx context.Context, id int64, in ReceiveRequest) (*ReturnReceipt, error) {
	if _, err := auth.Require(ctx, auth.RoleLogistics); err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if in.LocationID <= 0 {
		fe.Add("location_id", apperr.Required, "is required")
	} else {
		var n int64
		db.Conn(ctx).Table("locations").Where("id = ?", in.LocationID).Count(&n)
		if n == 0 {
			fe.Add("location_id", apperr.Unknown, "no location with id %d", in.LocationID)
		}
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
		var rds []ReturnDevice
		if err := db.Conn(ctx).Where("return_id = ?", id).Order("device_id").Find(&rds).Error; err != nil {
			return err
		}
		scanned := map[string]bool{}
		for _, sn := range in.Serials {
			if sn = strings.TrimSpace(sn); sn != "" {
				scanned[sn] = true
			}
		}
		now := time.Now().UTC()
		for _, rd := range rds {
			switch {
			case rd.ReceivedAt != nil:
				delete(scanned, rd.Serial)
			case scanned[rd.Serial]:
				delete(scanned, rd.Serial)
				if _, err := s.Inventory.Move(ctx, []int64{rd.DeviceID}, inventory.Cleaning, inventory.Change{
					Reason: "received from pickup", ReturnID: &id, LocationID: &in.LocationID, ClearHolder: true}); err != nil {
					return err
				}
				if err := db.Conn(ctx).Model(&ReturnDevice{}).Where("return_id = ? AND device_id = ?", id, rd.DeviceID).
					Update("received_at", now).Error; err != nil {
					return err
				}
				out.Received = append(out.Received, rd.Serial)
			default:
				out.Missing = append(out.Missing, rd.Serial)
			}
		}
		for sn := range scanned {
			out.Unexpected = append(out.Unexpected, sn)
		}
		slices.Sort(out.Unexpected)
		out.Status = ReturnReceived
		if len(out.Missing) > 0 {
			out.Status = ReturnPartial
			if len(out.Missing) == len(rds) {
				out.Status = ReturnRequested // nothing has arrived yet
			}
		}
		upd := map[string]any{"status": out.Status}
		if out.Status == ReturnReceived {
			upd["received_at"] = now
		}
		if err := db.Conn(ctx).Model(&Return{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return err
		}
		return audit.Record(ctx, "receive", "return", id, map[string]any{"status": r.Status}, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func lockReturn(ctx context.Context, id int64) error {
	var got int64
	return db.ForUpdate(db.Conn(ctx).Table("returns")).Where("id = ?", id).Pluck("id", &got).Error
}
