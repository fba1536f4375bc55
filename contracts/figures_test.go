package contracts_test

import (
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
)

func TestMemberFiguresOverTime(t *testing.T) {
	f := newFix(t)
	f.today = d("2025-03-10")
	m := f.member(t, "751") // 1000 / 200 from today
	add := func(from string, inh int64, inh65 *int64) (*contracts.Figures, error) {
		return f.svc.AddFigures(f.ctx, m.ID, contracts.NewFigures{ValidFrom: d(from), Inhabitants: &inh, Inhabitants65Plus: inh65})
	}
	if _, err := add("2024-01-01", 900, ore(150)); err != nil {
		t.Fatal(err)
	}
	if _, err := add("2025-01-01", 950, nil); err != nil { // 65+ not known
		t.Fatal(err)
	}
	if _, err := add("2026-01-01", 1100, ore(260)); err != nil {
		t.Fatal(err)
	}
	_, err := add("2024-01-01", 1, ore(0))
	wantKind(t, err, apperr.KindConflict, "same valid_from twice")
	_, err = add("2024-02-01", 10, ore(11))
	if codesOf(err)["inhabitants_65_plus"] != "not_above" {
		t.Fatalf("65+ above inhabitants: %v", err)
	}
	_, err = f.svc.AddFigures(f.ctx, m.ID, contracts.NewFigures{})
	if got := codesOf(err); got["valid_from"] != "required" || got["inhabitants"] != "required" {
		t.Fatalf("empty figures: %v", got)
	}
	_, err = f.svc.AddFigures(f.ctx, m.ID+99, contracts.NewFigures{ValidFrom: d("2024-01-01"), Inhabitants: ore(1)})
	wantKind(t, err, apperr.KindNotFound, "unknown member")

	got, err := f.svc.GetMember(f.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Inhabitants != 1000 || got.Inhabitants65Plus != 200 || !got.Inhabitants65PlusKnown || got.FiguresValidFrom != f.today {
		t.Fatalf("today's figures = %d/%d known %v from %s", got.Inhabitants, got.Inhabitants65Plus, got.Inhabitants65PlusKnown, got.FiguresValidFrom)
	}
	var froms []string
	for _, x := range got.Figures {
		froms = append(froms, x.ValidFrom.String())
	}
	if want := "[2024-01-01 2025-01-01 2025-03-10 2026-01-01]"; fmtList(froms) != want {
		t.Fatalf("figures = %v, want %s oldest first", froms, want)
	}
	for _, x := range []struct {
		day  string
		inh  int64
		none bool
	}{{"2023-12-31", 0, true}, {"2024-12-31", 900, false}, {"2025-01-01", 950, false}, {"2025-03-09", 950, false}, {"2025-03-10", 1000, false}, {"2027-01-01", 1100, false}} {
		fs, err := f.svc.FiguresOn(f.ctx, m.ID, d(x.day))
		switch {
		case x.none && !apperr.Is(err, apperr.KindNotFound):
			t.Errorf("figures on %s = %+v, %v; want none", x.day, fs, err)
		case !x.none && (err != nil || fs.Inhabitants != x.inh):
			t.Errorf("figures on %s = %+v, %v; want %d", x.day, fs, err, x.inh)
		}
	}
	if fs, _ := f.svc.FiguresOn(f.ctx, m.ID, d("2025-02-01")); fs.Inhabitants65Plus != nil {
		t.Fatalf("65+ on 2025-02-01 = %d, want unknown", *fs.Inhabitants65Plus)
	}
	// A year later the figures dated 2026-01-01 hold: the read overlays them at once, the
	// daily sync puts them in the member's columns.
	f.today = d("2026-01-01")
	ms, _, err := f.svc.ListMembers(f.ctx, contracts.MemberFilter{Limit: 10})
	if err != nil || ms[0].Inhabitants != 1100 || ms[0].Inhabitants65Plus != 260 {
		t.Fatalf("list on 2026-01-01 = %+v, %v", ms, err)
	}
	if n, err := f.svc.SyncMemberFigures(f.ctx); err != nil || n != 1 {
		t.Fatalf("sync changed %d, %v; want 1", n, err)
	}
	if n, err := f.svc.SyncMemberFigures(f.ctx); err != nil || n != 0 {
		t.Fatalf("second sync changed %d, %v; want 0", n, err)
	}
	var cols struct{ Inhabitants, Inhabitants65Plus int64 }
	testenvConn(f).Table("members").Select("inhabitants, inhabitants_65_plus AS inhabitants65_plus").Where("id = ?", m.ID).Scan(&cols)
	if cols.Inhabitants != 1100 || cols.Inhabitants65Plus != 260 {
		t.Fatalf("columns = %+v", cols)
	}
	all, err := f.svc.AllFiguresOn(f.ctx, d("2025-02-01"))
	if err != nil || all[m.ID].Inhabitants != 950 {
		t.Fatalf("all figures = %+v, %v", all, err)
	}
	mctx := f.as(auth.Principal{UserID: 3, Name: "n", Role: auth.RoleMember, MemberID: &m.ID})
	if _, err := f.svc.AddFigures(mctx, m.ID, contracts.NewFigures{ValidFrom: d("2027-01-01"), Inhabitants: ore(1)}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member adds figures: %v", err)
	}
	other := f.member(t, "657")
	if _, err := f.svc.FiguresOn(mctx, other.ID, d("2026-01-01")); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("member reads another's figures: %v", err)
	}
}

