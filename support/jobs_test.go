package support_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/support"
)

func (f *fixture) checkSLAs(t *testing.T) int {
	t.Helper()
	n, err := f.svc.CheckSLAs(f.sys)
	must(t, err)
	return n
}

// The job raises 80 % and breach notices once each per ticket and due time, none while
// the clock stands still or once the due time is met.
func TestSLANoticesOnceEach(t *testing.T) {
	f := setup(t)
	r := utc("2026-06-04T07:00:00Z") // high: first response 08:00Z (80 %: 07:48Z), resolution Mon 8 June 07:00Z
	f.set(r)
	tk := f.create(t, f.phone(support.High, &r))
	paused := f.create(t, f.phone(support.High, &r))
	f.status(t, f.agent, paused.ID, support.Pending)
	answered := f.create(t, f.phone(support.High, &r))
	_, err := f.svc.AddComment(f.agent, answered.ID, support.CommentInput{Body: "Vi kigger på det"})
	must(t, err)
	key := func(id int64, which, th string) string { return fmt.Sprintf("support:sla:%d:%s:%s", id, which, th) }

	f.set(utc("2026-06-04T07:47:59Z"))
	if n := f.checkSLAs(t); n != 0 {
		t.Fatalf("before 80 %%: %d notices", n)
	}
	f.set(utc("2026-06-04T07:48:00Z"))
	if n := f.checkSLAs(t); n != 1 || !slices.Equal(f.notes.keys(), []string{key(tk.ID, "first_response", "80")}) {
		t.Fatalf("at 80 %%: %d, %v", n, f.notes.keys())
	}
	if n := f.checkSLAs(t); n != 0 {
		t.Fatalf("second run raised %d", n)
	}
	f.set(utc("2026-06-04T08:00:01Z"))
	if n := f.checkSLAs(t); n != 1 {
		t.Fatalf("at breach: %d, %v", n, f.notes.keys())
	}
	note := f.notes.byKey[key(tk.ID, "first_response", "breach")]
	if note.Kind != support.NoticeSLABreached || !slices.Equal(note.Audience, []auth.Role{auth.RoleSupport}) ||
		note.EntityID != tk.ID || note.Args[0] != tk.Number || note.Args[2] != "2026-06-04T08:00:00Z" {
		t.Fatalf("breach notice %+v", note)
	}
	// Days later, the resolution's turn: its 80 % and breach found at once raise only
	// the breach; nothing for the paused ticket, nor the answered one's first response.
	f.set(utc("2026-06-09T12:00:00Z"))
	if n := f.checkSLAs(t); n != 2 {
		t.Fatalf("resolution: %d, %v", n, f.notes.keys())
	}
	want := []string{key(tk.ID, "first_response", "80"), key(tk.ID, "first_response", "breach"),
		key(tk.ID, "resolution", "breach"), key(answered.ID, "resolution", "breach")}
	got := f.notes.keys()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("notices %v\nwant %v", got, want)
	}
	if n := f.checkSLAs(t); n != 0 || f.notes.calls != 4 {
		t.Fatalf("a third run raised %d (calls %d)", n, f.notes.calls)
	}
	// Back from pending days later, the paused ticket has its full remaining time.
	f.status(t, f.agent, paused.ID, support.Open)
	if n := f.checkSLAs(t); n != 0 {
		t.Fatalf("resumed ticket: %d", n)
	}
	f.set(f.now().Add(24 * time.Hour))
	if n := f.checkSLAs(t); n == 0 {
		t.Fatal("resumed ticket never warned")
	}
}
