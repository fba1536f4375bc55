// Package support holds the call centre: tickets from phone, e-mail, the member portal
// and device alarms, their SLA clocks counted in the business calendar
// (support/calendar), comments and attachments, escalation to a vendor (second line)
// and swaps of a defective device through orders.
//
// The rules of API.md "Support (pinned)" live here, one per file: the status moves in
// transitions.go, the due times in sla.go, alarm de-duplication in alarms.go, e-mail
// routing and threading in email_in.go (the parser in email.go), the OLA in
// escalate.go, swaps in swap.go, the SLA notices in jobs.go.
//
// Decisions where API.md leaves room, each documented where it is made:
//   - A ticket's due times come from the policy of its priority when it is received;
//     later policy changes do not move them. Pending stops the clock; leaving pending
//     moves every unmet due time on by the calendar minutes spent there.
//   - Resolution stops both clocks (an unanswered ticket solved in time is not late
//     for its first response). Reopening clears resolved_at and the clock runs on
//     against the same due times: the time spent resolved counts.
//   - A member's public reply (portal or e-mail) ends a wait: pending → open.
//   - Escalation's OLA runs from the escalation, for the resolution hours of the
//     vendor's contract active then, around the clock (Service.OLACalendar).
//   - Vendors see no citizen data (citizen reference, contact).
//   - E-mail from a sender no route knows is refused, unless an admin routes "*" to a
//     triage member; a reply threads only into a ticket of the sender's member (or
//     whose contact the sender is) that is not closed.
//   - Swaps are linked in support's ticket_links; orders and returns keep no ticket
//     column (TicketOfOrder, TicketOfReturn answer for them).
package support

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fsc/backoffice/internal/apperr"
)

// Field error codes of the support domain; the comment says what the Args are.
var (
	CodePortalOnly     = apperr.NewCode("ticket_portal_only")   // no args: member users open tickets in the portal (channel portal)
	CodeNoDelivery     = apperr.NewCode("device_no_delivery")   // serial: no delivery of the device to take the address from
	CodeNoCitizen      = apperr.NewCode("ticket_no_citizen")    // no args: neither the ticket nor the device names a citizen
	CodeSerialTwice    = apperr.NewCode("serial_ambiguous")     // serial: more than one deployed device has it
	CodeUnknownSender  = apperr.NewCode("email_unknown_sender") // sender address: no route to a member
	CodeMailUnreadable = apperr.NewCode("email_unreadable")     // the parser's words (English)
	CodeMailPattern    = apperr.NewCode("email_route_pattern")  // no args: must be an address, a domain or "*"
)

// Status is where a ticket is; transitions.go holds the moves between them.
type Status string

