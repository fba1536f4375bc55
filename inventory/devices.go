package inventory

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
	"github.com/fsc/backoffice/internal/validate"
)

// memberStates are the states in which a device is held for a member: reserved for its
// order, on its way to or from its citizen, or there. They are the only ones a member
// user sees.
var memberStates = []State{Reserved, InTransit, Deployed, Returning}

// DeviceFilter selects devices for ListDevices; zero fields do not filter.
type DeviceFilter struct {
	Serial     string
	State      State
	ProductID  int64
	MemberID   int64
	LocationID int64
	After      int64
	Limit      int

	memberView bool // set by ListDevices for a member user: memberStates only
}

// ListDevices returns devices ordered by id after f.After, and the next cursor (0 on the
// last page). Staff see every device; a member user only those held for it (reserved
// for its orders, in transit, deployed at its citizens, returning).
func (s *Service) ListDevices(ctx context.Context, f DeviceFilter) ([]Device, int64, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, 0, err
	}
	if f.State != "" && !f.State.Valid() {
		return nil, 0, apperr.Invalid(apperr.Field("state", apperr.OneOf, "must be one of %s", statesList()))
	}
	if !p.IsStaff() {
		if p.MemberID == nil || (f.MemberID != 0 && f.MemberID != *p.MemberID) {
			return nil, 0, nil
		}
		f.MemberID = *p.MemberID
		f.memberView = true
	}
	return listDevices(ctx, f)
}

func statesList() string {
	s := make([]string, len(States))
	for i, st := range States {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// GetDevice returns device id. It returns NotFound for an unknown id and for a member
// user's request of a device not deployed for that member.
func (s *Service) GetDevice(ctx context.Context, id int64) (*Device, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	d, err := findDevice(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() && (d.MemberID == nil || !p.SeesMember(*d.MemberID) || !slices.Contains(memberStates, d.State)) {
		return nil, apperr.NotFound("device %d not found", id)
	}
	return d, nil
}

// FindBySerial returns the devices with this serial (one per product at most), for a
// scanner's input; staff only.
func (s *Service) FindBySerial(ctx context.Context, serial string) ([]Device, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	ds, _, err := listDevices(ctx, DeviceFilter{Serial: strings.TrimSpace(serial), Limit: 10})
	return ds, err
}

// Events returns the history of device id, oldest first, visible as GetDevice is. A
// member user does not see who held the device for another member: those events come
// without member and citizen reference.
func (s *Service) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := s.GetDevice(ctx, id); err != nil {
		return nil, err
	}
	var out []Event
	if err := db.Conn(ctx).Where("device_id = ?", id).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("device %d events: %w", id, err)
	}
	if p, _ := auth.From(ctx); !p.IsStaff() {
		for i := range out {
			if out[i].MemberID == nil || !p.SeesMember(*out[i].MemberID) {
				out[i].MemberID, out[i].CitizenRef = nil, nil
			}
		}
	}
	return out, nil
}

// Change is what a state change records besides from and to.
type Change struct {
	Reason     string
	OrderID    *int64
	ShipmentID *int64
	ReturnID   *int64
	// LocationID moves the device to a location (on receiving it back, say).
	LocationID *int64
	// MemberID and CitizenRef set who holds a deployed device; ClearHolder clears them.
	MemberID    *int64
	CitizenRef  *string
	ClearHolder bool
}

// TransitionRequest is the body of a manual transition.
type TransitionRequest struct {
	To     State  `json:"to"`
	Reason string `json:"reason" validate:"max=2000"`
}

// Transition makes a manual move of device id: cleaning→available,
// cleaning/available/deployed→repair, repair→available, any non-terminal→scrapped or
// lost (logistics). It returns NotFound, Invalid for a missing reason or unknown state,
// and Conflict for a move the table does not allow by hand.
func (s *Service) Transition(ctx context.Context, id int64, in TransitionRequest) (*Device, error) {
	if _, err := auth.Require(ctx, auth.RoleLogistics); err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var fe apperr.Fields
	if in.Reason == "" {
		fe.Add("reason", apperr.Required, "is required")
	}
	if !in.To.Valid() {
		fe.Add("to", apperr.OneOf, "must be one of %s", statesList())
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Device
	err := db.WithTx(ctx, func(ctx context.Context) error {
		d, err := findDevice(ctx, id, true)
		if err != nil {
			return err
		}
		if err := CheckMove(d.State, in.To, true); err != nil {
			return err
		}
		c := Change{Reason: in.Reason}
		if in.To == Available {
			c.ClearHolder = true
		}
		if out, err = s.apply(ctx, d, in.To, c); err != nil {
			return err
		}
		if in.To == Available {
			return s.stockArrived(ctx, out.ProductID)
		}
		return nil
	})
	return out, err
}

// Move makes a workflow move of the devices ids to state to, in the caller's
// transaction: for orders, shipments and returns. Devices that become available are
// announced to StockArrived. It returns Conflict if any device cannot make the move,
// and NotFound for an unknown id.
func (s *Service) Move(ctx context.Context, ids []int64, to State, c Change) ([]Device, error) {
	out := make([]Device, 0, len(ids))
	err := db.WithTx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			d, err := findDevice(ctx, id, true)
			if err != nil {
				return err
			}
			if err := CheckMove(d.State, to, false); err != nil {
				return fmt.Errorf("device %s: %w", d.Serial, err)
			}
			if to == Reserved && d.Recalled {
				return apperr.Conflict("device %s is recalled and cannot be reserved", d.Serial)
			}
			nd, err := s.apply(ctx, d, to, c)
			if err != nil {
				return err
			}
			out = append(out, *nd)
		}
		if to == Available {
			return s.stockArrived(ctx, productsOf(out)...)
		}
		return nil
	})
	return out, err
}

