package support

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// Filter selects tickets for List; zero fields do not filter.
type Filter struct {
	Status   Status
	Priority Priority
	Category Category
	MemberID int64
	DeviceID int64
	VendorID int64
	// CitizenRef keeps the tickets of one citizen (the phone call's "open tickets of
	// this citizen"), exactly as the member wrote the reference.
	CitizenRef string
	// Breached keeps tickets whose SLA is breached as read now.
	Breached bool
	// Active keeps tickets neither resolved nor closed: the agent's queue.
	Active bool
	// Query matches the number or the device serial exactly, or the subject in part,
	// ignoring case; at most 100 characters.
	Query string
	After *Cursor
	Limit int // 50 if zero, at most 500
}

// Cursor is a position in the queue: tickets sort by their nearest due time, then id.
type Cursor struct {
	Due time.Time
	ID  int64
}

// String encodes c for a next_cursor.
func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Due.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)))
}

// ParseCursor decodes what Cursor.String gave out. It returns Invalid naming cursor for
// anything else.
func ParseCursor(s string) (*Cursor, error) {
	bad := apperr.Invalid(apperr.Field("cursor", apperr.BadFormat, "is not a cursor this server gave out"))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	a, c, ok := strings.Cut(string(b), ".")
	us, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(c, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return nil, bad
	}
	return &Cursor{Due: time.UnixMicro(us).UTC(), ID: id}, nil
}

