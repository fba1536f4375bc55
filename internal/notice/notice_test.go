package notice_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/notice"
	"github.com/fsc/backoffice/internal/testenv"
)

var testCode = notice.NewCode("test_notice")

func setup(t *testing.T) context.Context {
	g := testenv.DB(t)
	return testenv.As(testenv.Context(t, g), auth.System)
}

func raise(t *testing.T, ctx context.Context, n notice.Notice) bool {
	t.Helper()
	isNew, err := notice.Raise(ctx, &n)
	if err != nil {
		t.Fatal(err)
	}
	return isNew
}

func TestRaiseIsIdempotentPerKey(t *testing.T) {
	ctx := setup(t)
	n := notice.Notice{Code: testCode, Args: []string{"K-1", "2025-02-28"}, Audience: []auth.Role{auth.RoleFinance, auth.RoleAdmin, auth.RoleAdmin},
		Entity: "contract", EntityID: 7, DedupeKey: "contract:7:deadline:2025-02-28"}
	if !raise(t, ctx, n) {
		t.Fatal("first raise not new")
	}
	if raise(t, ctx, n) {
		t.Fatal("second raise with the same key was new")
	}
	n.DedupeKey = "contract:7:deadline:2026-02-28"
	if !raise(t, ctx, n) {
		t.Fatal("a new key must raise a new notice")
	}
	ns, next, err := notice.List(ctx, notice.Filter{})
	if err != nil || len(ns) != 2 || next != 0 {
		t.Fatalf("list = %+v, %d, %v", ns, next, err)
	}
	if got := ns[0]; got.DedupeKey != n.DedupeKey || len(got.Audience) != 2 || got.Args[1] != "2025-02-28" || got.Code != testCode {
		t.Fatalf("newest = %+v", got)
	}
}

func TestRaiseJoinsTheCallersTransaction(t *testing.T) {
	ctx := setup(t)
	boom := errors.New("boom")
	err := db.WithTx(ctx, func(ctx context.Context) error {
		raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleAdmin}, DedupeKey: "k1"})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if ns, _, _ := notice.List(ctx, notice.Filter{}); len(ns) != 0 {
		t.Fatalf("rolled-back notice listed: %+v", ns)
	}
	if !raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleAdmin}, DedupeKey: "k1"}) {
		t.Fatal("key of a rolled-back notice must be free")
	}
}

func TestRaiseRefusesIncompleteNotices(t *testing.T) {
	ctx := setup(t)
	for _, n := range []notice.Notice{
		{Audience: []auth.Role{auth.RoleAdmin}, DedupeKey: "k"},
		{Code: testCode, Audience: []auth.Role{auth.RoleAdmin}},
		{Code: testCode, DedupeKey: "k"},
		{Code: testCode, Audience: []auth.Role{"boss"}, DedupeKey: "k"},
	} {
		if _, err := notice.Raise(ctx, &n); err == nil {
			t.Errorf("Raise(%+v) succeeded", n)
		}
	}
}

func TestListByRoleMemberAndVendor(t *testing.T) {
	ctx := setup(t)
	m1, m2, v1 := int64(1), int64(2), int64(1)
	raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleAdmin, auth.RoleFinance}, DedupeKey: "staff"})
	raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleLogistics}, DedupeKey: "logistics"})
	raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleMember, auth.RoleAdmin}, MemberID: &m1, DedupeKey: "member1"})
	raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleMember}, MemberID: &m2, DedupeKey: "member2"})
	raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleVendor}, VendorID: &v1, DedupeKey: "vendor1"})
	keys := func(p auth.Principal) []string {
		ns, _, err := notice.List(testenv.As(ctx, p), notice.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range ns {
			out = append(out, n.DedupeKey)
		}
		return out
	}
	other := int64(9)
	for _, c := range []struct {
		p    auth.Principal
		want []string
	}{
		{auth.Principal{Role: auth.RoleAdmin}, []string{"member1", "staff"}},
		{auth.Principal{Role: auth.RoleFinance}, []string{"staff"}},
		{auth.Principal{Role: auth.RoleLogistics}, []string{"logistics"}},
		{auth.Principal{Role: auth.RoleSupport}, nil},
		{auth.Principal{Role: auth.RoleMember, MemberID: &m1}, []string{"member1"}},
		{auth.Principal{Role: auth.RoleMember, MemberID: &m2}, []string{"member2"}},
		{auth.Principal{Role: auth.RoleVendor, VendorID: &v1}, []string{"vendor1"}},
		{auth.Principal{Role: auth.RoleVendor, VendorID: &other}, nil},
		{auth.Principal{Role: auth.RoleVendor}, nil},
	} {
		got := keys(c.p)
		if len(got) != len(c.want) {
			t.Errorf("%s %v sees %v, want %v", c.p.Role, c.p.MemberID, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s sees %v, want %v", c.p.Role, got, c.want)
			}
		}
	}
	if _, _, err := notice.List(context.Background(), notice.Filter{}); err == nil {
		t.Fatal("List without a principal succeeded")
	}
}

func TestListPagesNewestFirst(t *testing.T) {
	ctx := setup(t)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		raise(t, ctx, notice.Notice{Code: testCode, Audience: []auth.Role{auth.RoleAdmin}, Entity: "product", EntityID: 1, DedupeKey: k})
	}
	admin := testenv.As(ctx, auth.Principal{Role: auth.RoleAdmin})
	var got []string
	f := notice.Filter{Limit: 2, Code: testCode, Entity: "product", EntityID: 1}
	for {
		ns, next, err := notice.List(admin, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			got = append(got, n.DedupeKey)
		}
		if next == 0 {
			break
		}
		f.Before = next
	}
	if len(got) != 5 || got[0] != "e" || got[4] != "a" {
		t.Fatalf("pages = %v, want e…a", got)
	}
}
