package admin_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/webtest"
)

func TestUsersAndTokens(t *testing.T) {
	ts := webtest.New(t)
	m := ts.Members["751"].ID
	st, body := ts.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "ny@aarhus.dk", "name": "Ny", "password": "long-enough-pw", "role": "member", "member_id": m})
	if st != 201 || strings.Contains(string(body), "password") || strings.Contains(string(body), "hash") {
		t.Fatalf("create user: %d %s", st, body)
	}
	st, body = ts.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "x@aarhus.dk", "name": "X", "password": "long-enough-pw", "role": "member"})
	webtest.ExpectFields(t, st, body, "member_id")
	st, body = ts.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "ny@aarhus.dk", "name": "Ny", "password": "short", "role": "boss"})
	webtest.ExpectFields(t, st, body, "password", "role")
	st, body = ts.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "NY@aarhus.dk", "name": "Ny", "password": "long-enough-pw", "role": "support"})
	webtest.ExpectFields(t, st, body, "email")

	st, body = ts.Do("POST", "/api/v1/tokens", "admin", map[string]any{"name": "call centre", "role": "support"})
	var tok struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Token string `json:"token"`
	}
	webtest.DecodeInto(t, body, &tok)
	if st != 201 || tok.ID == 0 || tok.Name != "call centre" || len(tok.Token) < 40 {
		t.Fatalf("create token: %d %s", st, body)
	}
	var stored []string
	db.Conn(ts.Ctx).Table("tokens").Pluck("hash", &stored)
	for _, h := range stored {
		if h == tok.Token || strings.Contains(h, tok.Token) {
			t.Fatal("token stored in plain text")
		}
	}
	ts.Tokens["api"] = tok.Token
	st, body = ts.Do("GET", "/api/v1/me", "api", nil)
	if st != 200 || !strings.Contains(string(body), `"role":"support"`) {
		t.Fatalf("me with API token: %d %s", st, body)
	}
	if st, _ := ts.Do("GET", "/api/v1/tokens", "admin", nil); st != 200 {
		t.Fatalf("list tokens: %d", st)
	}
	if st, _ := ts.Do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), "admin", nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	if st, _ := ts.Do("GET", "/api/v1/me", "api", nil); st != 401 {
		t.Fatalf("revoked token: %d, want 401", st)
	}
}

// A user's or token's name holds at most auth.MaxNameLength characters (runes, not
// bytes): one more is 422 naming name, on create and on change.
func TestUserAndTokenNamesAreBounded(t *testing.T) {
	ts := webtest.New(t)
	long, most := strings.Repeat("n", auth.MaxNameLength+1), strings.Repeat("ø", auth.MaxNameLength)
	st, body := ts.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "lang@aarhus.dk", "name": long, "password": "long-enough-pw", "role": "support"})
	webtest.ExpectFields(t, st, body, "name")
	st, body = ts.Do("POST", "/api/v1/tokens", "admin", map[string]any{"name": long, "role": "support"})
	webtest.ExpectFields(t, st, body, "name")
	st, body = ts.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "lang@aarhus.dk", "name": most, "password": "long-enough-pw", "role": "support"})
	if st != 201 {
		t.Fatalf("user named with %d characters: %d %s", auth.MaxNameLength, st, body)
	}
	var u struct{ ID int64 }
	webtest.DecodeInto(t, body, &u)
	st, body = ts.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), "admin", map[string]any{"name": long})
	webtest.ExpectFields(t, st, body, "name")
	if st, body := ts.Do("POST", "/api/v1/tokens", "admin", map[string]any{"name": most, "role": "support"}); st != 201 {
		t.Fatalf("token named with %d characters: %d %s", auth.MaxNameLength, st, body)
	}
}

