package auth_test

import (
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
)

func TestCreateUserValidates(t *testing.T) {
	f := setup(t)
	mid := f.member(t)
	taken := f.user(t, auth.RoleSupport, nil)
	for _, c := range []struct {
		name  string
		in    auth.NewUser
		field string
	}{
		{"bad e-mail", auth.NewUser{Email: "not-an-address", Name: "X", Password: password, Role: auth.RoleSupport}, "email"},
		{"e-mail with a display name", auth.NewUser{Email: "X <x@example.dk>", Name: "X", Password: password, Role: auth.RoleSupport}, "email"},
		{"e-mail in use, other case", auth.NewUser{Email: strings.ToUpper(taken.Email), Name: "X", Password: password, Role: auth.RoleSupport}, "email"},
		{"no name", auth.NewUser{Email: "n@example.dk", Name: "   ", Password: password, Role: auth.RoleSupport}, "name"},
		{"no role", auth.NewUser{Email: "r@example.dk", Name: "X", Password: password}, "role"},
		{"system role", auth.NewUser{Email: "s@example.dk", Name: "X", Password: password, Role: auth.RoleSystem}, "role"},
		{"member role without member", auth.NewUser{Email: "m@example.dk", Name: "X", Password: password, Role: auth.RoleMember}, "member_id"},
		{"unknown member", auth.NewUser{Email: "m@example.dk", Name: "X", Password: password, Role: auth.RoleMember, MemberID: ptr(mid + 99)}, "member_id"},
		{"staff with a member", auth.NewUser{Email: "m@example.dk", Name: "X", Password: password, Role: auth.RoleFinance, MemberID: &mid}, "member_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.CreateUser(f.sys, c.in)
			if !apperr.Is(err, apperr.KindInvalid) || fieldsOf(err)[c.field] == "" {
				t.Fatalf("CreateUser = %v, want Invalid on %s", err, c.field)
			}
		})
	}
	var n int64
	f.g.Table("users").Count(&n)
	if n != 1 {
		t.Fatalf("users = %d, want only the first", n)
	}
}

func TestCreateUserAsMemberAndAudit(t *testing.T) {
	f := setup(t)
	mid := f.member(t)
	u, err := f.svc.CreateUser(f.sys, auth.NewUser{Email: " Ann@Example.DK ", Name: " Ann ", Password: password, Role: auth.RoleMember, MemberID: &mid})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ann@example.dk" || u.Name != "Ann" || *u.MemberID != mid {
		t.Fatalf("user = %+v", u)
	}
	p := f.mustAuth(t, f.login(t, u))
	if p.MemberID == nil || *p.MemberID != mid || p.Role != auth.RoleMember {
		t.Fatalf("principal = %+v", p)
	}
	es, _, err := audit.List(f.ctx, audit.Filter{Entity: "user", EntityID: u.ID, Limit: 10})
	if err != nil || len(es) != 1 || es[0].Action != "create" {
		t.Fatalf("audit = %+v, %v; want one create", es, err)
	}
	if strings.Contains(string(es[0].After), "$2") || strings.Contains(string(es[0].After), password) {
		t.Fatalf("audit entry carries the password or its hash: %s", es[0].After)
	}
}

func TestManagingUsersIsForAdmins(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleSupport, nil)
	ctx := auth.WithPrincipal(f.ctx, f.mustAuth(t, f.login(t, u)))
	for name, call := range map[string]func() error{
		"CreateUser": func() error {
			_, err := f.svc.CreateUser(ctx, auth.NewUser{Email: "x@example.dk", Name: "X", Password: password, Role: auth.RoleAdmin})
			return err
		},
		"UpdateUser": func() error {
			_, err := f.svc.UpdateUser(ctx, u.ID, auth.UserPatch{Role: ptr(auth.RoleAdmin)})
			return err
		},
		"GetUser":   func() error { _, err := f.svc.GetUser(ctx, u.ID); return err },
		"ListUsers": func() error { _, _, err := f.svc.ListUsers(ctx, 0, 10); return err },
		"CreateToken": func() error {
			_, err := f.svc.CreateToken(ctx, auth.NewToken{Name: "x", Role: auth.RoleAdmin})
			return err
		},
		"ListTokens":  func() error { _, err := f.svc.ListTokens(ctx); return err },
		"RevokeToken": func() error { return f.svc.RevokeToken(ctx, 1) },
	} {
		if err := call(); !apperr.Is(err, apperr.KindForbidden) {
			t.Errorf("%s as support = %v, want Forbidden", name, err)
		}
	}
	if got, err := f.svc.GetUser(f.sys, u.ID); err != nil || got.Role != auth.RoleSupport {
		t.Fatalf("user after refused changes = %+v, %v", got, err)
	}
}