// The ticket statuses.
const (
	New       Status = "new"
	Open      Status = "open"
	Pending   Status = "pending" // waiting on the citizen or member: the SLA clock stops
	Escalated Status = "escalated"
	Resolved  Status = "resolved"
	Closed    Status = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{New, Open, Pending, Escalated, Resolved, Closed}

// Active reports whether a ticket in s still needs work (neither resolved nor closed).
func (s Status) Active() bool { return s != Resolved && s != Closed }

// Channel is how a ticket came in.
type Channel string

// The channels.
const (
	Phone  Channel = "phone"
	Email  Channel = "email"
	Portal Channel = "portal"
	API    Channel = "api"
)

// Category is what a ticket is about.
type Category string

// The categories.
const (
	DeviceFault Category = "device_fault"
	Delivery    Category = "delivery"
	Pickup      Category = "pickup"
	Usage       Category = "usage"
	Other       Category = "other"
)

// Priority chooses a ticket's SLA policy.
type Priority string

// The priorities.
const (
	Low      Priority = "low"
	Normal   Priority = "normal"
	High     Priority = "high"
	Critical Priority = "critical"
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{Critical, High, Normal, Low}

var (
	channels   = []Channel{Phone, Email, Portal, API}
	categories = []Category{DeviceFault, Delivery, Pickup, Usage, Other}
)

// Contact is who called or wrote: a nurse, a relative, the citizen.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// Ticket is a call-centre case. The SLA columns are kept in step with every change so
// that the queue can sort and filter on them in the database; SLA is derived from them
// on read.
type Ticket struct {
	ID          int64      `json:"id" gorm:"primaryKey"`
	Number      string     `json:"number"`
	Status      Status     `json:"status"`
	MemberID    int64      `json:"member_id"`
	Channel     Channel    `json:"channel"`
	Category    Category   `json:"category"`
	Priority    Priority   `json:"priority"`
	Subject     string     `json:"subject"`
	Description string     `json:"description"`
	DeviceID    *int64     `json:"device_id"`
	Serial      *string    `json:"serial,omitempty"` // the device's, kept for the queue
	CitizenRef  *string    `json:"citizen_ref,omitempty"`
	Contact     Contact    `json:"contact" gorm:"embedded;embeddedPrefix:contact_"`
	ReceivedAt  time.Time  `json:"received_at"`
	AlarmKind   *string    `json:"alarm_kind,omitempty"` // set on a ticket an alarm opened
	VendorID    *int64     `json:"vendor_id"`
	VendorRef   string     `json:"vendor_ref,omitempty"`
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
	OLADue      *time.Time `json:"ola_due,omitempty" gorm:"column:ola_due"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`

	Calendar          string     `json:"-"` // the policy's calendar when the ticket came in
	FirstResponseDue  time.Time  `json:"-"`
	ResolutionDue     time.Time  `json:"-"`
	FirstResponseWarn time.Time  `json:"-"` // 80 % of the time to FirstResponseDue
	ResolutionWarn    time.Time  `json:"-"`
	FirstResponseAt   *time.Time `json:"-"`
	ResolvedAt        *time.Time `json:"-"`
	PausedSince       *time.Time `json:"-"`                            // set while pending
	PausedMinutes     int        `json:"-"`                            // calendar minutes spent pending so far
	NextDueAt         time.Time  `json:"-"`                            // the queue's sort key: the nearest unmet due time
	SLACheckAt        *time.Time `json:"-" gorm:"column:sla_check_at"` // when the SLA job must look next
	SLAMarks          int        `json:"-" gorm:"column:sla_marks"`    // notices raised (bits of sla.go)

	SLA SLA `json:"sla" gorm:"-"`

	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Limits of ticket text.
const (
	MaxSubject     = 200
	MaxDescription = 10000
	MaxComment     = 10000
	MaxNote        = 2000
	MaxVendorRef   = 100
	MaxAlarmKind   = 64
	MaxAlarmText   = 2000
)

// NewTicket is the input of Create (the body of POST /tickets).
type NewTicket struct {
	MemberID    int64      `json:"member_id"`
	Channel     Channel    `json:"channel"`
	Category    Category   `json:"category"`
	Priority    Priority   `json:"priority"`
	Subject     string     `json:"subject"`
	Description string     `json:"description,omitempty"`
	DeviceID    *int64     `json:"device_id,omitempty"`
	CitizenRef  string     `json:"citizen_ref,omitempty"`
	Contact     *Contact   `json:"contact,omitempty"`
	ReceivedAt  *time.Time `json:"received_at,omitempty"`
}

// clockSkew is how far ahead of the server's clock a client's "now" may be: a
// received_at or occurred_at beyond it is in the future.
const clockSkew = 5 * time.Second

// maxAge bounds how far back received_at may go: older cases are not SLA-counted.
const maxAge = 366 * 24 * time.Hour

// checkReceived adds the field errors of an instant something came in.
func checkReceived(fe *apperr.Fields, field string, at, now time.Time) {
	switch {
	case at.After(now.Add(clockSkew)):
		fe.Add(field, apperr.InFuture, "must not be in the future")
	case at.Before(now.Add(-maxAge)):
		min := now.Add(-maxAge).UTC().Format(time.RFC3339)
		fe.Add(field, apperr.TooSmall, "must be at least %s (a year ago)", min)
	}
}

// checkText adds the field errors of free text: required, at most max characters,
// and no control characters except newlines and tabs when multiline.
func checkText(fe *apperr.Fields, field, s string, required bool, max int, multiline bool) {
	switch {
	case s == "" && required:
		fe.Add(field, apperr.Required, "is required")
	case utf8.RuneCountInString(s) > max:
		fe.Add(field, apperr.TooLong, "must be at most %d characters", max)
	case !utf8.ValidString(s) || hasControl(s, multiline):
		fe.Add(field, apperr.ControlChars, "contains control characters")
	}
}

func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) {
			return true
		}
	}
	return false
}

// normaliseText trims s and turns CRLF and lone CR into LF, so that text from a form, an
// API client and a mail reader is stored alike.
func normaliseText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimSpace(strings.ReplaceAll(s, "\r", "\n"))
}

func oneOf[T ~string](v T, all []T) bool {
	for _, x := range all {
		if x == v {
			return true
		}
	}
	return false
}

func joined[T ~string](all []T) string {
	s := make([]string, len(all))
	for i, x := range all {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// micro rounds t to what both databases store (PostgreSQL keeps microseconds) in UTC,
// so that a time reads back as it was written on either stack.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