func TestAdminPagesCreateAndEditUser(t *testing.T) {
	ts := webtest.New(t)
	b := webtest.NewClient(ts)
	b.Login("admin@example.dk", webtest.Password)
	b.Get("/users/new")
	m := ts.Members["751"]

	// A short password is refused naming the field, and what was typed is kept.
	st, body, _ := b.Post("/users/new", url.Values{"email": {"ny@aarhus.dk"}, "name": {"Ny Bruger"}, "password": {"short"},
		"role": {"member"}, "member_id": {fmt.Sprint(m.ID)}})
	if st != 422 {
		t.Fatalf("short password: %d, want 422: %s", st, webtest.PageSnippet(body))
	}
	for _, want := range []string{`role="alert"`, `data-field="password"`, `<p class="field-error" id="password-error">`, `password-error" aria-invalid="true"`, `value="ny@aarhus.dk"`, `value="Ny Bruger"`,
		fmt.Sprintf(`<option value="%d" selected>`, m.ID), `<option value="member" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("rejected form lacks %q: %s", want, webtest.PageSnippet(body))
		}
	}
	if strings.Contains(body, `value="short"`) {
		t.Error("rejected form shows the password again")
	}

	// Role member without a member names member_id.
	st, body, _ = b.Post("/users/new", url.Values{"email": {"ny@aarhus.dk"}, "name": {"Ny"}, "password": {"long-enough-pw"}, "role": {"member"}})
	if st != 422 || !strings.Contains(body, `data-field="member_id"`) {
		t.Fatalf("member without member: %d: %s", st, webtest.PageSnippet(body))
	}

	// A good form creates the user, who can then log in.
	st, body, loc := b.Post("/users/new", url.Values{"email": {"ny@aarhus.dk"}, "name": {"Ny Bruger"}, "password": {"long-enough-pw"},
		"role": {"member"}, "member_id": {fmt.Sprint(m.ID)}})
	if st != 303 || loc != "/users" {
		t.Fatalf("create user: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	b.ExpectPage("/users", 200, "Gemt.", "ny@aarhus.dk", "Ny Bruger")
	var u auth.User
	if err := db.Conn(ts.Ctx).Where("email = ?", "ny@aarhus.dk").Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	if u.Role != auth.RoleMember || u.MemberID == nil || *u.MemberID != m.ID {
		t.Fatalf("created user: %+v", u)
	}
	nb := webtest.NewClient(ts)
	nb.Login("ny@aarhus.dk", "long-enough-pw")

	// The edit form shows the user; disabling ends the user's session.
	edit := fmt.Sprintf("/users/%d/edit", u.ID)
	b.ExpectPage(edit, 200, `value="ny@aarhus.dk" readonly`, `value="Ny Bruger"`, `id="disabled"`)
	st, body, loc = b.Post(edit, url.Values{"name": {"Ny Navn"}, "role": {"member"}, "member_id": {fmt.Sprint(m.ID)}, "disabled": {"1"}})
	if st != 303 || loc != "/users" {
		t.Fatalf("edit user: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	b.ExpectPage("/users", 200, "Ny Navn", "Spærret")
	if st, _, loc := nb.Get("/"); st != 302 || !strings.HasPrefix(loc, "/login") {
		t.Errorf("disabled user's session still opens the dashboard: %d %q", st, loc)
	}

	// A bad new password is refused; an empty one keeps the old.
	b.Get(edit)
	st, body, _ = b.Post(edit, url.Values{"name": {"Ny Navn"}, "role": {"member"}, "password": {"kort"}})
	if st != 422 || !strings.Contains(body, `data-field="password"`) {
		t.Fatalf("short new password: %d: %s", st, webtest.PageSnippet(body))
	}
	st, _, _ = b.Post(edit, url.Values{"name": {"Ny Navn"}, "role": {"support"}})
	if st != 303 {
		t.Fatalf("change role: %d", st)
	}
	db.Conn(ts.Ctx).Take(&u, u.ID)
	if u.Role != auth.RoleSupport || u.MemberID != nil || u.Disabled {
		t.Fatalf("after edit: %+v", u)
	}

	// An admin cannot disable themselves.
	var admin auth.User
	db.Conn(ts.Ctx).Where("email = ?", "admin@example.dk").Take(&admin)
	st, body, _ = b.Post(fmt.Sprintf("/users/%d/edit", admin.ID), url.Values{"name": {"admin"}, "role": {"admin"}, "disabled": {"1"}})
	if st != 422 || !strings.Contains(body, `data-field="disabled"`) {
		t.Fatalf("disable self: %d: %s", st, webtest.PageSnippet(body))
	}

	// Paging: one user a page links to the next.
	body = b.ExpectPage("/users?limit=1", 200, "admin@example.dk")
	next := regexp.MustCompile(`href="(\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatalf("no next page link: %s", webtest.PageSnippet(body))
	}
	b.ExpectPage("/users"+html.UnescapeString(next[1]), 200, "logistics@example.dk", daText("first"))
}

func TestAdminPagesNeedCSRFToken(t *testing.T) {
	ts := webtest.New(t)
	b := webtest.NewClient(ts)
	b.Login("admin@example.dk", webtest.Password)
	b.Get("/users/new")
	form := url.Values{"email": {"csrf@example.dk"}, "name": {"X"}, "password": {"long-enough-pw"}, "role": {"support"}}
	for _, p := range []string{"/users/new", "/tokens", "/schemes"} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("_csrf", "")
		if st, _, _ := b.Post(p, f); st != 403 {
			t.Errorf("POST %s without CSRF token: %d, want 403", p, st)
		}
		f.Set("_csrf", "forged-token")
		if st, _, _ := b.Post(p, f); st != 403 {
			t.Errorf("POST %s with a forged CSRF token: %d, want 403", p, st)
		}
	}
	var n int64
	db.Conn(ts.Ctx).Model(&auth.User{}).Where("email = ?", "csrf@example.dk").Count(&n)
	if n != 0 {
		t.Fatal("a POST without a valid CSRF token created a user")
	}
	// With the token from the page it goes through.
	b.Get("/users/new")
	if st, _, _ := b.Post("/users/new", form); st != 303 {
		t.Fatalf("POST with the token: %d, want 303", st)
	}
}

// daText is the Danish text of common.<key>.
func daText(key string) string { return i18n.For(i18n.DA).T("common." + key) }
