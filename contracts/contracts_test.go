package contracts_test

import (
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
)

func TestCreateContractRules(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	sc, err := f.svc.CreateScheme(f.ctx, contracts.NewScheme{Code: "copd", Name: "KOL"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.CreateContract(f.ctx, contracts.NewContract{Number: "FSC-2024-01", Title: "Tablets", VendorID: v.ID, SchemeID: &sc.ID,
		TenderRef: "EU 2023/S 123-456789", StartsOn: d("2024-06-01"), EndsOn: d("2025-05-31"), NoticeMonths: months(3),
		Extensions: []contracts.NewExtension{{Months: 12}, {Months: 12}}, SLA: &contracts.SLA{ResponseHours: 4, ResolutionHours: 16}})
	if err != nil {
		t.Fatal(err)
	}
	if c.NoticeDeadline != d("2025-02-28") || c.Status != contracts.StatusActive || c.ExtensionsLeft != 2 ||
		c.SLA == nil || c.SLA.ResolutionHours != 16 || c.VendorName != "Viewcare A/S" || c.SchemeCode == nil || *c.SchemeCode != "copd" {
		t.Fatalf("contract = %+v", c)
	}
	_, err = f.svc.CreateContract(f.ctx, contracts.NewContract{Number: "FSC-2024-01", Title: "Again", VendorID: v.ID,
		StartsOn: d("2024-01-01"), EndsOn: d("2024-12-31"), NoticeMonths: months(1)})
	wantKind(t, err, apperr.KindConflict, "number in use")
	if codesOf(err)["number"] != "taken" {
		t.Fatalf("number in use: %v", err)
	}
	unknown := sc.ID + 99
	_, err = f.svc.CreateContract(f.ctx, contracts.NewContract{Number: "X-1", Title: "Bad", VendorID: v.ID + 99, SchemeID: &unknown,
		StartsOn: d("2024-01-01"), EndsOn: d("2023-12-31"), NoticeMonths: months(1)})
	if got := codesOf(err); got["ends_on"] != "ends_before_starts" || len(got) != 1 {
		t.Fatalf("ends before starts: %v", got)
	}
	_, err = f.svc.CreateContract(f.ctx, contracts.NewContract{Number: "X-1", Title: "Bad", VendorID: v.ID + 99, SchemeID: &unknown,
		StartsOn: d("2024-01-01"), EndsOn: d("2024-01-01"), NoticeMonths: months(1)})
	if got := codesOf(err); got["vendor_id"] != "unknown" || got["scheme_id"] != "unknown" {
		t.Fatalf("unknown vendor and scheme: %v", got)
	}
	_, err = f.svc.CreateContract(f.ctx, contracts.NewContract{Number: " ", Title: "T", VendorID: v.ID,
		StartsOn: d("2024-01-01"), EndsOn: d("2024-12-31"), Extensions: []contracts.NewExtension{{Months: 0}},
		SLA: &contracts.SLA{ResponseHours: 8, ResolutionHours: 4}})
	want := map[string]string{"number": "required", "notice_months": "required", "extensions[0].months": "out_of_range",
		"sla.resolution_hours": "resolution_under_response"}
	for k, c := range want {
		if codesOf(err)[k] != c {
			t.Errorf("field %s: %q, want %q (all: %v)", k, codesOf(err)[k], c, codesOf(err))
		}
	}
	sup := f.as(auth.Principal{Name: "s", Role: auth.RoleSupport})
	_, err = f.svc.CreateContract(sup, contracts.NewContract{Number: "S-1", Title: "T", VendorID: v.ID, StartsOn: d("2024-01-01"), EndsOn: d("2024-12-31"), NoticeMonths: months(1)})
	wantKind(t, err, apperr.KindForbidden, "support creates a contract")
	fin := f.as(auth.Principal{Name: "f", Role: auth.RoleFinance})
	if _, err := f.svc.CreateContract(fin, contracts.NewContract{Number: "F-1", Title: "T", VendorID: v.ID, StartsOn: d("2024-01-01"), EndsOn: d("2024-12-31"), NoticeMonths: months(0)}); err != nil {
		t.Fatalf("finance creates a contract: %v", err)
	}
}

func TestNoticeDeadlineClamps(t *testing.T) {
	for _, c := range []struct {
		ends   string
		months int
		want   string
	}{
		{"2025-05-31", 3, "2025-02-28"},
		{"2024-05-31", 3, "2024-02-29"},
		{"2025-12-31", 6, "2025-06-30"},
		{"2025-11-30", 3, "2025-08-30"},
		{"2025-03-15", 1, "2025-02-15"},
		{"2025-03-31", 0, "2025-03-31"},
		{"2026-02-28", 12, "2025-02-28"},
	} {
		if got := contracts.NoticeDeadline(d(c.ends), c.months); got != d(c.want) {
			t.Errorf("NoticeDeadline(%s, %d) = %s, want %s", c.ends, c.months, got, c.want)
		}
	}
}

func TestStatusByDate(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "C-1", v, "2025-03-10", "2025-03-31")
	for _, x := range []struct {
		today string
		want  contracts.Status
	}{
		{"2025-03-09", contracts.StatusUpcoming},
		{"2025-03-10", contracts.StatusActive},
		{"2025-03-31", contracts.StatusActive},
		{"2025-04-01", contracts.StatusExpired},
	} {
		f.today = d(x.today)
		got, err := f.svc.GetContract(f.ctx, c.ID)
		if err != nil || got.Status != x.want {
			t.Errorf("on %s: status %v, %v; want %s", x.today, got.Status, err, x.want)
		}
		cs, _, err := f.svc.ListContracts(f.ctx, contracts.ContractFilter{Status: x.want})
		if err != nil || len(cs) != 1 {
			t.Errorf("on %s: list by status %s = %d contracts, %v", x.today, x.want, len(cs), err)
		}
	}
}

func TestExtendUntilNoneLeft(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "C-1", v, "2024-01-01", "2025-01-31", 1, 12)
	if c.NoticeDeadline != d("2024-10-31") {
		t.Fatalf("deadline = %s", c.NoticeDeadline)
	}
	c, err := f.svc.Extend(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 31 January + 1 month is 28 February; the deadline follows, 3 months before.
	if c.EndsOn != d("2025-02-28") || c.NoticeDeadline != d("2024-11-28") || c.ExtensionsLeft != 1 {
		t.Fatalf("after the first extension: ends %s, deadline %s, left %d", c.EndsOn, c.NoticeDeadline, c.ExtensionsLeft)
	}
	if e := c.Extensions[0]; !e.Used() || e.EndsBefore != d("2025-01-31") || e.EndsAfter != d("2025-02-28") || e.UsedBy != admin.Name {
		t.Fatalf("used option = %+v", e)
	}
	if cs, _, err := f.svc.ListContracts(f.ctx, contracts.ContractFilter{}); err != nil || cs[0].ExtensionsLeft != 1 || cs[0].Extensions != nil {
		t.Fatalf("list after one extension = %+v, %v; want 1 left, counted without the options", cs, err)
	}
	c, err = f.svc.Extend(f.ctx, c.ID)
	if err != nil || c.EndsOn != d("2026-02-28") || c.ExtensionsLeft != 0 {
		t.Fatalf("second extension: %+v, %v", c, err)
	}
	_, err = f.svc.Extend(f.ctx, c.ID)
	wantKind(t, err, apperr.KindConflict, "no option left")
	_, err = f.svc.Extend(f.ctx, c.ID+99)
	wantKind(t, err, apperr.KindNotFound, "unknown contract")
	es, _, err := audit.List(f.ctx, audit.Filter{Entity: "contract", EntityID: c.ID, Limit: 10})
	if err != nil || len(es) != 3 || es[0].Action != "extend" || es[1].Action != "extend" {
		t.Fatalf("audit = %d entries, %v; want create and two extends", len(es), err)
	}
}

func TestListContractsFilters(t *testing.T) {
	f := newFix(t)
	f.today = d("2025-01-01")
	v := f.vendor(t, "Viewcare A/S", "29190925")
	w := f.vendor(t, "Logistik ApS", "24256790")
	sc, _ := f.svc.CreateScheme(f.ctx, contracts.NewScheme{Code: "copd", Name: "KOL"})
	soonEnd := f.contract(t, "A", v, "2023-01-01", "2025-02-15")    // ends in 45 days, deadline passed
	soonNotice := f.contract(t, "B", v, "2023-01-01", "2025-06-30") // deadline 2025-03-30: 88 days
	later := f.contract(t, "C", w, "2023-01-01", "2026-12-31")      // far away
	expired := f.contract(t, "D", w, "2022-01-01", "2024-12-31")    // ended yesterday
	upcoming, err := f.svc.CreateContract(f.ctx, contracts.NewContract{Number: "E", Title: "Ny", VendorID: w.ID, SchemeID: &sc.ID,
		StartsOn: d("2025-02-01"), EndsOn: d("2027-01-31"), NoticeMonths: months(3)})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(cs []contracts.Contract) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	n := func(x int) *int { return &x }
	for _, tc := range []struct {
		name string
		f    contracts.ContractFilter
		want []int64
	}{
		{"all", contracts.ContractFilter{}, []int64{soonEnd.ID, soonNotice.ID, later.ID, expired.ID, upcoming.ID}},
		{"vendor", contracts.ContractFilter{VendorID: w.ID}, []int64{later.ID, expired.ID, upcoming.ID}},
		{"scheme", contracts.ContractFilter{SchemeID: sc.ID}, []int64{upcoming.ID}},
		{"active", contracts.ContractFilter{Status: contracts.StatusActive}, []int64{soonEnd.ID, soonNotice.ID, later.ID}},
		{"expired", contracts.ContractFilter{Status: contracts.StatusExpired}, []int64{expired.ID}},
		{"upcoming", contracts.ContractFilter{Status: contracts.StatusUpcoming}, []int64{upcoming.ID}},
		{"within 90", contracts.ContractFilter{ExpiringWithinDays: n(90)}, []int64{soonEnd.ID, soonNotice.ID}},
		{"within 87", contracts.ContractFilter{ExpiringWithinDays: n(87)}, []int64{soonEnd.ID}},
		{"within 88", contracts.ContractFilter{ExpiringWithinDays: n(88)}, []int64{soonEnd.ID, soonNotice.ID}},
		{"within 0", contracts.ContractFilter{ExpiringWithinDays: n(0)}, nil},
		{"by deadline", contracts.ContractFilter{Sort: contracts.SortByDeadline, Status: contracts.StatusActive}, []int64{soonEnd.ID, soonNotice.ID, later.ID}},
		{"query", contracts.ContractFilter{Query: "kontrakt c"}, []int64{later.ID}},
	} {
		cs, _, err := f.svc.ListContracts(f.ctx, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := ids(cs); !equalIDs(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// Keyset pages by deadline, one contract each, in deadline order.
	var got []int64
	filter := contracts.ContractFilter{Sort: contracts.SortByDeadline, Limit: 2}
	for {
		cs, next, err := f.svc.ListContracts(f.ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(cs)...)
		if next == 0 {
			break
		}
		filter.After = next
	}
	// Deadlines: A 2024-11-15, B 2025-03-30, C 2026-09-30, D 2024-09-30, E 2026-10-31.
	if want := []int64{expired.ID, soonEnd.ID, soonNotice.ID, later.ID, upcoming.ID}; !equalIDs(got, want) {
		t.Fatalf("pages by deadline = %v, want %v", got, want)
	}
	_, _, err = f.svc.ListContracts(f.ctx, contracts.ContractFilter{Status: "running", ExpiringWithinDays: n(-1)})
	if got := codesOf(err); got["status"] != "one_of" || got["expiring_within_days"] != "out_of_range" {
		t.Fatalf("bad filter: %v", got)
	}
}

func equalIDs(a, b []int64) bool {
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

// A vendor user sees its vendor's contracts only; a member user those it participates
// in, with its own participation only; both get NotFound for the rest.
func TestContractScoping(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	w := f.vendor(t, "Logistik ApS", "24256790")
	cv := f.contract(t, "V-1", v, "2024-01-01", "2026-12-31")
	cw := f.contract(t, "W-1", w, "2024-01-01", "2026-12-31")
	aarhus, herning := f.member(t, "751"), f.member(t, "657")
	for _, m := range []*contracts.Member{aarhus, herning} {
		if _, err := f.svc.AddParticipant(f.ctx, cw.ID, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
	}
	vctx := f.as(auth.Principal{UserID: 5, Name: "v", Role: auth.RoleVendor, VendorID: &v.ID})
	mctx := f.as(auth.Principal{UserID: 6, Name: "m", Role: auth.RoleMember, MemberID: &aarhus.ID})
	lost := f.as(auth.Principal{TokenID: 3, Name: "t", Role: auth.RoleVendor}) // a vendor token without vendor
	for _, x := range []struct {
		name    string
		ctx     contextT
		visible []int64
	}{
		{"vendor", vctx, []int64{cv.ID}},
		{"member", mctx, []int64{cw.ID}},
		{"vendor token without vendor", lost, nil},
	} {
		cs, _, err := f.svc.ListContracts(x.ctx, contracts.ContractFilter{})
		var got []int64
		for _, c := range cs {
			got = append(got, c.ID)
		}
		if err != nil || !equalIDs(got, x.visible) {
			t.Errorf("%s lists %v, %v; want %v", x.name, got, err, x.visible)
		}
		for _, id := range []int64{cv.ID, cw.ID} {
			_, err := f.svc.GetContract(x.ctx, id)
			if seen := err == nil; seen != containsID(x.visible, id) {
				t.Errorf("%s gets contract %d: %v", x.name, id, err)
			} else if !seen {
				wantKind(t, err, apperr.KindNotFound, x.name)
			}
		}
	}
	got, err := f.svc.GetContract(mctx, cw.ID)
	if err != nil || len(got.Participants) != 1 || got.Participants[0].MemberID != aarhus.ID {
		t.Fatalf("member sees participants %+v, %v; want only its own", got.Participants, err)
	}
	if _, err := f.svc.Extend(vctx, cv.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("vendor extends: %v, want forbidden", err)
	}
	mine, err := f.svc.MemberContracts(mctx, aarhus.ID)
	if err != nil || len(mine) != 1 || mine[0].ID != cw.ID {
		t.Fatalf("member's contracts = %+v, %v", mine, err)
	}
	_, err = f.svc.MemberContracts(mctx, herning.ID)
	wantKind(t, err, apperr.KindNotFound, "another member's contracts")
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestUpdateContractMovesDeadline(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "C-1", v, "2024-01-01", "2025-05-31")
	title := "Nyt navn"
	got, err := f.svc.UpdateContract(f.ctx, c.ID, contracts.ContractPatch{Title: &title, NoticeMonths: months(6), SLA: &contracts.SLA{ResponseHours: 2, ResolutionHours: 8}})
	if err != nil || got.Title != title || got.NoticeDeadline != d("2024-11-30") || got.SLA == nil || got.SLA.ResponseHours != 2 {
		t.Fatalf("updated = %+v, %v", got, err)
	}
	_, err = f.svc.UpdateContract(f.ctx, c.ID, contracts.ContractPatch{NoticeMonths: months(-1)})
	if codesOf(err)["notice_months"] != "out_of_range" {
		t.Fatalf("negative notice: %v", err)
	}
	if got.NoticeDaysLeft(d("2024-11-01")) != 29 || got.EndDaysLeft(d("2025-05-30")) != 1 {
		t.Fatalf("days left = %d, %d", got.NoticeDaysLeft(d("2024-11-01")), got.EndDaysLeft(d("2025-05-30")))
	}
	_ = civil.Date{}
}

func TestActiveSLAIsTheContractInForce(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	old := f.contract(t, "C-OLD", v, "2024-01-01", "2024-12-31")
	cur := f.contract(t, "C-NEW", v, "2025-01-01", "2026-12-31")
	f.contract(t, "C-NOSLA", v, "2025-06-01", "2026-12-31") // later, but without terms
	for _, u := range []struct {
		id        int64
		resp, res int
	}{{old.ID, 1, 4}, {cur.ID, 2, 8}} {
		if _, err := f.svc.UpdateContract(f.ctx, u.id, contracts.ContractPatch{SLA: &contracts.SLA{ResponseHours: u.resp, ResolutionHours: u.res}}); err != nil {
			t.Fatal(err)
		}
	}
	at := func(s string) time.Time { x, _ := time.Parse(time.RFC3339, s); return x }
	for _, x := range []struct {
		at        string
		resp, res int
		ok        bool
	}{
		{"2024-06-01T10:00:00Z", 1, 4, true},
		{"2024-12-31T23:30:00Z", 2, 8, true}, // already 1 January in Copenhagen (UTC+1)
		{"2026-07-01T10:00:00Z", 2, 8, true},
		{"2027-01-05T10:00:00Z", 0, 0, false},
	} {
		resp, res, ok, err := f.svc.ActiveSLA(f.ctx, v.ID, at(x.at))
		if err != nil || ok != x.ok || resp != x.resp || res != x.res {
			t.Errorf("at %s: %d/%d ok=%v err=%v; want %d/%d ok=%v", x.at, resp, res, ok, err, x.resp, x.res, x.ok)
		}
	}
}