// apply writes the move of d to state to, guarded by d's current state so that a
// concurrent change makes this one fail instead of being overwritten, with its event
// and audit entry.
func (s *Service) apply(ctx context.Context, d *Device, to State, c Change) (*Device, error) {
	before := *d
	from := d.State
	d.State = to
	if c.LocationID != nil {
		d.LocationID = c.LocationID
	}
	// Clearing the holder wins: the order, shipment or return of c then only labels
	// the event.
	if c.ClearHolder {
		d.MemberID, d.CitizenRef, d.OrderID = nil, nil, nil
	} else {
		if c.MemberID != nil {
			d.MemberID = c.MemberID
		}
		if c.CitizenRef != nil {
			d.CitizenRef = c.CitizenRef
		}
		if c.OrderID != nil {
			d.OrderID = c.OrderID
		}
	}
	d.UpdatedAt = time.Now().UTC()
	res := db.Conn(ctx).Model(&Device{}).Where("id = ? AND state = ?", d.ID, from).Updates(map[string]any{
		"state": d.State, "location_id": d.LocationID, "member_id": d.MemberID, "citizen_ref": d.CitizenRef,
		"order_id": d.OrderID, "updated_at": d.UpdatedAt,
	})
	if res.Error != nil {
		return nil, fmt.Errorf("move device %d: %w", d.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return nil, apperr.ConflictCode(CodeDeviceChanged, "device %s changed state meanwhile; reload and try again", d.Serial)
	}
	if err := s.recordEvent(ctx, d, string(from), c); err != nil {
		return nil, err
	}
	return d, audit.Record(ctx, "transition", "device", d.ID, before, d)
}

func (s *Service) recordEvent(ctx context.Context, d *Device, from string, c Change) error {
	e := Event{DeviceID: d.ID, At: time.Now().UTC(), From: from, To: string(d.State), Actor: actorName(ctx),
		Reason: c.Reason, OrderID: c.OrderID, ShipmentID: c.ShipmentID, ReturnID: c.ReturnID,
		MemberID: d.MemberID, CitizenRef: d.CitizenRef}
	if err := db.Conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("device %d event: %w", d.ID, err)
	}
	return nil
}

func actorName(ctx context.Context) string {
	if p, ok := auth.From(ctx); ok {
		return p.Name
	}
	return "system"
}

// TransferRequest moves a deployed device to another member's citizen.
type TransferRequest struct {
	MemberID   int64  `json:"member_id"`
	CitizenRef string `json:"citizen_ref" validate:"max=64"`
}

// Transfer hands a deployed device to another member without it coming back (the
// citizen moved municipality); billing follows the member (logistics). It returns
// Conflict unless the device is deployed, and Invalid for an unknown member or a
// citizen reference that looks like a CPR number.
func (s *Service) Transfer(ctx context.Context, id int64, in TransferRequest) (*Device, error) {
	if _, err := auth.Require(ctx, auth.RoleLogistics); err != nil {
		return nil, err
	}
	in.CitizenRef = strings.TrimSpace(in.CitizenRef)
	var fe apperr.Fields
	if in.MemberID <= 0 {
		fe.Add("member_id", apperr.Required, "is required")
	} else if err := s.Members.MemberExists(ctx, in.MemberID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("member_id", apperr.Unknown, "no member with id %d", in.MemberID)
	} else if err != nil {
		return nil, err
	}
	if p := validate.CitizenRef("citizen_ref", in.CitizenRef); p != nil {
		fe = append(fe, *p)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Device
	err := db.WithTx(ctx, func(ctx context.Context) error {
		d, err := findDevice(ctx, id, true)
		if err != nil {
			return err
		}
		if d.State != Deployed {
			return apperr.ConflictCode(CodeNotTransferable, "only a deployed device can be transferred; device %s is %s", d.Serial, d.State)
		}
		if d.MemberID != nil && *d.MemberID == in.MemberID && d.CitizenRef != nil && *d.CitizenRef == in.CitizenRef {
			return apperr.ConflictCode(CodeTransferSame, "device %s is already with that member and citizen", d.Serial)
		}
		before := *d
		d.MemberID, d.CitizenRef, d.UpdatedAt = &in.MemberID, &in.CitizenRef, time.Now().UTC()
		if err := db.Conn(ctx).Model(&Device{}).Where("id = ?", d.ID).Updates(map[string]any{
			"member_id": d.MemberID, "citizen_ref": d.CitizenRef, "updated_at": d.UpdatedAt}).Error; err != nil {
			return fmt.Errorf("transfer device %d: %w", id, err)
		}
		reason := fmt.Sprintf("transferred to member %d", in.MemberID)
		if before.MemberID != nil {
			reason = fmt.Sprintf("transferred from member %d to member %d", *before.MemberID, in.MemberID)
		}
		if err := s.recordEvent(ctx, d, string(Deployed), Change{Reason: reason}); err != nil {
			return err
		}
		out = d
		return audit.Record(ctx, "transfer", "device", d.ID, before, d)
	})
	return out, err
}

func productsOf(ds []Device) []int64 {
	var ids []int64
	for _, d := range ds {
		if !slices.Contains(ids, d.ProductID) {
			ids = append(ids, d.ProductID)
		}
	}
	return ids
}
