package support

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// loadTicket reads ticket id; lock takes a row lock on PostgreSQL for the rest of the
// transaction. It returns NotFound for an unknown id (visibility is the caller's).
func loadTicket(ctx context.Context, id int64, lock bool) (*Ticket, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var t Ticket
	err := q.Take(&t, id).Error
	if db.IsNotFound(err) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("load ticket %d: %w", id, err)
	}
	return &t, nil
}

// insertTicket writes t and gives it its number, T-<year received in Copenhagen>-<id>,
// unique because the id is; the placeholder never outlives the transaction.
func insertTicket(ctx context.Context, t *Ticket) error {
	t.Number = "pending-" + rand.Text()
	t.refreshKeys()
	conn := db.Conn(ctx)
	if err := conn.Omit("SLA").Create(t).Error; err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	t.Number = fmt.Sprintf("T-%d-%06d", t.ReceivedAt.In(copenhagen).Year(), t.ID)
	if err := conn.Model(&Ticket{}).Where("id = ?", t.ID).Update("number", t.Number).Error; err != nil {
		return fmt.Errorf("number ticket %d: %w", t.ID, err)
	}
	return nil
}

var copenhagen = func() *time.Location {
	l, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err) // support/calendar embeds time/tzdata, so this cannot happen
	}
	return l
}()

// saveTicket writes every mutable column of t, guarded by the status it was loaded
// with, and refreshes the queue and job keys first.
func saveTicket(ctx context.Context, t *Ticket, from Status) error {
	t.refreshKeys()
	res := db.Conn(ctx).Model(&Ticket{}).Where("id = ? AND status = ?", t.ID, from).Updates(map[string]any{
		"status": t.Status, "vendor_id": t.VendorID, "vendor_ref": t.VendorRef, "escalated_at": t.EscalatedAt,
		"ola_due": t.OLADue, "closed_at": t.ClosedAt,
		"first_response_due": t.FirstResponseDue, "resolution_due": t.ResolutionDue,
		"first_response_warn": t.FirstResponseWarn, "resolution_warn": t.ResolutionWarn,
		"first_response_at": t.FirstResponseAt, "resolved_at": t.ResolvedAt, "paused_since": t.PausedSince,
		"paused_minutes": t.PausedMinutes, "next_due_at": t.NextDueAt, "sla_check_at": t.SLACheckAt,
		"sla_marks": t.SLAMarks, "updated_at": t.UpdatedAt,
	})
	if res.Error != nil {
		if db.IsUniqueViolation(res.Error) {
			return errOpenAlarmTaken
		}
		return fmt.Errorf("save ticket %d: %w", t.ID, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("save ticket %d: status changed from %s meanwhile", t.ID, from)
	}
	return nil
}

// Event is one step in a ticket's history: a status move, an escalation, a swap.
type Event struct {
	ID         int64     `json:"id" gorm:"primaryKey"`
	TicketID   int64     `json:"-"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Role       string    `json:"role"`
	Action     string    `json:"action"`
	FromStatus Status    `json:"from"`
	ToStatus   Status    `json:"to"`
	Note       string    `json:"note,omitempty"`
}

// TableName keeps the table name stable.
func (Event) TableName() string { return "ticket_events" }

func recordEvent(ctx context.Context, t *Ticket, action string, from Status, note string) error {
	p := principalOf(ctx)
	e := Event{TicketID: t.ID, At: t.UpdatedAt, Actor: p.Name, Role: string(p.Role), Action: action,
		FromStatus: from, ToStatus: t.Status, Note: note}
	if err := db.Conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("ticket %d event: %w", t.ID, err)
	}
	return nil
}

// AfterFind puts every instant read back in UTC: PostgreSQL hands timestamptz over in
// the process's zone, and the API speaks UTC.
func (t *Ticket) AfterFind(*gorm.DB) error {
	for _, p := range []*time.Time{&t.ReceivedAt, &t.FirstResponseDue, &t.ResolutionDue, &t.FirstResponseWarn,
		&t.ResolutionWarn, &t.NextDueAt, &t.CreatedAt, &t.UpdatedAt} {
		*p = p.UTC()
	}
	for _, p := range []**time.Time{&t.EscalatedAt, &t.OLADue, &t.ClosedAt, &t.FirstResponseAt, &t.ResolvedAt,
		&t.PausedSince, &t.SLACheckAt} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	return nil
}

// AfterFind reads the instant in UTC.
func (e *Event) AfterFind(*gorm.DB) error { e.At = e.At.UTC(); return nil }

// AfterFind reads the instant in UTC.
func (c *Comment) AfterFind(*gorm.DB) error { c.At = c.At.UTC(); return nil }

// AfterFind reads the instants in UTC.
func (a *Alarm) AfterFind(*gorm.DB) error {
	a.OccurredAt, a.CreatedAt = a.OccurredAt.UTC(), a.CreatedAt.UTC()
	return nil
}

// AfterFind reads the instant in UTC.
func (a *Attachment) AfterFind(*gorm.DB) error { a.CreatedAt = a.CreatedAt.UTC(); return nil }

// AfterFind reads the instant in UTC.
func (s *Swap) AfterFind(*gorm.DB) error { s.CreatedAt = s.CreatedAt.UTC(); return nil }
