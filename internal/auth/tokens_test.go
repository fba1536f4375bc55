package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
)

// Neither a session token nor an API token is stored: the tokens table holds their
// SHA-256, and no column of any row (nor the audit log) holds the plain text.
func TestTokensAreStoredHashed(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleLogistics, nil)
	session := f.login(t, u)
	created, err := f.svc.CreateToken(f.sys, auth.NewToken{Name: "erp", Role: auth.RoleFinance})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Token, "fsca_") {
		t.Fatalf("API token %q: want prefix fsca_", created.Token)
	}
	plains := []string{session, created.Token}

	var rows []map[string]any
	if err := f.g.Table("tokens").Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("token rows = %d, want 2", len(rows))
	}
	for i, row := range rows {
		sum := sha256.Sum256([]byte(plains[i]))
		if got := fmt.Sprint(row["hash"]); got != hex.EncodeToString(sum[:]) {
			t.Errorf("row %d hash = %q, want the SHA-256 of its token", i, got)
		}
	}
	var audit []map[string]any
	if err := f.g.Table("audit_entries").Find(&audit).Error; err != nil {
		t.Fatal(err)
	}
	for _, tbl := range [][]map[string]any{rows, audit} {
		for _, row := range tbl {
			for col, v := range row {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				for _, p := range plains {
					// The random part alone must not appear either.
					if strings.Contains(s, p) || strings.Contains(s, p[5:]) {
						t.Errorf("column %s holds a plain token", col)
					}
				}
			}
		}
	}
	// The password is not stored either, and its hash never leaves in JSON.
	var hash string
	if err := f.g.Table("users").Where("id = ?", u.ID).Pluck("password_hash", &hash).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$2") || strings.Contains(hash, password) || !auth.CheckPassword(hash, password) {
		t.Fatalf("stored password_hash %q is not a bcrypt hash of the password", hash)
	}
	for _, v := range []any{u, auth.Token{Hash: "secret-hash"}} {
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), hash) || strings.Contains(string(b), "secret-hash") || strings.Contains(strings.ToLower(string(b)), "password") {
			t.Errorf("JSON %s carries a hash", b)
		}
	}
}

func TestAPITokenPrincipalAndScope(t *testing.T) {
	f := setup(t)
	mid := f.member(t)
	tok, err := f.svc.CreateToken(f.sys, auth.NewToken{Name: "kommune-it", Role: auth.RoleMember, MemberID: &mid})
	if err != nil {
		t.Fatal(err)
	}
	p := f.mustAuth(t, tok.Token)
	if p.UserID != 0 || p.TokenID != tok.ID || p.Name != "kommune-it" || p.Role != auth.RoleMember || p.MemberID == nil || *p.MemberID != mid {
		t.Fatalf("principal = %+v", p)
	}
	if !p.SeesMember(mid) || p.SeesMember(mid+1) {
		t.Fatal("member token does not see exactly its own member")
	}
	me, err := f.svc.Me(auth.WithPrincipal(f.ctx, p))
	if err != nil || me.ID != 0 || me.Name != "kommune-it" || me.Role != auth.RoleMember {
		t.Fatalf("Me for a token = %+v, %v", me, err)
	}
	list, err := f.svc.ListTokens(f.sys)
	if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].LastUsedAt == nil {
		t.Fatalf("ListTokens = %+v, %v; want the token with its last use", list, err)
	}
}

func TestCreateTokenValidates(t *testing.T) {
	f := setup(t)
	mid := f.member(t)
	past := time.Now().Add(-time.Minute)
	for _, c := range []struct {
		name  string
		in    auth.NewToken
		field string
	}{
		{"no name", auth.NewToken{Name: "  ", Role: auth.RoleFinance}, "name"},
		{"no role", auth.NewToken{Name: "x"}, "role"},
		{"unknown role", auth.NewToken{Name: "x", Role: "root"}, "role"},
		{"system role", auth.NewToken{Name: "x", Role: auth.RoleSystem}, "role"},
		{"member without member", auth.NewToken{Name: "x", Role: auth.RoleMember}, "member_id"},
		{"unknown member", auth.NewToken{Name: "x", Role: auth.RoleMember, MemberID: ptr(mid + 99)}, "member_id"},
		{"member id on staff", auth.NewToken{Name: "x", Role: auth.RoleFinance, MemberID: &mid}, "member_id"},
		{"expired at birth", auth.NewToken{Name: "x", Role: auth.RoleFinance, ExpiresAt: &past}, "expires_at"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.CreateToken(f.sys, c.in)
			if !apperr.Is(err, apperr.KindInvalid) || fieldsOf(err)[c.field] == "" {
				t.Fatalf("CreateToken = %v, want Invalid on %s", err, c.field)
			}
		})
	}
}

