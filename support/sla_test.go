package support_test

import (
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/support"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// Due times of new tickets under the default policies, worked out by hand from the
// calendar in API.md (opening hours 08:00–16:00 Copenhagen; CET = UTC+1, CEST = UTC+2).
func TestDueTimesAcrossHolidaysAndDST(t *testing.T) {
	f := setup(t)
	cases := []struct {
		name           string
		prio           support.Priority
		received       string
		first, resolve string
		cal            string
	}{
		// Wed 1 April 2026 14:00 CEST; skærtorsdag, langfredag, the weekend and 2. påskedag
		// are closed: 120 min on Wednesday, the rest from Tuesday 7 April 08:00.
		{"easter", support.Normal, "2026-04-01T12:00:00Z", "2026-04-07T08:00:00Z", "2026-04-09T12:00:00Z", "business"},
		// Thu 4 June 2026 15:30 CEST; grundlovsdag (Fri 5 June) and the weekend are closed.
		{"grundlovsdag", support.High, "2026-06-04T13:30:00Z", "2026-06-08T06:30:00Z", "2026-06-08T13:30:00Z", "business"},
		// Wed 23 December 2026 12:00 CET; juleaftensdag, juledag, the weekend, then open 28–30
		// December; nytårsaftensdag, nytårsdag and the weekend closed; Monday 4 January.
		{"christmas", support.Low, "2026-12-23T11:00:00Z", "2026-12-28T11:00:00Z", "2027-01-05T11:00:00Z", "business"},
		// Fri 27 March 2026 15:00 CET; Copenhagen moves to CEST on Sunday 29 March: Monday's
		// 08:00 is 06:00 UTC.
		{"spring DST, business", support.Normal, "2026-03-27T14:00:00Z", "2026-03-30T09:00:00Z", "2026-04-01T13:00:00Z", "business"},
		// Critical runs around the clock: the lost hour of 29 March 2026 changes nothing in
		// UTC (01:30 CET + 240 min = 06:30 CEST).
		{"spring DST, 24x7", support.Critical, "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T04:30:00Z", "24x7"},
		// 25 October 2026, 02:30 CEST, before the clock goes back: four real hours later.
		{"autumn DST, 24x7", support.Critical, "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T04:30:00Z", "24x7"},
		// Received on a Saturday: the count starts at Monday's opening.
		{"weekend", support.Normal, "2026-11-28T09:00:00Z", "2026-11-30T11:00:00Z", "2026-12-02T15:00:00Z", "business"},
		// Runs out at closing time: due at 16:00, not at the next opening.
		{"closing time", support.Normal, "2026-11-30T11:00:00Z", "2026-11-30T15:00:00Z", "2026-12-03T11:00:00Z", "business"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := utc(c.received)
			f.set(r.Add(time.Minute))
			tk := f.create(t, f.phone(c.prio, &r))
			if got, want := tk.SLA.FirstResponseDue, utc(c.first); !got.Equal(want) {
				t.Errorf("first response due %s, want %s", got, want)
			}
			if got, want := tk.SLA.ResolutionDue, utc(c.resolve); !got.Equal(want) {
				t.Errorf("resolution due %s, want %s", got, want)
			}
			if tk.SLA.Calendar != c.cal || tk.Status != support.New || !tk.ReceivedAt.Equal(r) {
				t.Errorf("got %+v", tk)
			}
			if tk.SLA.Breached || tk.SLA.Paused || tk.SLA.FirstResponseAt != nil {
				t.Errorf("fresh ticket sla %+v", tk.SLA)
			}
			// Read back in UTC whatever the process's zone (run with TZ=Europe/Copenhagen).
			if d := f.get(t, f.agent, tk.ID); d.ReceivedAt.Location() != time.UTC || d.SLA.ResolutionDue.Location() != time.UTC ||
				!d.SLA.ResolutionDue.Equal(utc(c.resolve)) {
				t.Errorf("read back: %s, %s", d.ReceivedAt, d.SLA.ResolutionDue)
			}
		})
	}
}

