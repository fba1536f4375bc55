package support_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/web/webtest"
)

// fixClock sets the support service's clock to at, and returns a setter to move it.
func fixClock(e *env, at time.Time) func(time.Time) {
	var now atomic.Pointer[time.Time]
	set := func(t time.Time) { t = t.UTC(); now.Store(&t) }
	set(at)
	e.ts.Support.Now = func() time.Time { return *now.Load() }
	return set
}

// TestDueTimesToTheMinute opens tickets over the API received just before holidays,
// weekends and the daylight-saving switches, and checks API.md's due times: business
// hours Monday to Friday 08:00–16:00 Europe/Copenhagen, closed on the Danish holidays,
// grundlovsdag, 24 and 31 December; critical counts around the clock.
func TestDueTimesToTheMinute(t *testing.T) {
	e := setup(t)
	fixClock(e, utc("2026-12-02T10:00:00Z"))
	for _, c := range []struct {
		name, prio, received, first, resolution, calendar string
	}{
		// Wed 15:00 CEST before Easter: skærtorsdag, langfredag, the weekend and 2.
		// påskedag are closed; 60 minutes on Wednesday, the rest from Tuesday.
		{"easter", "normal", "2026-04-01T13:00:00Z", "2026-04-07T09:00:00Z", "2026-04-09T13:00:00Z", "business"},
		// Thu 15:30 before grundlovsdag (Friday 5 June): Monday morning.
		{"grundlovsdag", "high", "2026-06-04T13:30:00Z", "2026-06-08T06:30:00Z", "2026-06-08T13:30:00Z", "business"},
		// Tue 23 December 12:00 CET: 24, 25, 26, 31 December and 1 January are closed.
		{"christmas", "low", "2025-12-23T11:00:00Z", "2025-12-29T11:00:00Z", "2026-01-06T11:00:00Z", "business"},
		// Friday 14:00 CET before the spring switch (29 March): Monday is CEST.
		{"dst spring", "normal", "2026-03-27T13:00:00Z", "2026-03-30T08:00:00Z", "2026-04-01T12:00:00Z", "business"},
		// Friday 15:00 CEST before the autumn switch (25 October): Monday is CET.
		{"dst autumn", "normal", "2026-10-23T13:00:00Z", "2026-10-26T10:00:00Z", "2026-10-28T14:00:00Z", "business"},
		// Critical is 24x7: real minutes through the night of the spring switch.
		{"critical across dst", "critical", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T04:30:00Z", "24x7"},
		// 240 minutes from Monday 12:00 run out at closing time: due at 16:00, not Tuesday 08:00.
		{"closing time", "normal", "2026-03-02T11:00:00Z", "2026-03-02T15:00:00Z", "2026-03-05T11:00:00Z", "business"},
		// Received on a Saturday: the clock starts on Monday at 08:00.
		{"weekend", "high", "2026-03-07T10:00:00Z", "2026-03-09T08:00:00Z", "2026-03-09T15:00:00Z", "business"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := e.phone(t, e.a, c.prio, map[string]any{"received_at": c.received})
			if tk.SLA.Calendar != c.calendar || !utc(tk.SLA.FirstResponseDue).Equal(utc(c.first)) || !utc(tk.SLA.ResolutionDue).Equal(utc(c.resolution)) {
				t.Errorf("%s received %s: calendar %s, first response due %s, resolution due %s; want %s, %s, %s",
					c.prio, c.received, tk.SLA.Calendar, tk.SLA.FirstResponseDue, tk.SLA.ResolutionDue, c.calendar, c.first, c.resolution)
			}
			if !strings.HasSuffix(tk.SLA.FirstResponseDue, "Z") || !strings.HasSuffix(tk.Received, "Z") {
				t.Errorf("times not in UTC: %s, %s", tk.SLA.FirstResponseDue, tk.Received)
			}
			// GET answers the same.
			got := e.ticket(t, "support", tk.ID)
			if got.SLA.FirstResponseDue != tk.SLA.FirstResponseDue || got.SLA.ResolutionDue != tk.SLA.ResolutionDue {
				t.Errorf("GET: %s / %s, POST: %s / %s", got.SLA.FirstResponseDue, got.SLA.ResolutionDue, tk.SLA.FirstResponseDue, tk.SLA.ResolutionDue)
			}
		})
	}
}