// List returns tickets sorted by their nearest due time (the queue), after f.After,
// and the cursor of the next page (nil on the last); without their descriptions (up
// to 10,000 characters each: Get has them). Support, admin and logistics see
// every ticket; a member user only its member's; a vendor user only those escalated to
// its vendor. It returns Invalid for an unknown status, priority or category, or a
// query over 100 characters.
func (s *Service) List(ctx context.Context, f Filter) ([]Ticket, *Cursor, error) {
	p, err := auth.Require(ctx, readers...)
	if err != nil {
		return nil, nil, err
	}
	var fe apperr.Fields
	if f.Status != "" && !oneOf(f.Status, Statuses) {
		fe.Add("status", apperr.OneOf, "must be one of %s", joined(Statuses))
	}
	if f.Priority != "" && !oneOf(f.Priority, Priorities) {
		fe.Add("priority", apperr.OneOf, "must be one of %s", "low, normal, high, critical")
	}
	if f.Category != "" && !oneOf(f.Category, categories) {
		fe.Add("category", apperr.OneOf, "must be one of %s", joined(categories))
	}
	f.Query, f.CitizenRef = strings.TrimSpace(f.Query), strings.TrimSpace(f.CitizenRef)
	checkText(&fe, "q", f.Query, false, 100, false)
	checkText(&fe, "citizen_ref", f.CitizenRef, false, 64, false)
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	switch p.Role {
	case auth.RoleMember:
		if p.MemberID == nil || (f.MemberID != 0 && f.MemberID != *p.MemberID) {
			return []Ticket{}, nil, nil
		}
		f.MemberID = *p.MemberID
	case auth.RoleVendor:
		if p.VendorID == nil || (f.VendorID != 0 && f.VendorID != *p.VendorID) || f.CitizenRef != "" {
			return []Ticket{}, nil, nil // vendors see no citizen data, so cannot search by it
		}
		f.VendorID = *p.VendorID
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	now := s.now()
	ts, next, err := listTickets(ctx, f, now)
	if err != nil {
		return nil, nil, err
	}
	for i := range ts {
		ts[i].fillSLA(now)
		redact(p, &ts[i])
	}
	return ts, next, nil
}

// queueColumns are what queueQuery selects, in the order scanTicket reads them: a
// ticket without its description.
const queueColumns = "id, number, status, member_id, channel, category, priority, subject, device_id, serial, citizen_ref, " +
	"contact_name, contact_phone, contact_email, received_at, alarm_kind, vendor_id, vendor_ref, escalated_at, ola_due, closed_at, " +
	"calendar, first_response_due, resolution_due, first_response_warn, resolution_warn, first_response_at, resolved_at, " +
	"paused_since, paused_minutes, next_due_at, sla_check_at, sla_marks, created_by, created_at, updated_at"

func scanTicket(rows *sql.Rows, t *Ticket) error {
	return rows.Scan(&t.ID, &t.Number, &t.Status, &t.MemberID, &t.Channel, &t.Category, &t.Priority, &t.Subject, &t.DeviceID,
		&t.Serial, &t.CitizenRef, &t.Contact.Name, &t.Contact.Phone, &t.Contact.Email, &t.ReceivedAt, &t.AlarmKind, &t.VendorID,
		&t.VendorRef, &t.EscalatedAt, &t.OLADue, &t.ClosedAt, &t.Calendar, &t.FirstResponseDue, &t.ResolutionDue,
		&t.FirstResponseWarn, &t.ResolutionWarn, &t.FirstResponseAt, &t.ResolvedAt, &t.PausedSince, &t.PausedMinutes,
		&t.NextDueAt, &t.SLACheckAt, &t.SLAMarks, &t.CreatedBy, &t.CreatedAt, &t.UpdatedAt)
}

// listTickets pages by (next_due_at, id): each filter has an index ending in those.
// The rows are scanned by hand: gorm's reflection took more than half of a page's
// time (BenchmarkQueue1M).
func listTickets(ctx context.Context, f Filter, now time.Time) ([]Ticket, *Cursor, error) {
	rows, err := queueQuery(db.Conn(ctx), f, now).Rows()
	if err != nil {
		return nil, nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	out := make([]Ticket, 0, f.Limit+1)
	for rows.Next() {
		out = append(out, Ticket{})
		if err := scanTicket(rows, &out[len(out)-1]); err != nil {
			return nil, nil, fmt.Errorf("list tickets: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list tickets: %w", err)
	}
	if len(out) <= f.Limit {
		return out, nil, nil
	}
	out = out[:f.Limit]
	last := out[len(out)-1]
	return out, &Cursor{Due: last.NextDueAt, ID: last.ID}, nil
}

// queueQuery is the query of one page of the queue.
func queueQuery(q *gorm.DB, f Filter, now time.Time) *gorm.DB {
	q = q.Table("tickets").Select(queueColumns)
	if f.After != nil {
		q = q.Where("(next_due_at, id) > (?, ?)", f.After.Due, f.After.ID)
	}
	for _, c := range []struct {
		col string
		v   any
		set bool
	}{
		{"status", f.Status, f.Status != ""}, {"priority", f.Priority, f.Priority != ""}, {"category", f.Category, f.Category != ""},
		{"member_id", f.MemberID, f.MemberID != 0}, {"device_id", f.DeviceID, f.DeviceID != 0}, {"vendor_id", f.VendorID, f.VendorID != 0},
		{"citizen_ref", f.CitizenRef, f.CitizenRef != ""},
	} {
		if c.set {
			q = q.Where(c.col+" = ?", c.v)
		}
	}
	if f.Active {
		q = q.Where(activeSQL)
	}
	if f.Breached {
		q = q.Where(breachedSQL, sql.Named("now", now))
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(f.Query)) + "%"
		q = q.Where(`(number = ? OR serial = ? OR LOWER(subject) LIKE ? ESCAPE '\')`, f.Query, f.Query, like)
	}
	return q.Order("next_due_at, id").Limit(f.Limit + 1)
}

// Detail is a ticket with everything shown on its page.
type Detail struct {
	Ticket
	Comments    []Comment    `json:"comments"`
	Alarms      []Alarm      `json:"alarms"`
	Attachments []Attachment `json:"attachments"`
	Events      []Event      `json:"events"`
	Swaps       []Swap       `json:"swaps"`
}

// Get returns ticket id with its comments, alarms, attachments (without their
// content), history and swaps, as the caller may see them: members and vendors never
// see internal comments and attachments, nor who moved the ticket or why. It returns
// NotFound for a ticket the caller does not see.
func (s *Service) Get(ctx context.Context, id int64) (*Detail, error) {
	p, err := auth.Require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	t, err := loadTicket(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if !sees(p, t) {
		return nil, notFound(id)
	}
	d := &Detail{Ticket: *s.present(ctx, p, t)}
	staff := p.IsStaff()
	conn := db.Conn(ctx)
	cq := conn.Where("ticket_id = ?", id)
	aq := conn.Omit("Data").Where("ticket_id = ?", id)
	if !staff {
		cq, aq = cq.Where("NOT internal"), aq.Where("NOT internal")
	}
	if err := cq.Order("id").Find(&d.Comments).Error; err != nil {
		return nil, fmt.Errorf("ticket %d comments: %w", id, err)
	}
	if err := aq.Order("id").Find(&d.Attachments).Error; err != nil {
		return nil, fmt.Errorf("ticket %d attachments: %w", id, err)
	}
	if err := conn.Where("ticket_id = ?", id).Order("id").Find(&d.Alarms).Error; err != nil {
		return nil, fmt.Errorf("ticket %d alarms: %w", id, err)
	}
	if err := conn.Where("ticket_id = ?", id).Order("id").Find(&d.Events).Error; err != nil {
		return nil, fmt.Errorf("ticket %d events: %w", id, err)
	}
	if err := conn.Where("ticket_id = ?", id).Order("id").Find(&d.Swaps).Error; err != nil {
		return nil, fmt.Errorf("ticket %d swaps: %w", id, err)
	}
	if !staff {
		for i := range d.Events {
			d.Events[i].Actor, d.Events[i].Note = "", ""
		}
	}
	return d, nil
}