func TestLogoutEndsTheSessionAtOnce(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleSupport, nil)
	plain, other := f.login(t, u), f.login(t, u)
	f.mustAuth(t, plain) // now cached
	if err := f.svc.Logout(f.ctx, plain); err != nil {
		t.Fatal(err)
	}
	f.mustNotAuth(t, plain, "after logout")
	f.mustAuth(t, other) // the user's other session lives on
	if err := f.svc.Logout(f.ctx, plain); err != nil {
		t.Fatalf("second logout: %v", err)
	}
	if err := f.svc.Logout(f.ctx, "fscs_unknown"); err != nil {
		t.Fatalf("logout of an unknown token: %v", err)
	}
	// Logout is for sessions; an API token is only revoked by an admin.
	api := f.apiToken(t, auth.RoleFinance)
	f.mustAuth(t, api)
	if err := f.svc.Logout(f.ctx, api); err != nil {
		t.Fatal(err)
	}
	f.mustAuth(t, api)
}

func TestRevokeTokenTakesEffectAtOnce(t *testing.T) {
	f := setup(t)
	tok, err := f.svc.CreateToken(f.sys, auth.NewToken{Name: "erp", Role: auth.RoleFinance})
	if err != nil {
		t.Fatal(err)
	}
	keep := f.apiToken(t, auth.RoleFinance)
	f.mustAuth(t, tok.Token) // now cached
	f.mustAuth(t, keep)
	if err := f.svc.RevokeToken(f.sys, tok.ID); err != nil {
		t.Fatal(err)
	}
	f.mustNotAuth(t, tok.Token, "after revocation")
	f.mustAuth(t, keep)
	if err := f.svc.RevokeToken(f.sys, tok.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := f.svc.RevokeToken(f.sys, tok.ID+100); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("revoking an unknown token = %v, want NotFound", err)
	}
	// A session id is not an API token id.
	u := f.user(t, auth.RoleSupport, nil)
	sess := f.mustAuth(t, f.login(t, u))
	if err := f.svc.RevokeToken(f.sys, sess.TokenID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("revoking a session through RevokeToken = %v, want NotFound", err)
	}
	var revokes int64
	f.g.Table("audit_entries").Where("action = 'revoke' AND entity = 'token'").Count(&revokes)
	if revokes != 1 {
		t.Fatalf("revoke audit entries = %d, want 1", revokes)
	}
}

func TestAuthenticateRefuses(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleSupport, nil)
	expired := f.login(t, u)
	hash := sha256.Sum256([]byte(expired))
	if err := f.g.Table("tokens").Where("hash = ?", hex.EncodeToString(hash[:])).Update("expires_at", time.Now().Add(-time.Second)).Error; err != nil {
		t.Fatal(err)
	}
	valid := f.login(t, u)
	for _, c := range []struct{ name, token string }{
		{"empty", ""},
		{"unknown", "fscs_nothing"},
		{"expired", expired},
		{"one character off", valid[:len(valid)-1] + string(valid[len(valid)-1]^1)},
		{"with a blank", valid + " "},
	} {
		f.mustNotAuth(t, c.token, c.name)
	}
	f.mustAuth(t, valid)
}

// The cache reuses a principal: proof that the "at once" tests above test the cache,
// and that a cached principal still expires with its token.
func TestPrincipalCache(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleSupport, nil)
	plain := f.login(t, u)
	f.mustAuth(t, plain)
	// Revoked behind the service's back: this instance keeps the principal for CacheTTL.
	revokeDirectly := func(plain string) {
		t.Helper()
		h := sha256.Sum256([]byte(plain))
		if err := f.g.Table("tokens").Where("hash = ?", hex.EncodeToString(h[:])).Update("revoked_at", time.Now()).Error; err != nil {
			t.Fatal(err)
		}
	}
	revokeDirectly(plain)
	f.mustAuth(t, plain)

	// Without a cache the database decides every time.
	f.svc.CacheTTL = 0
	second := f.login(t, u)
	f.mustAuth(t, second)
	revokeDirectly(second)
	f.mustNotAuth(t, second, "revoked with the cache off")

	// A cached principal is not used past its token's expiry.
	f.svc.CacheTTL = time.Hour
	f.svc.SessionTTL = 1500 * time.Millisecond
	short, err := f.svc.Login(f.ctx, u.Email, password, "10.8.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f.mustAuth(t, short.Token)
	deadline := short.ExpiresAt.Add(5 * time.Second)
	for {
		if _, err := f.svc.Authenticate(f.ctx, short.Token); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token expiring at %v still accepted at %v", short.ExpiresAt, time.Now())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if now := time.Now(); now.Before(short.ExpiresAt) {
		t.Fatalf("token refused at %v, before its expiry %v", now, short.ExpiresAt)
	}
}

// A forget inside a caller's transaction waits for its commit: an Authenticate in
// between must not cache the old principal for the rest of CacheTTL.
func TestUserChangeInOuterTransactionForgetsAfterCommit(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleSupport, nil)
	plain := f.login(t, u)
	f.mustAuth(t, plain)
	err := db.WithTx(f.sys, func(ctx context.Context) error {
		if _, err := f.svc.UpdateUser(ctx, u.ID, auth.UserPatch{Role: ptr(auth.RoleFinance)}); err != nil {
			return err
		}
		// Another request before the commit still sees the old session (SQLite's one
		// connection is held by this transaction, so only PostgreSQL can ask).
		if testenv.OnPostgres() {
			f.mustAuth(t, plain)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.mustNotAuth(t, plain, "after a role change committed")
}
