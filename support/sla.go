package support

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/support/calendar"
)

// Policy is the SLA of one priority: minutes to the first response and to resolution,
// counted in a calendar.
type Policy struct {
	Priority             Priority  `json:"priority" gorm:"primaryKey"`
	FirstResponseMinutes int       `json:"first_response_minutes"`
	ResolutionMinutes    int       `json:"resolution_minutes"`
	Calendar             string    `json:"calendar"`
	UpdatedBy            string    `json:"updated_by"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// TableName keeps the table name stable.
func (Policy) TableName() string { return "sla_policies" }

// DefaultPolicies are API.md's defaults, seeded by the migration.
var DefaultPolicies = []Policy{
	{Priority: Critical, FirstResponseMinutes: 30, ResolutionMinutes: 240, Calendar: calendar.Name24x7},
	{Priority: High, FirstResponseMinutes: 60, ResolutionMinutes: 480, Calendar: calendar.NameBusiness},
	{Priority: Normal, FirstResponseMinutes: 240, ResolutionMinutes: 1440, Calendar: calendar.NameBusiness},
	{Priority: Low, FirstResponseMinutes: 480, ResolutionMinutes: 2400, Calendar: calendar.NameBusiness},
}

// MaxPolicyMinutes bounds a policy's minutes: a year of minutes, far beyond any SLA, so
// that a typo cannot make every due time decades away.
const MaxPolicyMinutes = 525600

// PolicyInput is the body of PUT /sla-policies/{priority}.
type PolicyInput struct {
	FirstResponseMinutes int    `json:"first_response_minutes" validate:"gte=1,lte=525600"` // MaxPolicyMinutes
	ResolutionMinutes    int    `json:"resolution_minutes" validate:"gte=1,lte=525600"`
	Calendar             string `json:"calendar"`
}

// Policies returns the SLA policy of every priority, most urgent first (support,
// admin).
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	if _, err := auth.Require(ctx, auth.RoleSupport, auth.RoleAdmin); err != nil {
		return nil, err
	}
	var ps []Policy
	if err := db.Conn(ctx).Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("sla policies: %w", err)
	}
	out := make([]Policy, 0, len(ps))
	for _, pr := range Priorities {
		for _, p := range ps {
			if p.Priority == pr {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// UpdatePolicy replaces the policy of priority (admin). Tickets already received keep
// the due times they were given; new ones get the new policy. It returns NotFound for
// an unknown priority and Invalid naming each bad field: minutes from 1 to
// MaxPolicyMinutes, a first response no later than resolution, a known calendar.
func (s *Service) UpdatePolicy(ctx context.Context, priority Priority, in PolicyInput) (*Policy, error) {
	p, err := auth.Require(ctx, auth.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if !oneOf(priority, Priorities) {
		return nil, apperr.NotFound("no SLA policy for priority %q", priority)
	}
	var fe apperr.Fields
	for _, f := range []struct {
		name string
		v    int
	}{{"first_response_minutes", in.FirstResponseMinutes}, {"resolution_minutes", in.ResolutionMinutes}} {
		if f.v < 1 || f.v > MaxPolicyMinutes {
			fe.Add(f.name, apperr.OutOfRange, "must be a whole number from %d to %d", 1, MaxPolicyMinutes)
		}
	}
	if len(fe) == 0 && in.FirstResponseMinutes > in.ResolutionMinutes {
		fe.Add("first_response_minutes", apperr.NotAbove, "must not exceed %s", "resolution_minutes")
	}
	if _, err := calendar.ByName(in.Calendar); err != nil {
		fe.Add("calendar", apperr.OneOf, "must be one of %s", calendar.NameBusiness+", "+calendar.Name24x7)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Policy
	err = db.WithTx(ctx, func(ctx context.Context) error {
		before, err := policyFor(ctx, priority)
		if err != nil {
			return err
		}
		after := Policy{Priority: priority, FirstResponseMinutes: in.FirstResponseMinutes,
			ResolutionMinutes: in.ResolutionMinutes, Calendar: in.Calendar, UpdatedBy: p.Name, UpdatedAt: micro(s.now())}
		if err := db.Conn(ctx).Save(&after).Error; err != nil {
			return fmt.Errorf("save sla policy %s: %w", priority, err)
		}
		out = &after
		return audit.Record(ctx, "update", "sla_policy", int64(priorityRank(priority)), before, after)
	})
	return out, err
}

func priorityRank(p Priority) int {
	for i, x := range Priorities {
		if x == p {
			return i + 1
		}
	}
	return 0
}

func policyFor(ctx context.Context, p Priority) (*Policy, error) {
	var pol Policy
	if err := db.Conn(ctx).Take(&pol, "priority = ?", p).Error; err != nil {
		return nil, fmt.Errorf("sla policy %s: %w", p, err)
	}
	return &pol, nil
}

// SLA is a ticket's clock as the API shows it. Breached and AtRisk are derived on read
// from the stored due times and the time of reading.
type SLA struct {
	Calendar         string     `json:"calendar"`
	FirstResponseDue time.Time  `json:"first_response_due"`
	ResolutionDue    time.Time  `json:"resolution_due"`
	FirstResponseAt  *time.Time `json:"first_response_at"`
	ResolvedAt       *time.Time `json:"resolved_at"`
	Paused           bool       `json:"paused"`
	Breached         bool       `json:"breached"`
	// AtRisk: a due time still unmet and not passed, but 80 % of its time is used.
	AtRisk bool `json:"at_risk"`
}

// Bits of Ticket.SLAMarks: the notices raised, once each per ticket.
const (
	markFirstWarn = 1 << iota
	markFirstBreach
	markResWarn
	markResBreach
)

// warnPart returns the minutes after which 80 % of minutes have passed, rounded up.
func warnPart(minutes int) int { return (minutes*4 + 4) / 5 }

func calendarOf(name string) calendar.Calendar {
	c, err := calendar.ByName(name)
	if err != nil {
		return calendar.Business{} // the column's check allows only the two names
	}
	return c
}

// startClock gives t its due times from its received_at under policy p.
func (t *Ticket) startClock(p *Policy) {
	c := calendarOf(p.Calendar)
	t.Calendar = p.Calendar
	t.FirstResponseDue = micro(c.Add(t.ReceivedAt, p.FirstResponseMinutes))
	t.ResolutionDue = micro(c.Add(t.ReceivedAt, p.ResolutionMinutes))
	t.FirstResponseWarn = micro(c.Add(t.ReceivedAt, warnPart(p.FirstResponseMinutes)))
	t.ResolutionWarn = micro(c.Add(t.ReceivedAt, warnPart(p.ResolutionMinutes)))
}

// pause stops the clock at now (entering pending).
func (t *Ticket) pause(now time.Time) { t.PausedSince = &now }

// resume restarts the clock at now (leaving pending): every due time not yet met moves
// on by the calendar's minutes spent pending. A first response already given keeps its
// due time, so that a late answer cannot become an early one by a later pause.
func (t *Ticket) resume(now time.Time) {
	if t.PausedSince == nil {
		return
	}
	c := calendarOf(t.Calendar)
	m := c.Between(*t.PausedSince, now)
	t.PausedSince = nil
	t.PausedMinutes += m
	if m == 0 {
		return
	}
	if t.FirstResponseAt == nil {
		t.FirstResponseDue = micro(c.Add(t.FirstResponseDue, m))
		t.FirstResponseWarn = micro(c.Add(t.FirstResponseWarn, m))
	}
	t.ResolutionDue = micro(c.Add(t.ResolutionDue, m))
	t.ResolutionWarn = micro(c.Add(t.ResolutionWarn, m))
}

// firstMetAt is when the first-response clock stopped: the first response, else the
// resolution (no answer can come late once the case is solved), else nil.
func (t *Ticket) firstMetAt() *time.Time {
	if t.FirstResponseAt != nil {
		return t.FirstResponseAt
	}
	return t.ResolvedAt
}

// passed reports whether due has passed unmet or was met late, read at now: a due
// time counts against the instant it was met, else the start of a pause (the clock is
// stopped), else now.
func passed(due time.Time, met, paused *time.Time, now time.Time) bool {
	switch {
	case met != nil:
		return due.Before(*met)
	case paused != nil:
		return due.Before(*paused)
	}
	return due.Before(now)
}

// breachedSQL is passed as SQL, for the breached=true filter: it must say what
// Ticket.breached says (a test checks them against each other). The one argument is now.
const breachedSQL = `(first_response_due < COALESCE(first_response_at, resolved_at, paused_since, @now)
 OR resolution_due < COALESCE(resolved_at, paused_since, @now))`

func (t *Ticket) breached(now time.Time) bool {
	return passed(t.FirstResponseDue, t.firstMetAt(), t.PausedSince, now) ||
		passed(t.ResolutionDue, t.ResolvedAt, t.PausedSince, now)
}

// fillSLA sets t.SLA as read at now.
func (t *Ticket) fillSLA(now time.Time) {
	t.SLA = SLA{Calendar: t.Calendar, FirstResponseDue: t.FirstResponseDue, ResolutionDue: t.ResolutionDue,
		FirstResponseAt: t.FirstResponseAt, ResolvedAt: t.ResolvedAt, Paused: t.PausedSince != nil,
		Breached: t.breached(now)}
	if !t.SLA.Breached {
		at := now
		if t.PausedSince != nil {
			at = *t.PausedSince
		}
		t.SLA.AtRisk = (t.firstMetAt() == nil && !t.FirstResponseWarn.After(at)) ||
			(t.ResolvedAt == nil && !t.ResolutionWarn.After(at))
	}
}

// refreshKeys recomputes the columns the queue and the SLA job read: the nearest unmet
// due time (the resolution due once everything is met, so the key is never empty) and
// the next instant at which a notice may fall due (none while paused or done).
func (t *Ticket) refreshKeys() {
	t.NextDueAt = t.ResolutionDue
	if t.firstMetAt() == nil && t.FirstResponseDue.Before(t.ResolutionDue) {
		t.NextDueAt = t.FirstResponseDue
	}
	t.SLACheckAt = nil
	if !t.Status.Active() || t.PausedSince != nil {
		return
	}
	var next *time.Time
	consider := func(bit int, at time.Time) {
		if t.SLAMarks&bit == 0 && (next == nil || at.Before(*next)) {
			next = &at
		}
	}
	if t.firstMetAt() == nil {
		consider(markFirstWarn, t.FirstResponseWarn)
		consider(markFirstBreach, t.FirstResponseDue)
	}
	if t.ResolvedAt == nil {
		consider(markResWarn, t.ResolutionWarn)
		consider(markResBreach, t.ResolutionDue)
	}
	t.SLACheckAt = next
}
