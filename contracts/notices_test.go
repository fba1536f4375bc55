package contracts_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/notice"
	"github.com/fsc/backoffice/internal/testenv"
)

func noticeKeys(t *testing.T, f *fix, role auth.Role) []string {
	t.Helper()
	ns, _, err := notice.List(f.as(auth.Principal{Name: "x", Role: role}), notice.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.DedupeKey)
	}
	sort.Strings(out)
	return out
}

// The daily check raises a notice 90 days before a notice deadline and before an end,
// once each across repeated runs, and again for the new dates after an extension.
func TestNoticeCheckOncePerDeadline(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "K-1", v, "2023-06-01", "2025-05-31", 12) // deadline 2025-02-28
	f.contract(t, "K-2", v, "2023-06-01", "2027-05-31")          // far away
	sys := testenv.As(f.ctx, auth.System)
	run := func(today string) int {
		t.Helper()
		f.today = d(today)
		if err := f.svc.HandleNoticeCheck(sys, nil); err != nil {
			t.Fatal(err)
		}
		// A second run the same day (a retry, a second scheduler) raises nothing.
		if n, err := f.svc.CheckNotices(sys); err != nil || n != 0 {
			t.Fatalf("second run on %s raised %d, %v", today, n, err)
		}
		return len(noticeKeys(t, f, auth.RoleAdmin))
	}
	if run("2024-11-29") != 0 {
		t.Fatalf("91 days before the deadline: notices %v", noticeKeys(t, f, auth.RoleAdmin))
	}
	run("2024-11-30") // 90 days before 2025-02-28
	key := func(what, on string) string { return fmt.Sprintf("contract:%d:%s:%s", c.ID, what, on) }
	want := []string{key("notice-deadline", "2025-02-28")}
	if got := noticeKeys(t, f, auth.RoleFinance); !equalStrings(got, want) {
		t.Fatalf("finance sees %v, want %v", got, want)
	}
	run("2024-12-15")
	run("2025-03-02") // 90 days before 2025-05-31; the deadline has passed
	want = append(want, key("end", "2025-05-31"))
	sort.Strings(want)
	if got := noticeKeys(t, f, auth.RoleAdmin); !equalStrings(got, want) {
		t.Fatalf("admin sees %v, want %v", got, want)
	}
	if got := noticeKeys(t, f, auth.RoleLogistics); len(got) != 0 {
		t.Fatalf("logistics sees %v", got)
	}
	// Extended by 12 months: ends 2026-05-31, notice by 2026-02-28; new notices when
	// those come near, none twice.
	f.today = d("2025-03-02")
	if _, err := f.svc.Extend(f.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	run("2025-12-01")
	run("2026-03-02")
	run("2026-03-03")
	want = append(want, key("end", "2026-05-31"), key("notice-deadline", "2026-02-28"))
	sort.Strings(want)
	if got := noticeKeys(t, f, auth.RoleAdmin); !equalStrings(got, want) {
		t.Fatalf("after the extension admin sees %v, want %v", got, want)
	}
	ns, _, _ := notice.List(f.as(auth.Principal{Name: "x", Role: auth.RoleAdmin}), notice.Filter{Code: contracts.NoticeDeadlineNear, Limit: 1})
	if len(ns) != 1 || ns[0].Args[0] != "K-1" || ns[0].Args[2] != "2026-02-28" || ns[0].Entity != "contract" || ns[0].EntityID != c.ID {
		t.Fatalf("newest deadline notice = %+v", ns)
	}
}

func TestNoticeDaysConfigurable(t *testing.T) {
	f := newFix(t)
	f.svc.NoticeDays = 30
	v := f.vendor(t, "Viewcare A/S", "29190925")
	f.contract(t, "K-1", v, "2023-06-01", "2025-05-31") // deadline 2025-02-28
	sys := testenv.As(f.ctx, auth.System)
	f.today = d("2025-01-28") // 31 days before
	if n, err := f.svc.CheckNotices(sys); err != nil || n != 0 {
		t.Fatalf("31 days before with 30 configured: %d, %v", n, err)
	}
	f.today = d("2025-01-29")
	if n, err := f.svc.CheckNotices(sys); err != nil || n != 1 {
		t.Fatalf("30 days before: %d, %v", n, err)
	}
}

type registry struct {
	handlers map[string]bool
	every    []string
}

func (r *registry) Handle(typ string, _ asynqHandler) { r.handlers[typ] = true }
func (r *registry) Every(spec, typ string, _ durationT) {
	r.every = append(r.every, typ)
}

func TestRegisterJobs(t *testing.T) {
	r := &registry{handlers: map[string]bool{}}
	contracts.NewService().RegisterJobs(r)
	if !r.handlers[contracts.TypeNoticeCheck] || !r.handlers[contracts.TypeFiguresSync] || len(r.every) != 2 {
		t.Fatalf("registered %v, scheduled %v", r.handlers, r.every)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
