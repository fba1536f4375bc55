package contracts_test

import (
	"context"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/testenv"
)

var admin = auth.Principal{UserID: 1, Name: "admin@example.dk", Role: auth.RoleAdmin}

func setup(t *testing.T) (context.Context, *contracts.Service) {
	g := testenv.DB(t)
	return testenv.As(testenv.Context(t, g), admin), contracts.NewService()
}

func newMember(t *testing.T, ctx context.Context, s *contracts.Service, code string) *contracts.Member {
	t.Helper()
	m, err := s.CreateMember(ctx, contracts.NewMember{Code: contracts.Code(code), Name: "Kommune " + code, Kind: "municipality", EAN: "5798000416604", Inhabitants: 1000, Inhabitants65Plus: 200})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*apperr.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Message
		}
	}
	return out
}

func TestCreateMemberValidates(t *testing.T) {
	ctx, s := setup(t)
	_, err := s.CreateMember(ctx, contracts.NewMember{Code: "", Kind: "county", EAN: "5798000416605", Inhabitants: 10, Inhabitants65Plus: 11})
	if !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	f := fieldsOf(err)
	for _, want := range []string{"code", "name", "kind", "ean", "inhabitants_65_plus"} {
		if f[want] == "" {
			t.Errorf("no error for %s in %v", want, f)
		}
	}
	newMember(t, ctx, s, "751")
	_, err = s.CreateMember(ctx, contracts.NewMember{Code: "751", Name: "Again", Kind: "municipality", EAN: "5798000416604"})
	if fieldsOf(err)["code"] == "" {
		t.Fatalf("duplicate code: err = %v", err)
	}
}

func TestMemberScoping(t *testing.T) {
	ctx, s := setup(t)
	a := newMember(t, ctx, s, "751")
	b := newMember(t, ctx, s, "657")
	mctx := testenv.As(ctx, auth.Principal{UserID: 9, Name: "nurse@aarhus.dk", Role: auth.RoleMember, MemberID: &a.ID})
	if _, err := s.GetMember(mctx, b.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("other member: err = %v, want not found", err)
	}
	if _, err := s.GetMember(mctx, a.ID); err != nil {
		t.Fatalf("own member: %v", err)
	}
	ms, _, err := s.ListMembers(mctx, contracts.MemberFilter{Limit: 50})
	if err != nil || len(ms) != 1 || ms[0].ID != a.ID {
		t.Fatalf("list = %v, %v; want only own member", ms, err)
	}
	name := "X"
	if _, err := s.UpdateMember(mctx, a.ID, contracts.MemberPatch{Name: &name}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member patch: err = %v, want forbidden", err)
	}
}

func TestParticipationOverlapRefused(t *testing.T) {
	ctx, s := setup(t)
	m := newMember(t, ctx, s, "751")
	sc, err := s.CreateScheme(ctx, contracts.NewScheme{Code: "copd", Name: "COPD telemonitoring"})
	if err != nil {
		t.Fatal(err)
	}
	d := civil.MustParse
	if _, err := s.Join(ctx, sc.ID, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d("2024-01-01"), LeftOn: d("2024-07-01")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		join, left string
		ok         bool
	}{
		{"2024-06-30", "", false},
		{"2023-01-01", "2024-01-02", false},
		{"2023-01-01", "", false},
		{"2023-01-01", "2024-01-01", true}, // ends the day the other begins
		{"2024-07-01", "", true},
	} {
		var left civil.Date
		if tc.left != "" {
			left = d(tc.left)
		}
		_, err := s.Join(ctx, sc.ID, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d(tc.join), LeftOn: left})
		if tc.ok && err != nil {
			t.Errorf("join %s–%s: %v", tc.join, tc.left, err)
		}
		if !tc.ok && fieldsOf(err)["joined_on"] == "" {
			t.Errorf("join %s–%s: err = %v, want overlap on joined_on", tc.join, tc.left, err)
		}
	}
	ok, err := s.Participates(ctx, m.ID, sc.ID, d("2024-03-01"))
	if err != nil || !ok {
		t.Fatalf("participates = %v, %v", ok, err)
	}
	got, err := s.GetScheme(ctx, sc.ID)
	if err != nil || len(got.Participants) != 3 {
		t.Fatalf("scheme participants = %d, %v", len(got.Participants), err)
	}
	entries, _, err := audit.List(ctx, audit.Filter{Entity: "participation", Limit: 10})
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit entries = %d, %v", len(entries), err)
	}
}