// TestPendingMovesTheDueTimes: time spent pending (business minutes) moves the due
// times on; the first public staff comment is the first response.
func TestPendingMovesTheDueTimes(t *testing.T) {
	e := setup(t)
	set := fixClock(e, utc("2026-03-02T08:00:00Z")) // Monday 09:00 CET
	tk := e.phone(t, e.a, "normal", map[string]any{"received_at": "2026-03-02T07:00:00Z"})
	if tk.SLA.FirstResponseDue != "2026-03-02T11:00:00Z" || tk.SLA.ResolutionDue != "2026-03-04T15:00:00Z" {
		t.Fatalf("due %s / %s", tk.SLA.FirstResponseDue, tk.SLA.ResolutionDue)
	}
	path := fmt.Sprintf("/tickets/%d/status", tk.ID)
	e.do(t, "POST", path, "support", map[string]any{"status": "pending", "note": "venter på borgeren"}, 200)
	if got := e.ticket(t, "support", tk.ID); !got.SLA.Paused {
		t.Fatal("pending ticket not paused")
	}
	set(utc("2026-03-03T08:00:00Z")) // Tuesday 09:00 CET: 420 + 60 business minutes later
	var back ticket
	webtest.DecodeInto(t, e.do(t, "POST", path, "support", map[string]any{"status": "open"}, 200), &back)
	if back.SLA.Paused || back.SLA.FirstResponseDue != "2026-03-03T11:00:00Z" || back.SLA.ResolutionDue != "2026-03-05T15:00:00Z" {
		t.Fatalf("after pending: paused %v, due %s / %s; want 2026-03-03T11:00:00Z / 2026-03-05T15:00:00Z",
			back.SLA.Paused, back.SLA.FirstResponseDue, back.SLA.ResolutionDue)
	}
	// An internal note is no first response; a public comment by support is.
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", tk.ID), "support", map[string]any{"body": "ringet op", "internal": true}, 201)
	if got := e.ticket(t, "support", tk.ID); got.SLA.FirstResponseAt != nil {
		t.Fatal("internal comment set first_response_at")
	}
	set(utc("2026-03-03T09:15:00Z"))
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", tk.ID), "support", map[string]any{"body": "Vi sender en ny tablet."}, 201)
	got := e.ticket(t, "support", tk.ID)
	if got.SLA.FirstResponseAt == nil || *got.SLA.FirstResponseAt != "2026-03-03T09:15:00Z" || got.SLA.Breached {
		t.Fatalf("first_response_at %v, breached %v", got.SLA.FirstResponseAt, got.SLA.Breached)
	}
	// Past the resolution due time unresolved: breached, and the filter finds it.
	set(utc("2026-03-06T08:00:00Z"))
	if got := e.ticket(t, "support", tk.ID); !got.SLA.Breached {
		t.Fatal("not breached after its resolution due time")
	}
	var list struct{ Items []ticket }
	webtest.DecodeInto(t, e.do(t, "GET", "/tickets?breached=true", "support", nil, 200), &list)
	if len(list.Items) != 1 || list.Items[0].ID != tk.ID {
		t.Fatalf("breached=true: %+v", list.Items)
	}
}

