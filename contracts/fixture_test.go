package contracts_test

import (
	"context"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/hibiken/asynq"
)

var d = civil.MustParse

// fix is a database with a service whose today is fixed, acting as admin.
type fix struct {
	ctx   context.Context
	svc   *contracts.Service
	today civil.Date
}

func newFix(t testing.TB) *fix {
	t.Helper()
	g := testenv.DB(t)
	f := &fix{svc: contracts.NewService(), today: d("2025-03-10")}
	f.svc.Today = func() civil.Date { return f.today }
	f.ctx = testenv.As(testenv.Context(t, g), admin)
	return f
}

func (f *fix) as(p auth.Principal) context.Context { return testenv.As(f.ctx, p) }

func (f *fix) vendor(t testing.TB, name, cvr string) *contracts.Vendor {
	t.Helper()
	v, err := f.svc.CreateVendor(f.ctx, contracts.NewVendor{Name: name, CVR: cvr, Email: "kontakt@" + cvr + ".example"})
	if err != nil {
		t.Fatalf("vendor %s: %v", name, err)
	}
	return v
}

func (f *fix) member(t testing.TB, code string) *contracts.Member {
	t.Helper()
	m, err := f.svc.CreateMember(f.ctx, contracts.NewMember{Code: contracts.Code(code), Name: "Kommune " + code,
		Kind: "municipality", EAN: "5798000416604", Inhabitants: 1000, Inhabitants65Plus: 200})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func months(n int) *int { return &n }

func ore(n int64) *int64 { return &n }

// contract creates a contract of vendor v running from starts to ends with 3 months of
// notice and the given extension options.
func (f *fix) contract(t testing.TB, number string, v *contracts.Vendor, starts, ends string, ext ...int) *contracts.Contract {
	t.Helper()
	in := contracts.NewContract{Number: number, Title: "Kontrakt " + number, VendorID: v.ID,
		StartsOn: d(starts), EndsOn: d(ends), NoticeMonths: months(3)}
	for _, m := range ext {
		in.Extensions = append(in.Extensions, contracts.NewExtension{Months: m})
	}
	c, err := f.svc.CreateContract(f.ctx, in)
	if err != nil {
		t.Fatalf("contract %s: %v", number, err)
	}
	return c
}

func codesOf(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*apperr.Error); ok {
		for _, fe := range e.Fields {
			out[fe.Field] = fe.Code.String()
		}
	}
	return out
}

func wantKind(t testing.TB, err error, k apperr.Kind, what string) {
	t.Helper()
	if !apperr.Is(err, k) {
		t.Fatalf("%s: err = %v (kind %d), want kind %d", what, err, apperr.KindOf(err), k)
	}
}

type contextT = context.Context

type (
	asynqHandler = asynq.HandlerFunc
	durationT    = time.Duration
)
