package support

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// Via is the action that makes a move.
type Via string

// The actions that move a ticket.
const (
	ViaStatus   Via = "status"   // POST /tickets/{id}/status
	ViaEscalate Via = "escalate" // POST /tickets/{id}/escalate
	// ViaReply: a public reply from the member side (portal comment or e-mail) on a
	// pending ticket; the wait on the citizen is over, so the clock runs again.
	ViaReply Via = "reply"
)

// Move is one legal status move, the action that makes it, and whether a vendor user
// may make it (on a ticket escalated to its vendor); centre agents (support, admin)
// may make every ViaStatus and ViaEscalate move.
type Move struct {
	From, To Status
	Via      Via
	Vendor   bool
}

// moves is the one table that decides every status move (API.md "Support (pinned)").
var moves = []Move{
	{New, Open, ViaStatus, false},
	{New, Pending, ViaStatus, false},
	{Open, Pending, ViaStatus, false},
	{Pending, Open, ViaStatus, false},
	{New, Resolved, ViaStatus, false},
	{Open, Resolved, ViaStatus, false},
	{Pending, Resolved, ViaStatus, false},
	{Escalated, Resolved, ViaStatus, true}, // the vendor solved it
	{Resolved, Open, ViaStatus, false},     // reopened
	{Resolved, Closed, ViaStatus, false},
	{New, Escalated, ViaEscalate, false},
	{Open, Escalated, ViaEscalate, false},
	{Pending, Escalated, ViaEscalate, false},
	{Escalated, Escalated, ViaEscalate, false}, // to another vendor, or a new reference
	{Pending, Open, ViaReply, false},
}

// Moves returns the transition table.
func Moves() []Move { return slices.Clone(moves) }

// CheckMove returns nil if p may move a ticket from one status to another by via. It
// returns Invalid for an unknown target status, Forbidden for a role that may make no
// such move, and Conflict for a move the table does not allow.
func CheckMove(p auth.Principal, from, to Status, via Via) error {
	if !oneOf(to, Statuses) {
		return apperr.Invalid(apperr.Field("status", apperr.OneOf, "must be one of %s", joined(Statuses)))
	}
	i := slices.IndexFunc(moves, func(m Move) bool { return m.From == from && m.To == to && m.Via == via })
	if via != ViaReply {
		switch {
		case p.Role == auth.RoleVendor && via == ViaStatus:
			if to != Resolved {
				return apperr.Forbidden("a vendor may only resolve a ticket escalated to it")
			}
		case p.Role != auth.RoleSystem && !slices.Contains(agents, p.Role):
			return apperr.Forbidden("role %s may not change a ticket's status", p.Role)
		}
	}
	if i < 0 || (p.Role == auth.RoleVendor && !moves[i].Vendor) {
		return apperr.Conflict("a ticket cannot go from %s to %s", from, to)
	}
	return nil
}

// StatusInput is the body of POST /tickets/{id}/status.
type StatusInput struct {
	Status Status `json:"status"`
	Note   string `json:"note,omitempty"`
}

// SetStatus moves ticket id to in.Status (support, admin; a vendor user: resolved on a
// ticket escalated to its vendor). Leaving pending moves the due times on by the time
// spent there; resolved stops the clock; reopening (resolved → open) starts it again
// against the same due times. It returns NotFound for a ticket the caller does not
// see, Forbidden for a move its role may not make, Invalid for an unknown status or a
// bad note, and Conflict for a move the table does not allow (or reopening an alarm's
// ticket while another ticket for the same device and alarm kind is open).
func (s *Service) SetStatus(ctx context.Context, id int64, in StatusInput) (*Ticket, error) {
	p, err := auth.Require(ctx, auth.RoleSupport, auth.RoleAdmin, auth.RoleVendor)
	if err != nil {
		return nil, err
	}
	in.Note = normaliseText(in.Note)
	var fe apperr.Fields
	checkText(&fe, "note", in.Note, false, MaxNote, true)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err = db.WithTx(ctx, func(ctx context.Context) error {
		t, err := loadTicket(ctx, id, true)
		if err != nil {
			return err
		}
		if !sees(p, t) {
			return notFound(id)
		}
		if err := s.move(ctx, t, in.Status, ViaStatus, in.Note, nil); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.present(ctx, p, out), nil
}

// errOpenAlarmTaken is what saving a reopened alarm ticket gives when another ticket of
// the same device and alarm kind is open (the unique index).
var errOpenAlarmTaken = errors.New("another ticket of this device and alarm kind is open")

// move makes the move of locked ticket t to status to by via, in the caller's
// transaction: the clock, the row (guarded by its status), the event and the audit
// entry. also, when not nil, changes t further once the move is known to be allowed.
// It returns what CheckMove returns, and Conflict when the unique open alarm ticket
// stands in the way.
func (s *Service) move(ctx context.Context, t *Ticket, to Status, via Via, note string, also func(t *Ticket, now time.Time)) error {
	p := principalOf(ctx)
	from := t.Status
	if err := CheckMove(p, from, to, via); err != nil {
		return err
	}
	before := *t
	now := s.now()
	if also != nil {
		also(t, now)
	}
	if from == Pending && to != Pending {
		t.resume(now)
	}
	switch to {
	case Pending:
		t.pause(now)
	case Resolved:
		t.ResolvedAt = &now
	case Open:
		if from == Resolved {
			t.ResolvedAt = nil
		}
	case Closed:
		t.ClosedAt = &now
	}
	t.Status, t.UpdatedAt = to, now
	if err := saveTicket(ctx, t, from); err != nil {
		if errors.Is(err, errOpenAlarmTaken) {
			return apperr.Conflict("device %s has another open ticket for alarm %s", deref(t.Serial), deref(t.AlarmKind))
		}
		return err
	}
	if err := recordEvent(ctx, t, string(via), from, note); err != nil {
		return err
	}
	if err := s.emitTicketStatus(ctx, t); err != nil {
		return err
	}
	return audit.Record(ctx, "status:"+string(to), "ticket", t.ID, statusOf(&before), statusOf(t))
}

// statusOf is what the audit trail keeps of a status move.
func statusOf(t *Ticket) map[string]any {
	return map[string]any{"status": t.Status, "first_response_due": t.FirstResponseDue, "resolution_due": t.ResolutionDue,
		"resolved_at": t.ResolvedAt, "paused_since": t.PausedSince, "vendor_id": t.VendorID, "ola_due": t.OLADue}
}

func principalOf(ctx context.Context) auth.Principal {
	if p, ok := auth.From(ctx); ok {
		return p
	}
	return auth.System
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