// PATCHing a member's figures sets the figures from today: a set recorded today is
// replaced, otherwise one is added; a patch that changes nothing adds nothing.
func TestUpdateMemberWritesTodaysFigures(t *testing.T) {
	f := newFix(t)
	f.today = d("2025-03-10")
	m := f.member(t, "751")
	f.today = d("2025-04-01")
	name := "Aarhus Kommune"
	if _, err := f.svc.UpdateMember(f.ctx, m.ID, contracts.MemberPatch{Name: &name, Inhabitants: ore(1000), Inhabitants65Plus: ore(200)}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetMember(f.ctx, m.ID)
	if len(got.Figures) != 1 || got.Name != name {
		t.Fatalf("unchanged figures added a set: %+v", got.Figures)
	}
	got, err := f.svc.UpdateMember(f.ctx, m.ID, contracts.MemberPatch{Inhabitants: ore(1200)})
	if err != nil || got.Inhabitants != 1200 || got.Inhabitants65Plus != 200 || len(got.Figures) != 2 || got.FiguresValidFrom != f.today {
		t.Fatalf("after patch = %+v, %v", got, err)
	}
	got, err = f.svc.UpdateMember(f.ctx, m.ID, contracts.MemberPatch{Inhabitants65Plus: ore(300)})
	if err != nil || got.Inhabitants != 1200 || got.Inhabitants65Plus != 300 || len(got.Figures) != 2 {
		t.Fatalf("second patch the same day = %+v, %v; want today's set replaced", got, err)
	}
	_, err = f.svc.UpdateMember(f.ctx, m.ID, contracts.MemberPatch{Inhabitants: ore(100)})
	if codesOf(err)["inhabitants_65_plus"] != "not_above" {
		t.Fatalf("inhabitants under 65+: %v", err)
	}
	old, _ := f.svc.FiguresOn(f.ctx, m.ID, d("2025-03-31"))
	if old.Inhabitants != 1000 || *old.Inhabitants65Plus != 200 {
		t.Fatalf("March figures changed: %+v", old)
	}
	es, _, _ := audit.List(f.ctx, audit.Filter{Entity: "member", EntityID: m.ID, Limit: 20})
	var actions []string
	for _, e := range es {
		if e.Action != "update" {
			actions = append(actions, e.Action)
		}
	}
	if want := "[update_figures add_figures add_figures create]"; fmtList(actions) != want {
		t.Fatalf("member's audit trail = %v, want %s (newest first)", actions, want)
	}
}

func fmtList(xs []string) string {
	s := "["
	for i, x := range xs {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s + "]"
}
