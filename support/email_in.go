package support

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// EmailRoute sends mail from an address, a domain (and its subdomains) or, with the
// pattern "*", from anyone else to a member. The most specific route wins.
type EmailRoute struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	MemberID  int64     `json:"member_id"`
	Pattern   string    `json:"pattern"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName keeps the table name stable.
func (EmailRoute) TableName() string { return "email_routes" }

// NewEmailRoute is the input of AddEmailRoute.
type NewEmailRoute struct {
	MemberID int64  `json:"member_id"`
	Pattern  string `json:"pattern"`
}

// CatchAll is the pattern of the route that takes mail no other route matches, for a
// triage member; without one such mail is refused.
const CatchAll = "*"

var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// EmailRoutes returns every route by pattern (support, admin).
func (s *Service) EmailRoutes(ctx context.Context) ([]EmailRoute, error) {
	if _, err := auth.Require(ctx, agents...); err != nil {
		return nil, err
	}
	var out []EmailRoute
	if err := db.Conn(ctx).Order("pattern").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("email routes: %w", err)
	}
	return out, nil
}

// AddEmailRoute routes mail from in.Pattern (an address, a domain or CatchAll) to a
// member (admin). It returns Invalid for an unknown member, a bad pattern or one
// already routed.
func (s *Service) AddEmailRoute(ctx context.Context, in NewEmailRoute) (*EmailRoute, error) {
	p, err := auth.Require(ctx, auth.RoleAdmin)
	if err != nil {
		return nil, err
	}
	in.Pattern = strings.ToLower(strings.TrimSpace(in.Pattern))
	var fe apperr.Fields
	if in.MemberID <= 0 {
		fe.Add("member_id", apperr.Required, "is required")
	} else if err := s.Members.MemberExists(ctx, in.MemberID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("member_id", apperr.Unknown, "no member with id %d", in.MemberID)
	} else if err != nil {
		return nil, err
	}
	if !validPattern(in.Pattern) {
		fe.Add("pattern", CodeMailPattern, `must be an e-mail address, a domain or "*"`)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	r := &EmailRoute{MemberID: in.MemberID, Pattern: in.Pattern, CreatedBy: p.Name, CreatedAt: s.now()}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Conn(ctx).Create(r).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Invalid(apperr.Field("pattern", apperr.Taken, "%s is already routed", in.Pattern))
			}
			return fmt.Errorf("add email route: %w", err)
		}
		return audit.Record(ctx, "create", "email_route", r.ID, nil, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// DeleteEmailRoute removes route id (admin); NotFound if there is none.
func (s *Service) DeleteEmailRoute(ctx context.Context, id int64) error {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return err
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		var r EmailRoute
		if err := db.Conn(ctx).Take(&r, id).Error; db.IsNotFound(err) {
			return apperr.NotFound("email route %d not found", id)
		} else if err != nil {
			return fmt.Errorf("email route %d: %w", id, err)
		}
		if err := db.Conn(ctx).Delete(&EmailRoute{}, id).Error; err != nil {
			return fmt.Errorf("delete email route %d: %w", id, err)
		}
		return audit.Record(ctx, "delete", "email_route", id, r, nil)
	})
}

func validPattern(p string) bool {
	switch {
	case p == CatchAll:
		return true
	case len(p) > 254:
		return false
	case strings.Contains(p, "@"):
		a, err := mail.ParseAddress(p)
		_, domain, _ := strings.Cut(p, "@")
		return err == nil && a.Address == p && domainRE.MatchString(domain)
	}
	return domainRE.MatchString(p)
}

// routeFor returns the member mail from addr goes to: the route of the address, else
// of its domain or the nearest parent domain, else the catch-all; 0 if none.
func routeFor(ctx context.Context, addr string) (int64, error) {
	cands := []string{addr}
	_, domain, _ := strings.Cut(addr, "@")
	for d := domain; d != ""; {
		cands = append(cands, d)
		_, rest, ok := strings.Cut(d, ".")
		if !ok || !strings.Contains(rest, ".") {
			break // a bare top-level domain routes nobody
		}
		d = rest
	}
	cands = append(cands, CatchAll)
	var rs []EmailRoute
	if err := db.Conn(ctx).Where("pattern IN ?", cands).Find(&rs).Error; err != nil {
		return 0, fmt.Errorf("route mail from %s: %w", addr, err)
	}
	for _, c := range cands {
		for _, r := range rs {
			if r.Pattern == c {
				return r.MemberID, nil
			}
		}
	}
	return 0, nil
}

// EmailResult is what IngestEmail did with a message.
type EmailResult struct {
	TicketID  int64  `json:"ticket_id"`
	Number    string `json:"number"`
	Created   bool   `json:"created"`    // a new ticket, rather than a reply threaded into one
	CommentID *int64 `json:"comment_id"` // the reply's comment
	Duplicate bool   `json:"duplicate"`  // the message (by Message-ID) was taken before
}

// IngestEmail takes a raw RFC 5322 message that came in at receivedAt (now if zero)
// (support, admin, the system's mail job). A subject naming a ticket of the sender's
// member that is not closed ("Re: [T-2026-000123] …") threads the mail into it as a
// public comment (which ends a wait: pending → open); any other mail opens a ticket
// (channel email, category other, priority normal) for the member its sender routes
// to, with the text as its description. Files become attachments; files over the
// limit are left out and named in an internal comment. A message taken before (same
// Message-ID, or the same bytes without one) answers what it did then.
//
// Unknown senders are refused: Invalid naming from, unless an admin has set up a
// catch-all route to a triage member. A reply from a sender who routes to another
// member than the ticket's (and is not its contact) opens no comment on it: it is
// treated as a new mail, so that a guessed number lets no one write on a ticket. It
// returns Invalid naming raw for a message too large or unreadable.
func (s *Service) IngestEmail(ctx context.Context, raw []byte, receivedAt time.Time) (*EmailResult, error) {
	if _, err := auth.Require(ctx, agents...); err != nil {
		return nil, err
	}
	if len(raw) > MaxEmailSize {
		return nil, apperr.Invalid(apperr.Field("raw", apperr.TooLarge, "must be at most %d bytes", MaxEmailSize))
	}
	m, err := parseMail(raw)
	if err != nil {
		return nil, apperr.Invalid(apperr.Field("raw", CodeMailUnreadable, "is not a readable e-mail: %s", err.Error()))
	}
	key := "mid:" + m.MessageID
	if m.MessageID == "" {
		sum := sha256.Sum256(raw)
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	now := s.now()
	if receivedAt.IsZero() || receivedAt.After(now) {
		receivedAt = now
	}
	var out *EmailResult
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if prev, err := seenEmail(ctx, key); prev != nil || err != nil {
			out = prev
			return err
		}
		member, err := routeFor(ctx, m.From.Address)
		if err != nil {
			return err
		}
		if out, err = s.threadEmail(ctx, m, member); err != nil {
			return err
		}
		if out == nil && member == 0 {
			return apperr.Invalid(apperr.Field("from", CodeUnknownSender, "no member takes mail from %s", m.From.Address))
		}
		if out == nil {
			if out, err = s.openFromEmail(ctx, m, member, micro(receivedAt)); err != nil {
				return err
			}
		}
		return db.Conn(ctx).Table("ticket_emails").Create(map[string]any{"message_key": key, "ticket_id": out.TicketID,
			"comment_id": out.CommentID, "created": out.Created, "from_addr": m.From.Address, "created_at": now}).Error
	})
	if err != nil && db.IsUniqueViolation(err) {
		return seenEmail(ctx, key) // the same message, taken by a racing delivery
	}
	return out, err
}

func seenEmail(ctx context.Context, key string) (*EmailResult, error) {
	var row struct {
		TicketID  int64
		CommentID *int64
		Created   bool
		Number    string
	}
	err := db.Conn(ctx).Table("ticket_emails e").Select("e.ticket_id, e.comment_id, e.created, t.number").
		Joins("JOIN tickets t ON t.id = e.ticket_id").Where("e.message_key = ?", key).Take(&row).Error
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingested email %s: %w", key, err)
	}
	return &EmailResult{TicketID: row.TicketID, Number: row.Number, Created: row.Created, CommentID: row.CommentID, Duplicate: true}, nil
}

// threadEmail adds m as a reply to the ticket its subject names, when that ticket is
// not closed and the sender may write on it; nil otherwise.
func (s *Service) threadEmail(ctx context.Context, m *parsedMail, member int64) (*EmailResult, error) {
	number := threadNumber(m.Subject)
	if number == "" {
		return nil, nil
	}
	var t Ticket
	err := db.ForUpdate(db.Conn(ctx)).Where("number = ?", number).Take(&t).Error
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("thread mail into %s: %w", number, err)
	}
	if t.Status == Closed || (t.MemberID != member && !strings.EqualFold(t.Contact.Email, m.From.Address)) {
		return nil, nil
	}
	body := m.Text
	if body == "" {
		body = "(no text)"
	}
	c, err := s.comment(ctx, &t, body, false, "email", senderName(m.From))
	if err != nil {
		return nil, err
	}
	if err := s.attachMail(ctx, &t, &c.ID, m); err != nil {
		return nil, err
	}
	return &EmailResult{TicketID: t.ID, Number: t.Number, CommentID: &c.ID}, nil
}

func (s *Service) openFromEmail(ctx context.Context, m *parsedMail, member int64, receivedAt time.Time) (*EmailResult, error) {
	now := s.now()
	name := senderName(m.From)
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	email := m.From.Address
	if len(email) > 254 {
		email = ""
	}
	t := &Ticket{Status: New, MemberID: member, Channel: Email, Category: Other, Priority: Normal,
		Subject: newSubject(m.Subject), Description: m.Text, Contact: Contact{Name: name, Email: email},
		ReceivedAt: receivedAt, CreatedBy: "email:" + m.From.Address, CreatedAt: now, UpdatedAt: now}
	if err := s.open(ctx, t); err != nil {
		return nil, err
	}
	if err := s.attachMail(ctx, t, nil, m); err != nil {
		return nil, err
	}
	return &EmailResult{TicketID: t.ID, Number: t.Number, Created: true}, nil
}

func senderName(a mail.Address) string {
	if a.Name != "" {
		return a.Name + " <" + a.Address + ">"
	}
	return a.Address
}

// attachMail stores m's files on t; what does not fit (too large, too many, refused)
// is named in an internal comment rather than failing the mail.
func (s *Service) attachMail(ctx context.Context, t *Ticket, commentID *int64, m *parsedMail) error {
	dropped := append([]string(nil), m.Dropped...)
	for _, f := range m.Attachments {
		_, err := s.attach(ctx, t, commentID, AttachmentInput{Filename: f.Name, Data: f.Data})
		if apperr.Is(err, apperr.KindInvalid) {
			dropped = append(dropped, fmt.Sprintf("%s: %v", f.Name, err))
			continue
		}
		if err != nil {
			return err
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	note := "Left out of the e-mail from " + m.From.Address + ":\n- " + strings.Join(dropped, "\n- ")
	_, err := s.comment(ctx, t, cleanText(note), true, "system", "")
	return err
}
