package support

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
)

// Create opens a ticket (support, admin; a member user for its own member, channel
// portal) with its SLA due times from the policy of its priority. idemKey, when not
// empty, makes a retry of the same input answer the original ticket, and a reuse with
// another input an Invalid error naming Idempotency-Key; the input is compared as
// decoded, so the JSON's spacing and field order do not matter.
//
// It returns Forbidden for a member user opening a ticket for another member, and
// Invalid naming each bad field: unknown values, a subject missing or over 200
// characters, a description over 10,000, a received_at in the future or over a year
// ago, a device not deployed for the member, a citizen reference that looks like a CPR
// number, a bad contact.
func (s *Service) Create(ctx context.Context, in NewTicket, idemKey string) (*Ticket, error) {
	p, err := auth.Require(ctx, creators...)
	if err != nil {
		return nil, err
	}
	if p.Role == auth.RoleMember && (p.MemberID == nil || *p.MemberID != in.MemberID) {
		return nil, apperr.Forbidden("you can open tickets only for your own member")
	}
	scope, hash := idemScope(p), inputHash(canonicalTicket(in))
	if len(idemKey) > 200 {
		return nil, apperr.Invalid(apperr.Field("Idempotency-Key", apperr.TooLong, "must be at most %d characters", 200))
	}
	if idemKey != "" {
		if t, err := s.replay(ctx, p, scope, idemKey, hash); t != nil || err != nil {
			return t, err
		}
	}
	t, err := s.checkTicket(ctx, p, in)
	if err != nil {
		return nil, err
	}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.open(ctx, t); err != nil {
			return err
		}
		if idemKey == "" {
			return nil
		}
		return db.Conn(ctx).Table("ticket_idempotency_keys").Create(map[string]any{"scope": scope, "key": idemKey,
			"request_hash": hash, "ticket_id": t.ID, "created_at": t.CreatedAt}).Error
	})
	if err != nil && idemKey != "" && db.IsUniqueViolation(err) {
		return s.replay(ctx, p, scope, idemKey, hash) // a racing retry with the same key won
	}
	if err != nil {
		return nil, err
	}
	return s.present(ctx, p, t), nil
}

// open gives t its due times from its priority's policy and writes it with its event
// and audit entry, in the caller's transaction.
func (s *Service) open(ctx context.Context, t *Ticket) error {
	pol, err := policyFor(ctx, t.Priority)
	if err != nil {
		return err
	}
	t.startClock(pol)
	if err := insertTicket(ctx, t); err != nil {
		return err
	}
	if err := recordEvent(ctx, t, "create", "", ""); err != nil {
		return err
	}
	if err := s.emitTicketCreated(ctx, t); err != nil {
		return err
	}
	return audit.Record(ctx, "create", "ticket", t.ID, nil, t)
}

func idemScope(p auth.Principal) string {
	if p.UserID != 0 {
		return fmt.Sprintf("user:%d", p.UserID)
	}
	return fmt.Sprintf("token:%d", p.TokenID)
}

// canonicalTicket is in with its instant in UTC as stored, so that the same moment
// written in another zone is the same request.
func canonicalTicket(in NewTicket) NewTicket {
	if in.ReceivedAt != nil {
		r := micro(*in.ReceivedAt)
		in.ReceivedAt = &r
	}
	return in
}

// inputHash hashes the canonical form of in: its JSON as Go writes it (fields in
// declaration order, times in RFC 3339), before any default is applied, so that a
// retry hashes alike whatever the client's formatting and whenever it arrives.
func inputHash(in any) string {
	b, _ := json.Marshal(in) // plain structs of strings, numbers and times: cannot fail
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// replay answers a request whose Idempotency-Key was seen before with the ticket it
// opened, or nil when the key is new.
func (s *Service) replay(ctx context.Context, p auth.Principal, scope, key, hash string) (*Ticket, error) {
	var row struct {
		RequestHash string
		TicketID    int64
	}
	err := db.Conn(ctx).Table("ticket_idempotency_keys").Where("scope = ? AND key = ?", scope, key).Take(&row).Error
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("idempotency key: %w", err)
	}
	if row.RequestHash != hash {
		return nil, apperr.Invalid(apperr.Field("Idempotency-Key", orders.CodeKeyReused, "was used before with a different request body"))
	}
	t, err := loadTicket(ctx, row.TicketID, false)
	if err != nil {
		return nil, err
	}
	return s.present(ctx, p, t), nil
}

