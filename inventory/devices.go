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

// DeviceFilter selects devices for ListDevices; zero fields do not filter. Serial
// finds the devices whose serial starts with it, compared trimmed and case-insensitively.
type DeviceFilter struct {
	Serial     string
	State      State
	ProductID  int64
	MemberID   int64
	LocationID int64
	After      int64
	Limit      int

	memberView bool // set by ListDevices for a member user: memberStates only
	exact      bool // Serial is a whole serial (a scan), not a prefix
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
	ds, next, err := listDevices(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	for i := range ds {
		present(&ds[i])
	}
	if !p.IsStaff() {
		if err := hideOthersOrders(ctx, *p.MemberID, ds); err != nil {
			return nil, 0, err
		}
	}
	return ds, next, nil
}

// present makes d say where it is for people: a device on its way to, at, or back
// from a citizen is with the citizen's member (MemberID, CitizenRef), not at the
// location it left, so its LocationID is none. (The location it left stays in the
// table, for the stock counts' "deployed from here".)
func present(d *Device) {
	if slices.Contains(atCitizen, d.State) {
		d.LocationID = nil
	}
}

// hideOthersOrders clears the order of each device of ds that is not an order of
// memberID's own custody: a device transferred to it from another member still names
// the other member's order.
func hideOthersOrders(ctx context.Context, memberID int64, ds []Device) error {
	var ids []int64
	for _, d := range ds {
		if d.OrderID != nil {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var own []struct{ DeviceID, OrderID int64 }
	if err := db.Conn(ctx).Table("device_events").Select("DISTINCT device_id, order_id").
		Where("device_id IN ? AND member_id = ? AND order_id IS NOT NULL", ids, memberID).Scan(&own).Error; err != nil {
		return fmt.Errorf("orders of devices: %w", err)
	}
	mine := map[[2]int64]bool{}
	for _, o := range own {
		mine[[2]int64{o.DeviceID, o.OrderID}] = true
	}
	for i := range ds {
		if d := &ds[i]; d.OrderID != nil && !mine[[2]int64{d.ID, *d.OrderID}] {
			d.OrderID = nil
		}
	}
	return nil
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
	present(d)
	if !p.IsStaff() && p.MemberID != nil {
		ds := []Device{*d}
		if err := hideOthersOrders(ctx, *p.MemberID, ds); err != nil {
			return nil, err
		}
		d = &ds[0]
	}
	return d, nil
}

// FindBySerial returns the device with this serial (compared trimmed and
// case-insensitively; serials are unique across the stock), for a scanner's input, as a
// list of none or one; staff only.
func (s *Service) FindBySerial(ctx context.Context, serial string) ([]Device, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if NormSerial(serial) == "" {
		return []Device{}, nil
	}
	ds, _, err := listDevices(ctx, DeviceFilter{Serial: serial, exact: true, Limit: 10})
	for i := range ds {
		present(&ds[i])
	}
	return ds, err
}

// Events returns the history of device id, oldest first, visible as GetDevice is. A
// member user sees only the part that belongs to its own custody: the events recorded
// while the device was held for it (its orders, shipments, returns, a transfer to it),
// and of a transfer only that it came to this member, not from whom.
func (s *Service) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := s.GetDevice(ctx, id); err != nil {
		return nil, err
	}
	p, _ := auth.From(ctx)
	q := db.Conn(ctx).Where("device_id = ?", id)
	if !p.IsStaff() {
		if p.MemberID == nil {
			return []Event{}, nil
		}
		q = q.Where("member_id = ?", *p.MemberID)
	}
	out := []Event{}
	if err := q.Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("device %d events: %w", id, err)
	}
	if !p.IsStaff() {
		for i := range out {
			if out[i].Kind == EventTransfer {
				w := Because(WhyTransferTo, *p.MemberID)
				out[i].Reason, out[i].ReasonCode, out[i].ReasonArgs = w.Text(), w.Code, w.Args
			}
		}
	}
	return out, nil
}

// EventTransfer is the kind of the event of a transfer between members.
const EventTransfer = "transfer"

// Change is what a state change records besides from and to.
type Change struct {
	// Why is the reason of the move; Reason, when Why is unset, the words of a person
	// who made it (a manual transition), recorded as WhyManual.
	Why        Why
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

	// workflow is set by Move: the move is the holding order's own (reserve, release,
	// ship), so the order needs no telling.
	workflow bool
	kind     string // the event's kind, such as EventTransfer
	// leftMember and leftCitizen are the holder a device that ClearHolder cleared left.
	leftMember  *int64
	leftCitizen *string
}

// why is the reason of c.
func (c Change) why() Why {
	if c.Why.Code == "" {
		return Because(WhyManual, c.Reason)
	}
	return c.Why
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
		if err := s.lockWithHolders(ctx, []int64{id}); err != nil {
			return err
		}
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
	c.workflow = true
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
			if (to == Reserved || to == InTransit) && d.Recalled {
				return apperr.Conflict("device %s is recalled and cannot be reserved or shipped", d.Serial)
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
//
// It is the one place of the rule "a reserved device left reserved": a device that an
// order holds and that leaves reserved other than by the order's workflow (Move) is
// taken from the order, and Holders tells the order, which reserves again or is
// backordered, in this transaction.
func (s *Service) apply(ctx context.Context, d *Device, to State, c Change) (*Device, error) {
	before := *d
	from := d.State
	d.State = to
	if c.LocationID != nil {
		d.LocationID = c.LocationID
	}
	var takenFrom *int64
	if from == Reserved && to != Reserved && !c.workflow && d.OrderID != nil {
		takenFrom = d.OrderID
		c.ClearHolder = true
		if c.OrderID == nil {
			c.OrderID = takenFrom // the event says which order lost it
		}
	}
	// Clearing the holder wins: the order, shipment or return of c then only labels
	// the event, which names the holder the device left (the citizen it came back from,
	// the order that released it), so that step stays in that holder's history.
	if c.ClearHolder {
		c.leftMember, c.leftCitizen = d.MemberID, d.CitizenRef
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
	if err := s.countMove(ctx, &before, d); err != nil {
		return nil, err
	}
	if err := s.recordEvent(ctx, d, string(from), c); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, "transition", "device", d.ID, before, d); err != nil {
		return nil, err
	}
	if takenFrom != nil && s.Holders != nil {
		if err := s.Holders.DeviceTaken(ctx, *takenFrom, d.ID, c.why()); err != nil {
			return nil, fmt.Errorf("device %s taken from its order: %w", d.Serial, err)
		}
	}
	if err := emitDevice(ctx, &before, d); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Service) recordEvent(ctx context.Context, d *Device, from string, c Change) error {
	e := Event{DeviceID: d.ID, At: time.Now().UTC(), From: from, To: string(d.State), Actor: actorName(ctx),
		Reason: c.why().Text(), ReasonCode: c.why().Code, ReasonArgs: c.why().Args, OrderID: c.OrderID, ShipmentID: c.ShipmentID, ReturnID: c.ReturnID,
		MemberID: d.MemberID, CitizenRef: d.CitizenRef, Kind: c.kind}
	if c.leftMember != nil || c.leftCitizen != nil {
		e.MemberID, e.CitizenRef = c.leftMember, c.leftCitizen
	}
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
		// The device leaves the custody of the order that brought it to the first member.
		d.MemberID, d.CitizenRef, d.OrderID, d.UpdatedAt = &in.MemberID, &in.CitizenRef, nil, time.Now().UTC()
		if err := db.Conn(ctx).Model(&Device{}).Where("id = ?", d.ID).Updates(map[string]any{
			"member_id": d.MemberID, "citizen_ref": d.CitizenRef, "order_id": nil, "updated_at": d.UpdatedAt}).Error; err != nil {
			return fmt.Errorf("transfer device %d: %w", id, err)
		}
		why := Because(WhyTransferTo, in.MemberID)
		if before.MemberID != nil {
			why = Because(WhyTransferFrom, *before.MemberID, in.MemberID)
		}
		if err := s.recordEvent(ctx, d, string(Deployed), Change{Why: why, kind: EventTransfer}); err != nil {
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
