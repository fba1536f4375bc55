package auth_test

import (
	"context"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

func TestRoles(t *testing.T) {
	for _, c := range []struct {
		role         auth.Role
		valid, staff bool
	}{
		{auth.RoleAdmin, true, true},
		{auth.RoleLogistics, true, true},
		{auth.RoleSupport, true, true},
		{auth.RoleFinance, true, true},
		{auth.RoleMember, true, false},
		{auth.RoleVendor, true, false},
		{auth.RoleSystem, false, true}, // no user or token has it
		{"", false, false},
		{"Admin", false, false},
		{"root", false, false},
	} {
		if got := c.role.Valid(); got != c.valid {
			t.Errorf("%q.Valid() = %v, want %v", c.role, got, c.valid)
		}
		if got := c.role.IsStaff(); got != c.staff {
			t.Errorf("%q.IsStaff() = %v, want %v", c.role, got, c.staff)
		}
	}
}

func TestRequire(t *testing.T) {
	bare := context.Background()
	as := func(r auth.Role) context.Context {
		return auth.WithPrincipal(bare, auth.Principal{UserID: 1, Name: "x@example.dk", Role: r})
	}
	for _, c := range []struct {
		name  string
		ctx   context.Context
		check func(context.Context) (auth.Principal, error)
		want  apperr.Kind // KindInternal: allowed
	}{
		{"no principal", bare, func(ctx context.Context) (auth.Principal, error) { return auth.Require(ctx, auth.RoleAdmin) }, apperr.KindUnauthorized},
		{"role listed", as(auth.RoleFinance), func(ctx context.Context) (auth.Principal, error) {
			return auth.Require(ctx, auth.RoleAdmin, auth.RoleFinance)
		}, apperr.KindInternal},
		{"role not listed", as(auth.RoleLogistics), func(ctx context.Context) (auth.Principal, error) {
			return auth.Require(ctx, auth.RoleAdmin, auth.RoleFinance)
		}, apperr.KindForbidden},
		{"no role listed", as(auth.RoleAdmin), func(ctx context.Context) (auth.Principal, error) { return auth.Require(ctx) }, apperr.KindForbidden},
		{"system passes every check", auth.WithPrincipal(bare, auth.System), func(ctx context.Context) (auth.Principal, error) {
			return auth.Require(ctx, auth.RoleVendor)
		}, apperr.KindInternal},
		{"staff: support", as(auth.RoleSupport), auth.RequireStaff, apperr.KindInternal},
		{"staff: member refused", as(auth.RoleMember), auth.RequireStaff, apperr.KindForbidden},
		{"staff: vendor refused", as(auth.RoleVendor), auth.RequireStaff, apperr.KindForbidden},
		{"staff: nobody", bare, auth.RequireStaff, apperr.KindUnauthorized},
		{"any: vendor", as(auth.RoleVendor), auth.RequireAny, apperr.KindInternal},
		{"any: member", as(auth.RoleMember), auth.RequireAny, apperr.KindInternal},
		{"any: unknown role", as("root"), auth.RequireAny, apperr.KindForbidden},
		{"any: nobody", bare, auth.RequireAny, apperr.KindUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.check(c.ctx)
			if c.want == apperr.KindInternal {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if want, _ := auth.From(c.ctx); p != want {
					t.Fatalf("principal = %+v, want %+v", p, want)
				}
				return
			}
			if !apperr.Is(err, c.want) {
				t.Fatalf("err = %v, want kind %v", err, c.want)
			}
		})
	}
}

func TestSeesMember(t *testing.T) {
	own := int64(5)
	for _, c := range []struct {
		name string
		p    auth.Principal
		id   int64
		want bool
	}{
		{"staff sees any", auth.Principal{Role: auth.RoleLogistics}, 9, true},
		{"system sees any", auth.System, 9, true},
		{"member sees own", auth.Principal{Role: auth.RoleMember, MemberID: &own}, 5, true},
		{"member not another", auth.Principal{Role: auth.RoleMember, MemberID: &own}, 6, false},
		{"member without member sees none", auth.Principal{Role: auth.RoleMember}, 0, false},
		{"vendor sees none", auth.Principal{Role: auth.RoleVendor}, 5, false},
	} {
		if got := c.p.SeesMember(c.id); got != c.want {
			t.Errorf("%s: SeesMember(%d) = %v", c.name, c.id, got)
		}
	}
}

// The principal in ctx is also the actor of audit entries written under it.
func TestWithPrincipalSetsTheAuditActor(t *testing.T) {
	f := setup(t)
	mid := int64(3)
	for _, c := range []struct {
		name      string
		p         auth.Principal
		actor     string
		actorID   *int64
		member    *int64
		principal string
	}{
		{"user", auth.Principal{UserID: 7, TokenID: 70, Name: "ann@example.dk", Role: auth.RoleMember, MemberID: &mid}, "ann@example.dk", ptr(int64(7)), &mid, "ann@example.dk"},
		{"api token", auth.Principal{TokenID: 9, Name: "erp", Role: auth.RoleFinance}, "token:erp", nil, nil, "erp"},
		{"system", auth.System, "system", nil, nil, "system"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := auth.WithPrincipal(f.ctx, c.p)
			if got, ok := auth.From(ctx); !ok || got.Name != c.principal || got.Role != c.p.Role {
				t.Fatalf("From = %+v, %v", got, ok)
			}
			var e audit.Entry
			err := db.WithTx(ctx, func(ctx context.Context) error {
				if err := audit.Record(ctx, "probe", c.name, 1, nil, nil); err != nil {
					return err
				}
				return db.Conn(ctx).Where("entity = ?", c.name).Take(&e).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			if e.Actor != c.actor || e.Role != string(c.p.Role) || !sameID(e.ActorID, c.actorID) || !sameID(e.MemberID, c.member) {
				t.Fatalf("audit actor = %q role %q id %v member %v", e.Actor, e.Role, e.ActorID, e.MemberID)
			}
		})
	}
	if _, ok := auth.From(context.Background()); ok {
		t.Fatal("From found a principal in a bare context")
	}
}

func sameID(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