// checkTicket validates in and returns the ticket to open.
func (s *Service) checkTicket(ctx context.Context, p auth.Principal, in NewTicket) (*Ticket, error) {
	now := s.now()
	in.Subject, in.Description = normaliseText(in.Subject), normaliseText(in.Description)
	in.CitizenRef = strings.TrimSpace(in.CitizenRef)
	var fe apperr.Fields
	if in.MemberID <= 0 {
		fe.Add("member_id", apperr.Required, "is required")
	} else if err := s.Members.MemberExists(ctx, in.MemberID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("member_id", apperr.Unknown, "no member with id %d", in.MemberID)
	} else if err != nil {
		return nil, err
	}
	switch {
	case !oneOf(in.Channel, channels):
		fe.Add("channel", apperr.OneOf, "must be one of %s", joined(channels))
	case p.Role == auth.RoleMember && in.Channel != Portal:
		fe.Add("channel", CodePortalOnly, "member users open tickets through the portal (channel portal)")
	}
	if !oneOf(in.Category, categories) {
		fe.Add("category", apperr.OneOf, "must be one of %s", joined(categories))
	}
	if !oneOf(in.Priority, Priorities) {
		fe.Add("priority", apperr.OneOf, "must be one of %s", "low, normal, high, critical")
	}
	checkText(&fe, "subject", in.Subject, true, MaxSubject, false)
	checkText(&fe, "description", in.Description, false, MaxDescription, true)
	received := now
	if in.ReceivedAt != nil {
		received = micro(*in.ReceivedAt)
		checkReceived(&fe, "received_at", received, now)
	}
	if in.CitizenRef != "" {
		if e := validate.CitizenRef("citizen_ref", in.CitizenRef); e != nil {
			fe = append(fe, *e)
		}
	}
	contact := checkContact(&fe, in.Contact)
	t := &Ticket{Status: New, MemberID: in.MemberID, Channel: in.Channel, Category: in.Category, Priority: in.Priority,
		Subject: in.Subject, Description: in.Description, Contact: contact, ReceivedAt: received,
		CreatedBy: p.Name, CreatedAt: now, UpdatedAt: now}
	if in.CitizenRef != "" {
		t.CitizenRef = &in.CitizenRef
	}
	if in.DeviceID != nil && in.MemberID > 0 {
		d, err := s.deployedAt(ctx, *in.DeviceID, in.MemberID, "device_id", &fe)
		if err != nil {
			return nil, err
		}
		if d != nil {
			t.DeviceID, t.Serial = &d.ID, &d.Serial
			if t.CitizenRef == nil {
				t.CitizenRef = d.CitizenRef
			}
		}
	}
	return t, fe.Err()
}

// deployedAt returns device id if it is deployed at a citizen of member, else adds the
// field error (the same one for a device that does not exist or is not visible, so that
// a member user learns nothing of other members' devices) and returns nil.
func (s *Service) deployedAt(ctx context.Context, id, member int64, field string, fe *apperr.Fields) (*inventory.Device, error) {
	d, err := s.Devices.GetDevice(ctx, id)
	switch {
	case apperr.Is(err, apperr.KindNotFound) || (err == nil && (d.MemberID == nil || *d.MemberID != member)):
		fe.Add(field, orders.CodeNotAtMember, "device %d is not at a citizen of member %d", id, member)
		return nil, nil
	case err != nil:
		return nil, err
	case d.State != inventory.Deployed:
		fe.Add(field, orders.CodeNotDeployed, "device %s is %s, not deployed", d.Serial, d.State)
		return nil, nil
	}
	return d, nil
}

func checkContact(fe *apperr.Fields, c *Contact) Contact {
	if c == nil {
		return Contact{}
	}
	out := Contact{Name: normaliseText(c.Name), Phone: strings.TrimSpace(c.Phone), Email: strings.TrimSpace(c.Email)}
	checkText(fe, "contact.name", out.Name, true, 200, false)
	checkText(fe, "contact.phone", out.Phone, false, 32, false)
	checkText(fe, "contact.email", out.Email, false, 254, false)
	if out.Email != "" {
		if a, err := mail.ParseAddress(out.Email); err != nil || a.Address != out.Email {
			fe.Add("contact.email", apperr.Email, "must be a valid e-mail address")
		}
	}
	return out
}

// present prepares t for p: its SLA as read now, and what p must not see removed.
func (s *Service) present(_ context.Context, p auth.Principal, t *Ticket) *Ticket {
	t.fillSLA(s.now())
	redact(p, t)
	return t
}
