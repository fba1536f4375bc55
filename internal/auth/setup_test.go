package auth_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/go-redis/redis_rate/v10"
	"gorm.io/gorm"
)

const password = "correct horse battery"

type fixture struct {
	g   *gorm.DB
	ctx context.Context // database only, no principal
	sys context.Context // as the system principal
	svc *auth.Service
	cs  *contracts.Service
}

func setup(t *testing.T) *fixture {
	t.Helper()
	g := testenv.DB(t)
	r := testenv.Redis(t)
	ctx := testenv.Context(t, g)
	cs := contracts.NewService()
	return &fixture{g: g, ctx: ctx, sys: testenv.As(ctx, auth.System), cs: cs, svc: auth.NewService(cs, redis_rate.NewLimiter(r.Client))}
}

var seq atomic.Int64

// user creates a user with role and the shared password.
func (f *fixture) user(t *testing.T, role auth.Role, memberID *int64) *auth.User {
	t.Helper()
	u, err := f.svc.CreateUser(f.sys, auth.NewUser{Email: fmt.Sprintf("user%d@example.dk", seq.Add(1)), Name: "User", Password: password, Role: role, MemberID: memberID})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) member(t *testing.T) int64 {
	t.Helper()
	m, err := f.cs.CreateMember(f.sys, contracts.NewMember{Code: contracts.Code(fmt.Sprint(700 + seq.Add(1))), Name: "Kommune", Kind: "municipality", EAN: "5798000416604", Inhabitants: 1000, Inhabitants65Plus: 200})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func (f *fixture) login(t *testing.T, u *auth.User) string {
	t.Helper()
	// An address per login, so that many logins stay under the per-address limit.
	s, err := f.svc.Login(f.ctx, u.Email, password, fmt.Sprintf("10.0.%d.1", seq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return s.Token
}

func (f *fixture) apiToken(t *testing.T, role auth.Role) string {
	t.Helper()
	tok, err := f.svc.CreateToken(f.sys, auth.NewToken{Name: fmt.Sprintf("integration-%d", seq.Add(1)), Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// mustAuth fails t unless plain authenticates.
func (f *fixture) mustAuth(t *testing.T, plain string) auth.Principal {
	t.Helper()
	p, err := f.svc.Authenticate(f.ctx, plain)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return p
}

// mustNotAuth fails t unless plain is refused as Unauthorized.
func (f *fixture) mustNotAuth(t *testing.T, plain, why string) {
	t.Helper()
	if p, err := f.svc.Authenticate(f.ctx, plain); !apperr.Is(err, apperr.KindUnauthorized) {
		t.Fatalf("%s: Authenticate = %+v, %v; want Unauthorized", why, p, err)
	}
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

func ptr[T any](v T) *T { return &v }