// A change that takes rights away ends the user's sessions at once; a harmless one
// does not.
func TestUserChangesAndSessions(t *testing.T) {
	f := setup(t)
	mid, mid2 := f.member(t), f.member(t)
	for _, c := range []struct {
		name   string
		role   auth.Role
		member *int64
		patch  auth.UserPatch
		ends   bool
	}{
		{"name", auth.RoleSupport, nil, auth.UserPatch{Name: ptr("New name")}, false},
		{"disabled", auth.RoleSupport, nil, auth.UserPatch{Disabled: ptr(true)}, true},
		{"role", auth.RoleSupport, nil, auth.UserPatch{Role: ptr(auth.RoleFinance)}, true},
		{"password", auth.RoleSupport, nil, auth.UserPatch{Password: ptr("another long password")}, true},
		{"member", auth.RoleMember, &mid, auth.UserPatch{MemberID: &mid2}, true},
		{"same member", auth.RoleMember, &mid, auth.UserPatch{MemberID: &mid}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := f.user(t, c.role, c.member)
			plain := f.login(t, u)
			f.mustAuth(t, plain) // cached
			if _, err := f.svc.UpdateUser(f.sys, u.ID, c.patch); err != nil {
				t.Fatal(err)
			}
			if c.ends {
				f.mustNotAuth(t, plain, "after changing "+c.name)
			} else {
				f.mustAuth(t, plain)
			}
		})
	}
	t.Run("re-enabled user logs in again", func(t *testing.T) {
		u := f.user(t, auth.RoleSupport, nil)
		if _, err := f.svc.UpdateUser(f.sys, u.ID, auth.UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateUser(f.sys, u.ID, auth.UserPatch{Disabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		f.mustAuth(t, f.login(t, u))
	})
}

func TestUpdateUserRefuses(t *testing.T) {
	f := setup(t)
	admin := f.user(t, auth.RoleAdmin, nil)
	ctx := auth.WithPrincipal(f.ctx, f.mustAuth(t, f.login(t, admin)))
	if _, err := f.svc.UpdateUser(ctx, admin.ID, auth.UserPatch{Disabled: ptr(true)}); fieldsOf(err)["disabled"] == "" {
		t.Fatalf("disabling yourself = %v, want Invalid on disabled", err)
	}
	if _, err := f.svc.UpdateUser(ctx, admin.ID+100, auth.UserPatch{Name: ptr("x")}); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown user = %v, want NotFound", err)
	}
	if _, err := f.svc.UpdateUser(ctx, admin.ID, auth.UserPatch{Role: ptr(auth.RoleMember)}); fieldsOf(err)["member_id"] == "" {
		t.Fatalf("member role without member = %v, want Invalid on member_id", err)
	}
	// A refused change changes nothing, not even the sessions.
	f.mustAuth(t, f.login(t, admin))
	if got, _ := f.svc.GetUser(ctx, admin.ID); got.Role != auth.RoleAdmin || got.Disabled {
		t.Fatalf("user after refused changes = %+v", got)
	}
}

func TestListUsersPages(t *testing.T) {
	f := setup(t)
	var ids []int64
	for range 5 {
		ids = append(ids, f.user(t, auth.RoleSupport, nil).ID)
	}
	var got []int64
	after := int64(0)
	for page := 0; page < 5; page++ {
		us, next, err := f.svc.ListUsers(f.sys, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			got = append(got, u.ID)
		}
		if next == 0 {
			break
		}
		after = next
	}
	if len(got) != len(ids) {
		t.Fatalf("paged ids = %v, want %v", got, ids)
	}
	for i := range ids {
		if got[i] != ids[i] {
			t.Fatalf("paged ids = %v, want %v", got, ids)
		}
	}
}

func TestEnsureAdmin(t *testing.T) {
	f := setup(t)
	if made, err := f.svc.EnsureAdmin(f.ctx, "root@example.dk", "short"); made || !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("EnsureAdmin with a short password = %v, %v; want Invalid", made, err)
	}
	if made, err := f.svc.EnsureAdmin(f.ctx, "", password); made || err != nil {
		t.Fatalf("EnsureAdmin without an e-mail = %v, %v; want nothing done", made, err)
	}
	if made, err := f.svc.EnsureAdmin(f.ctx, "root@example.dk", password); !made || err != nil {
		t.Fatalf("first EnsureAdmin = %v, %v", made, err)
	}
	if made, err := f.svc.EnsureAdmin(f.ctx, "other@example.dk", password); made || err != nil {
		t.Fatalf("second EnsureAdmin = %v, %v; want nothing done", made, err)
	}
	s, err := f.svc.Login(f.ctx, "root@example.dk", password, "10.9.0.1")
	if err != nil || s.User.Role != auth.RoleAdmin {
		t.Fatalf("login as the first admin = %+v, %v", s, err)
	}
	if _, err := f.svc.Login(f.ctx, "other@example.dk", password, "10.9.0.1"); err == nil {
		t.Fatal("the second EnsureAdmin created a user")
	}
}

func TestMe(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleLogistics, nil)
	me, err := f.svc.Me(auth.WithPrincipal(f.ctx, f.mustAuth(t, f.login(t, u))))
	if err != nil || me.ID != u.ID || me.Email != u.Email {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	if _, err := f.svc.Me(f.ctx); !apperr.Is(err, apperr.KindUnauthorized) {
		t.Fatalf("Me without a principal = %v, want Unauthorized", err)
	}
}