// Pending pauses the clock: the due times move on by the business minutes spent
// pending, here across a night, the Easter closing days and a weekend.
func TestPendingSpanningNightsAndHolidays(t *testing.T) {
	f := setup(t)
	r := utc("2026-04-01T08:00:00Z") // Wed 10:00 CEST; resolution due Thu 9 April 10:00 CEST
	f.set(utc("2026-04-01T09:00:00Z"))
	tk := f.create(t, f.phone(support.Normal, &r))
	if want := utc("2026-04-09T08:00:00Z"); !tk.SLA.ResolutionDue.Equal(want) {
		t.Fatalf("resolution due %s, want %s", tk.SLA.ResolutionDue, want)
	}
	_, err := f.svc.AddComment(f.agent, tk.ID, support.CommentInput{Body: "Vi ringer borgeren op"})
	must(t, err)
	f.set(utc("2026-04-01T13:00:00Z")) // Wed 15:00 CEST
	p := f.status(t, f.agent, tk.ID, support.Pending)
	if !p.SLA.Paused {
		t.Fatalf("pending ticket not paused: %+v", p.SLA)
	}
	f.set(utc("2026-04-07T07:30:00Z")) // Tue 09:30 CEST: 60 + 90 business minutes pending
	o := f.status(t, f.agent, tk.ID, support.Open)
	if want := utc("2026-04-09T10:30:00Z"); !o.SLA.ResolutionDue.Equal(want) {
		t.Errorf("resolution due after the pause %s, want %s", o.SLA.ResolutionDue, want)
	}
	if want := utc("2026-04-01T12:00:00Z"); !o.SLA.FirstResponseDue.Equal(want) {
		t.Errorf("a first response already given keeps its due time: %s, want %s", o.SLA.FirstResponseDue, want)
	}
	if o.SLA.Paused || o.SLA.Breached {
		t.Errorf("after the pause: %+v", o.SLA)
	}

	// Paused before the first response: both due times move, by 390 + 15 minutes across
	// grundlovsdag and a weekend; the 30 and 450 minutes left at the pause remain.
	r = utc("2026-06-04T07:00:00Z") // Thu 09:00 CEST, high: 60 / 480
	f.set(utc("2026-06-04T07:30:00Z"))
	tk = f.create(t, f.phone(support.High, &r))
	f.status(t, f.agent, tk.ID, support.Pending)
	f.set(utc("2026-06-08T06:00:00Z")) // days after the first response was due, but paused
	if d := f.get(t, f.agent, tk.ID); d.SLA.Breached || !d.SLA.Paused || d.SLA.AtRisk {
		t.Fatalf("paused ticket read after its due time: %+v", d.SLA)
	}
	f.set(utc("2026-06-08T06:15:00Z")) // Mon 08:15 CEST
	o = f.status(t, f.agent, tk.ID, support.Open)
	if want := utc("2026-06-08T06:45:00Z"); !o.SLA.FirstResponseDue.Equal(want) {
		t.Errorf("first response due %s, want %s", o.SLA.FirstResponseDue, want)
	}
	if want := utc("2026-06-08T13:45:00Z"); !o.SLA.ResolutionDue.Equal(want) {
		t.Errorf("resolution due %s, want %s", o.SLA.ResolutionDue, want)
	}
}

// The first response is the first public comment by centre staff: not an internal
// note, not a member's comment, not a status change.
func TestFirstResponseIsFirstPublicStaffComment(t *testing.T) {
	f := setup(t)
	r := utc("2026-06-04T07:00:00Z") // due 08:00Z
	f.set(r)
	tk := f.create(t, f.phone(support.High, &r))
	f.set(r.Add(10 * time.Minute))
	_, err := f.svc.AddComment(f.agent, tk.ID, support.CommentInput{Body: "intern note", Internal: true})
	must(t, err)
	_, err = f.svc.AddComment(f.memberA, tk.ID, support.CommentInput{Body: "Hvornår sker der noget?"})
	must(t, err)
	f.status(t, f.agent, tk.ID, support.Open)
	if d := f.get(t, f.agent, tk.ID); d.SLA.FirstResponseAt != nil {
		t.Fatalf("first response set by %+v", d.Comments)
	}
	f.set(r.Add(20 * time.Minute))
	_, err = f.svc.AddComment(f.agent, tk.ID, support.CommentInput{Body: "Vi sender en ny tablet"})
	must(t, err)
	f.set(r.Add(30 * time.Minute))
	_, err = f.svc.AddComment(f.admin, tk.ID, support.CommentInput{Body: "Og en ny oplader"})
	must(t, err)
	d := f.get(t, f.agent, tk.ID)
	if d.SLA.FirstResponseAt == nil || !d.SLA.FirstResponseAt.Equal(r.Add(20*time.Minute)) {
		t.Fatalf("first response at %v, want %s", d.SLA.FirstResponseAt, r.Add(20*time.Minute))
	}
	f.set(utc("2026-06-05T12:00:00Z")) // after the first response due: met in time
	if d := f.get(t, f.agent, tk.ID); d.SLA.Breached {
		t.Fatalf("met in time, yet breached: %+v", d.SLA)
	}
}