func TestCreateTicketRules(t *testing.T) {
	e := setup(t)
	d := e.deploy(t, e.a, "borger-1")
	other := e.deploy(t, e.b, "borger-2")

	tk := e.phone(t, e.a, "high", map[string]any{"device_id": d.ID})
	if tk.Status != "new" || tk.Number == "" || tk.MemberID != e.a.ID || tk.DeviceID == nil || *tk.DeviceID != d.ID ||
		tk.Channel != "phone" || tk.Category != "usage" || tk.Priority != "high" || tk.Received == "" ||
		tk.SLA.FirstResponseDue == "" || tk.SLA.ResolutionDue == "" || tk.SLA.FirstResponseAt != nil || tk.SLA.ResolvedAt != nil {
		t.Fatalf("created: %+v", tk)
	}
	if tk.CitizenRf == nil || *tk.CitizenRf != "borger-1" {
		t.Errorf("citizen from the device: %v", tk.CitizenRf)
	}

	// Idempotency-Key: the same body answers the same ticket, another body is a 422.
	body := map[string]any{"member_id": e.a.ID, "channel": "email", "category": "delivery", "priority": "low", "subject": "Pakken kom ikke"}
	send := func(b map[string]any) (int, []byte) {
		req := httptest.NewRequest("POST", "/api/v1/tickets", strings.NewReader(toJSON(b)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.ts.Tokens["support"])
		req.Header.Set("Idempotency-Key", "call-42")
		return e.ts.Send(req)
	}
	st1, b1 := send(body)
	st2, b2 := send(body)
	var t1, t2 ticket
	webtest.DecodeInto(t, b1, &t1)
	webtest.DecodeInto(t, b2, &t2)
	if st1 != 201 || st2 != 201 || t1.ID != t2.ID {
		t.Fatalf("replay: %d %d, ids %d %d", st1, st2, t1.ID, t2.ID)
	}
	body["subject"] = "Noget andet"
	st, b := send(body)
	webtest.ExpectFields(t, st, b, "Idempotency-Key")

	// Every bad field at once, never a 500.
	st, b = e.ts.Do("POST", "/api/v1/tickets", "support", map[string]any{"member_id": e.a.ID, "channel": "fax", "category": "x",
		"priority": "urgent", "subject": strings.Repeat("x", 201), "received_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	webtest.ExpectFields(t, st, b, "channel", "category", "priority", "subject", "received_at")
	st, b = e.ts.Do("POST", "/api/v1/tickets", "support", map[string]any{"member_id": e.a.ID, "channel": "phone", "category": "usage",
		"priority": "low", "subject": "x", "device_id": other.ID})
	webtest.ExpectFields(t, st, b, "device_id")
	st, b = e.ts.Do("POST", "/api/v1/tickets", "support", map[string]any{"member_id": e.a.ID, "channel": "phone", "category": "usage",
		"priority": "low", "subject": "bad\x01char", "mayor": "x"})
	webtest.ExpectFields(t, st, b, "mayor")
	st, b = e.ts.Do("POST", "/api/v1/tickets", "support", map[string]any{"member_id": e.a.ID, "channel": "phone", "category": "usage",
		"priority": "low", "subject": "bad\x01char"})
	webtest.ExpectFields(t, st, b, "subject")

	// A member user opens tickets for its own member in the portal only.
	mine := map[string]any{"member_id": e.a.ID, "channel": "portal", "category": "device_fault", "priority": "normal", "subject": "Tabletten er død", "device_id": d.ID}
	var own ticket
	webtest.DecodeInto(t, e.do(t, "POST", "/tickets", "member", mine, 201), &own)
	mine["channel"] = "phone"
	st, b = e.ts.Do("POST", "/api/v1/tickets", "member", mine)
	webtest.ExpectFields(t, st, b, "channel")
	mine["channel"], mine["member_id"] = "portal", e.b.ID
	if st, b := e.ts.Do("POST", "/api/v1/tickets", "member", mine); st != 403 {
		t.Fatalf("member for another member: %d %s", st, b)
	}
	// The other member's device is the same 422 for a member as a device that does not exist.
	mine["member_id"], mine["device_id"] = e.a.ID, other.ID
	st, b = e.ts.Do("POST", "/api/v1/tickets", "member", mine)
	webtest.ExpectFields(t, st, b, "device_id")
	mine["device_id"] = 999999
	st2, b2 = e.ts.Do("POST", "/api/v1/tickets", "member", mine)
	webtest.ExpectFields(t, st2, b2, "device_id")
}

func TestWhoSeesWhichTickets(t *testing.T) {
	e := setup(t)
	ta := e.phone(t, e.a, "normal", nil)
	tb := e.phone(t, e.b, "high", nil)
	// Members see their own: the other member's ticket is a 404, not a 403.
	e.ticket(t, "member", ta.ID)
	e.do(t, "GET", fmt.Sprintf("/tickets/%d", tb.ID), "member", nil, 404)
	e.do(t, "GET", fmt.Sprintf("/tickets/%d", ta.ID), "member2", nil, 404)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", tb.ID), "member", map[string]any{"body": "hej"}, 404)
	var list struct{ Items []ticket }
	webtest.DecodeInto(t, e.do(t, "GET", "/tickets", "member", nil, 200), &list)
	if len(list.Items) != 1 || list.Items[0].ID != ta.ID {
		t.Fatalf("member's list: %+v", list.Items)
	}
	webtest.DecodeInto(t, e.do(t, "GET", fmt.Sprintf("/tickets?member_id=%d", e.b.ID), "member", nil, 200), &list)
	if len(list.Items) != 0 {
		t.Fatalf("member filtering another member: %+v", list.Items)
	}
	// Staff filter by member and priority.
	webtest.DecodeInto(t, e.do(t, "GET", fmt.Sprintf("/tickets?member_id=%d&priority=high", e.b.ID), "logistics", nil, 200), &list)
	if len(list.Items) != 1 || list.Items[0].ID != tb.ID {
		t.Fatalf("staff filter: %+v", list.Items)
	}
	st, b := e.ts.Do("GET", "/api/v1/tickets?status=done&priority=x&member_id=-1&breached=maybe&cursor=zz&limit=0", "support", nil)
	webtest.ExpectFields(t, st, b, "status", "member_id", "breached", "cursor", "limit")

	// Internal comments are for the centre only.
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", ta.ID), "support", map[string]any{"body": "intern note", "internal": true}, 201)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", ta.ID), "support", map[string]any{"body": "Vi ser på det"}, 201)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", ta.ID), "member", map[string]any{"body": "hemmeligt", "internal": true}, 403)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", ta.ID), "member", map[string]any{"body": "Tak"}, 201)
	staff, member := e.ticket(t, "support", ta.ID), e.ticket(t, "member", ta.ID)
	if len(staff.Comments) != 3 || len(member.Comments) != 2 {
		t.Fatalf("comments: staff %d, member %d", len(staff.Comments), len(member.Comments))
	}
	for _, c := range member.Comments {
		if c.Internal || c.ID == 0 || c.Author == "" || c.At == "" {
			t.Errorf("member sees %+v", c)
		}
	}

	// Vendors see only what is escalated to them.
	e.do(t, "GET", fmt.Sprintf("/tickets/%d", ta.ID), "vendor", nil, 404)
	var esc ticket
	webtest.DecodeInto(t, e.do(t, "POST", fmt.Sprintf("/tickets/%d/escalate", ta.ID), "support",
		map[string]any{"vendor_id": e.vendor.ID, "vendor_ref": "MT-778"}, 200), &esc)
	if esc.Status != "escalated" || esc.VendorID == nil || *esc.VendorID != e.vendor.ID || esc.OLADue == nil {
		t.Fatalf("escalated: %+v", esc)
	}
	// ola_due: the contract's 24 resolution hours from the escalation.
	if d := utc(*esc.OLADue).Sub(time.Now()); d < 23*time.Hour+59*time.Minute || d > 24*time.Hour {
		t.Errorf("ola_due %s is %v away, want 24 h", *esc.OLADue, d)
	}
	var esc2 ticket
	webtest.DecodeInto(t, e.do(t, "POST", fmt.Sprintf("/tickets/%d/escalate", tb.ID), "admin", map[string]any{"vendor_id": e.vendor2.ID}, 200), &esc2)
	if esc2.Status != "escalated" || esc2.OLADue != nil {
		t.Errorf("vendor without a contract: %s, ola_due %v", esc2.Status, esc2.OLADue)
	}
	seen := e.ticket(t, "vendor", ta.ID)
	if seen.CitizenRf != nil || len(seen.Comments) != 2 {
		t.Errorf("vendor sees citizen %v, %d comments", seen.CitizenRf, len(seen.Comments))
	}
	e.do(t, "GET", fmt.Sprintf("/tickets/%d", tb.ID), "vendor", nil, 404)
	webtest.DecodeInto(t, e.do(t, "GET", "/tickets", "vendor", nil, 200), &list)
	if len(list.Items) != 1 || list.Items[0].ID != ta.ID {
		t.Fatalf("vendor's list: %+v", list.Items)
	}
	webtest.DecodeInto(t, e.do(t, "GET", fmt.Sprintf("/tickets?vendor_id=%d", e.vendor2.ID), "support", nil, 200), &list)
	if len(list.Items) != 1 || list.Items[0].ID != tb.ID {
		t.Fatalf("vendor_id filter: %+v", list.Items)
	}
	// The vendor comments and resolves, nothing else.
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", ta.ID), "vendor", map[string]any{"body": "Reservedel sendt"}, 201)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/comments", ta.ID), "vendor", map[string]any{"body": "x", "internal": true}, 403)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/status", ta.ID), "vendor", map[string]any{"status": "open"}, 403)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/status", tb.ID), "vendor", map[string]any{"status": "resolved"}, 404)
	var res ticket
	webtest.DecodeInto(t, e.do(t, "POST", fmt.Sprintf("/tickets/%d/status", ta.ID), "vendor", map[string]any{"status": "resolved", "note": "byttet"}, 200), &res)
	if res.Status != "resolved" || res.SLA.ResolvedAt == nil {
		t.Fatalf("vendor resolved: %+v", res)
	}
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/escalate", ta.ID), "vendor", map[string]any{"vendor_id": e.vendor.ID}, 403)
}