// breached is derived when read: a due time passed unmet, or met late; never while
// the clock stands still, nor before.
func TestBreachedOnRead(t *testing.T) {
	f := setup(t)
	r := utc("2026-06-04T07:00:00Z") // high: first response due 08:00Z, resolution 06-08 07:00Z
	f.set(r)
	tk := f.create(t, f.phone(support.High, &r))
	for _, c := range []struct {
		at      string
		breach  bool
		atRisk  bool
		comment string
	}{
		{"2026-06-04T07:47:00Z", false, false, ""},
		{"2026-06-04T07:48:00Z", false, true, ""}, // 80 % of 60 minutes
		{"2026-06-04T08:00:00Z", false, true, ""}, // due now: not yet passed
		{"2026-06-04T08:00:01Z", true, false, ""},
		{"2026-06-04T08:30:00Z", true, false, "late answer"}, // met late: stays breached
		{"2026-06-04T09:00:00Z", true, false, ""},
	} {
		f.set(utc(c.at))
		if c.comment != "" {
			_, err := f.svc.AddComment(f.agent, tk.ID, support.CommentInput{Body: c.comment})
			must(t, err)
		}
		got := f.get(t, f.agent, tk.ID).SLA
		if got.Breached != c.breach || got.AtRisk != c.atRisk {
			t.Errorf("at %s: breached %v at risk %v, want %v %v", c.at, got.Breached, got.AtRisk, c.breach, c.atRisk)
		}
	}
	// Resolved in time stays unbreached ever after; reopened, its clock runs again.
	r2 := utc("2026-06-04T07:00:00Z")
	f.set(r2.Add(5 * time.Minute))
	tk2 := f.create(t, f.phone(support.High, &r2))
	f.status(t, f.agent, tk2.ID, support.Resolved)
	f.set(utc("2026-06-30T10:00:00Z"))
	if got := f.get(t, f.agent, tk2.ID).SLA; got.Breached || got.ResolvedAt == nil {
		t.Fatalf("resolved in time: %+v", got)
	}
	re := f.status(t, f.agent, tk2.ID, support.Open)
	if re.SLA.ResolvedAt != nil || !re.SLA.Breached {
		t.Fatalf("reopened weeks after its due time: %+v", re.SLA)
	}
}

func TestPolicies(t *testing.T) {
	f := setup(t)
	ps, err := f.svc.Policies(f.agent)
	must(t, err)
	if len(ps) != 4 || ps[0].Priority != support.Critical || ps[0].FirstResponseMinutes != 30 || ps[0].ResolutionMinutes != 240 ||
		ps[0].Calendar != "24x7" || ps[3].Priority != support.Low || ps[3].ResolutionMinutes != 2400 || ps[3].Calendar != "business" {
		t.Fatalf("default policies: %+v", ps)
	}
	_, err = f.svc.UpdatePolicy(f.agent, support.Normal, support.PolicyInput{FirstResponseMinutes: 60, ResolutionMinutes: 120, Calendar: "24x7"})
	wantKind(t, err, apperr.KindForbidden, "support edits a policy")
	_, err = f.svc.Policies(f.memberA)
	wantKind(t, err, apperr.KindForbidden, "member reads policies")
	for _, c := range []struct {
		in    support.PolicyInput
		field string
		code  apperr.Code
	}{
		{support.PolicyInput{FirstResponseMinutes: 0, ResolutionMinutes: 60, Calendar: "business"}, "first_response_minutes", apperr.OutOfRange},
		{support.PolicyInput{FirstResponseMinutes: 60, ResolutionMinutes: 525601, Calendar: "business"}, "resolution_minutes", apperr.OutOfRange},
		{support.PolicyInput{FirstResponseMinutes: 90, ResolutionMinutes: 60, Calendar: "business"}, "first_response_minutes", apperr.NotAbove},
		{support.PolicyInput{FirstResponseMinutes: 30, ResolutionMinutes: 60, Calendar: "weekdays"}, "calendar", apperr.OneOf},
	} {
		_, err := f.svc.UpdatePolicy(f.admin, support.Normal, c.in)
		wantField(t, err, c.field, c.code)
	}
	_, err = f.svc.UpdatePolicy(f.admin, "urgent", support.PolicyInput{FirstResponseMinutes: 1, ResolutionMinutes: 2, Calendar: "24x7"})
	wantKind(t, err, apperr.KindNotFound, "unknown priority")
	r := utc("2026-11-30T11:00:00Z")
	f.set(r)
	old := f.create(t, f.phone(support.Normal, &r))
	p, err := f.svc.UpdatePolicy(f.admin, support.Normal, support.PolicyInput{FirstResponseMinutes: 60, ResolutionMinutes: 120, Calendar: "24x7"})
	must(t, err)
	if p.UpdatedBy != "admin@fsc.dk" {
		t.Fatalf("updated by %q", p.UpdatedBy)
	}
	tk := f.create(t, f.phone(support.Normal, &r))
	if tk.SLA.Calendar != "24x7" || !tk.SLA.FirstResponseDue.Equal(r.Add(time.Hour)) || !tk.SLA.ResolutionDue.Equal(r.Add(2*time.Hour)) {
		t.Fatalf("new policy not used: %+v", tk.SLA)
	}
	if d := f.get(t, f.agent, old.ID); d.SLA.Calendar != "business" || !d.SLA.FirstResponseDue.Equal(utc("2026-11-30T15:00:00Z")) {
		t.Fatalf("a ticket received before the change kept its due times? %+v", d.SLA)
	}
}
