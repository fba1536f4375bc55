package web

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

// formClient is a cookie-keeping client of the pages of ts, as a browser without
// JavaScript would use them: it logs in through the form and posts forms with the CSRF
// token of the last page it fetched.
type formClient struct {
	t       *testing.T
	ts      *testServer
	cookies map[string]string
	csrf    string // the _csrf of the last page that had a form
}

var csrfInputRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func newFormClient(ts *testServer) *formClient {
	return &formClient{t: ts.t, ts: ts, cookies: map[string]string{}}
}

// get fetches path and returns the status, the body and the Location header.
func (b *formClient) get(path string) (int, string, string) {
	b.t.Helper()
	return b.send("GET", path, nil)
}

// post submits form to path with the current CSRF token (unless form sets _csrf).
func (b *formClient) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	return b.send("POST", path, form)
}

func (b *formClient) send(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.ts.s.App.Test(req, -1)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Value == "" || c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Unix() <= 0) {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfInputRE.FindSubmatch(raw); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(raw), resp.Header.Get("Location")
}

// login signs in through the login page and fails the test unless it works.
func (b *formClient) login(email, password string) {
	b.t.Helper()
	if st, body, _ := b.get("/login"); st != 200 || b.csrf == "" {
		b.t.Fatalf("GET /login: %d, csrf %q: %s", st, b.csrf, body)
	}
	st, body, loc := b.post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	if st != 303 || loc != "/" || b.cookies[sessionCookie] == "" {
		b.t.Fatalf("POST /login as %s: %d to %q, session %q: %s", email, st, loc, b.cookies[sessionCookie], body)
	}
}

// expectPage fetches path and checks its status and that the body holds each of want.
func (b *formClient) expectPage(path string, status int, want ...string) string {
	b.t.Helper()
	st, body, _ := b.get(path)
	if st != status {
		b.t.Fatalf("GET %s: %d, want %d: %s", path, st, status, pageSnippet(body))
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			b.t.Errorf("GET %s: body lacks %q: %s", path, w, pageSnippet(body))
		}
	}
	return body
}

// pageSnippet is the main part of a page, for failure messages.
func pageSnippet(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

func TestAdminPagesOpenForAdmin(t *testing.T) {
	ts := newTestServer(t)
	b := newFormClient(ts)
	b.login("admin@example.dk", testPassword)

	b.expectPage("/users", 200, "<h1>Brugere</h1>", "admin@example.dk", "member@example.dk", "Kommune 751", `href="/users/new"`)
	b.expectPage("/users/new", 200, `<label for="email">`, `<label for="password">`, `<select id="member_id"`, `value="vendor"`)
	b.expectPage("/tokens", 200, "<h1>API-nøgler</h1>", `action="/tokens"`)
	b.expectPage("/audit", 200, "<h1>Revisionsspor</h1>", `name="entity"`, `name="actor"`, `name="entity_id"`, "<details>")
	b.expectPage("/schemes", 200, "<h1>Ordninger</h1>", `action="/schemes"`)
	for _, p := range []string{"/users", "/tokens", "/audit", "/schemes", "/admin/jobs/"} {
		b.expectPage("/", 200, fmt.Sprintf(`href="%s"`, p)) // every page is in the navigation
	}

	// The same pages in English.
	b.cookies[langCookie] = langEN
	b.expectPage("/users", 200, "<h1>Users</h1>", "Administrator")
	b.expectPage("/audit", 200, "<h1>Audit trail</h1>")
	delete(b.cookies, langCookie)

	// The job dashboard is asynqmon's app, with this session's CSRF token for its requests.
	body := b.expectPage("/admin/jobs/", 200, "Asynq", `window.FLAG_ROOT_PATH=`, "_csrf=")
	if tok := b.cookies["fsc_csrf"]; tok == "" || !strings.Contains(body, `"`+tok+`"`) {
		t.Errorf("job dashboard does not carry the CSRF token %q", tok)
	}
	b.expectPage("/admin/jobs", 200, "Asynq")
	if st, body, _ := b.get("/admin/jobs/api/queues"); st != 200 || !strings.Contains(body, "queues") {
		t.Errorf("asynqmon API: %d %s", st, body)
	}
	// Its changing requests pass the CSRF check with the token in the query, not without.
	if st, _, _ := b.send("POST", "/admin/jobs/api/queues/default:pause", url.Values{}); st != 403 {
		t.Errorf("asynqmon POST without token: %d, want 403", st)
	}
	if st, body, _ := b.send("POST", "/admin/jobs/api/queues/default:pause?_csrf="+url.QueryEscape(b.cookies["fsc_csrf"]), url.Values{}); st == 403 {
		t.Errorf("asynqmon POST with token: 403: %s", body)
	}
}

func TestAdminPagesCreateAndEditUser(t *testing.T) {
	ts := newTestServer(t)
	b := newFormClient(ts)
	b.login("admin@example.dk", testPassword)
	b.get("/users/new")
	m := ts.members["751"]

	// A short password is refused naming the field, and what was typed is kept.
	st, body, _ := b.post("/users/new", url.Values{"email": {"ny@aarhus.dk"}, "name": {"Ny Bruger"}, "password": {"short"},
		"role": {"member"}, "member_id": {fmt.Sprint(m.ID)}})
	if st != 422 {
		t.Fatalf("short password: %d, want 422: %s", st, pageSnippet(body))
	}
	for _, want := range []string{`role="alert"`, `data-field="password"`, `value="ny@aarhus.dk"`, `value="Ny Bruger"`,
		fmt.Sprintf(`<option value="%d" selected>`, m.ID), `<option value="member" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("rejected form lacks %q: %s", want, pageSnippet(body))
		}
	}
	if strings.Contains(body, `value="short"`) {
		t.Error("rejected form shows the password again")
	}

	// Role member without a member names member_id.
	st, body, _ = b.post("/users/new", url.Values{"email": {"ny@aarhus.dk"}, "name": {"Ny"}, "password": {"long-enough-pw"}, "role": {"member"}})
	if st != 422 || !strings.Contains(body, `data-field="member_id"`) {
		t.Fatalf("member without member: %d: %s", st, pageSnippet(body))
	}

	// A good form creates the user, who can then log in.
	st, body, loc := b.post("/users/new", url.Values{"email": {"ny@aarhus.dk"}, "name": {"Ny Bruger"}, "password": {"long-enough-pw"},
		"role": {"member"}, "member_id": {fmt.Sprint(m.ID)}})
	if st != 303 || loc != "/users" {
		t.Fatalf("create user: %d to %q: %s", st, loc, pageSnippet(body))
	}
	b.expectPage("/users", 200, "Gemt.", "ny@aarhus.dk", "Ny Bruger")
	var u auth.User
	if err := db.Conn(ts.ctx).Where("email = ?", "ny@aarhus.dk").Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	if u.Role != auth.RoleMember || u.MemberID == nil || *u.MemberID != m.ID {
		t.Fatalf("created user: %+v", u)
	}
	nb := newFormClient(ts)
	nb.login("ny@aarhus.dk", "long-enough-pw")

	// The edit form shows the user; disabling ends the user's session.
	edit := fmt.Sprintf("/users/%d/edit", u.ID)
	b.expectPage(edit, 200, `value="ny@aarhus.dk" readonly`, `value="Ny Bruger"`, `id="disabled"`)
	st, body, loc = b.post(edit, url.Values{"name": {"Ny Navn"}, "role": {"member"}, "member_id": {fmt.Sprint(m.ID)}, "disabled": {"1"}})
	if st != 303 || loc != "/users" {
		t.Fatalf("edit user: %d to %q: %s", st, loc, pageSnippet(body))
	}
	b.expectPage("/users", 200, "Ny Navn", "Spærret")
	if st, _, loc := nb.get("/"); st != 302 || !strings.HasPrefix(loc, "/login") {
		t.Errorf("disabled user's session still opens the dashboard: %d %q", st, loc)
	}

	// A bad new password is refused; an empty one keeps the old.
	b.get(edit)
	st, body, _ = b.post(edit, url.Values{"name": {"Ny Navn"}, "role": {"member"}, "password": {"kort"}})
	if st != 422 || !strings.Contains(body, `data-field="password"`) {
		t.Fatalf("short new password: %d: %s", st, pageSnippet(body))
	}
	st, _, _ = b.post(edit, url.Values{"name": {"Ny Navn"}, "role": {"support"}})
	if st != 303 {
		t.Fatalf("change role: %d", st)
	}
	db.Conn(ts.ctx).Take(&u, u.ID)
	if u.Role != auth.RoleSupport || u.MemberID != nil || u.Disabled {
		t.Fatalf("after edit: %+v", u)
	}

	// An admin cannot disable themselves.
	var admin auth.User
	db.Conn(ts.ctx).Where("email = ?", "admin@example.dk").Take(&admin)
	st, body, _ = b.post(fmt.Sprintf("/users/%d/edit", admin.ID), url.Values{"name": {"admin"}, "role": {"admin"}, "disabled": {"1"}})
	if st != 422 || !strings.Contains(body, `data-field="disabled"`) {
		t.Fatalf("disable self: %d: %s", st, pageSnippet(body))
	}

	// Paging: one user a page links to the next.
	body = b.expectPage("/users?limit=1", 200, "admin@example.dk")
	next := regexp.MustCompile(`href="(\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatalf("no next page link: %s", pageSnippet(body))
	}
	b.expectPage("/users"+html.UnescapeString(next[1]), 200, "logistics@example.dk", daText("first"))
}

// daText is the Danish text of common.<key>.
func daText(key string) string { return Lang{langDA}.T("common." + key) }

func TestAdminPagesTokens(t *testing.T) {
	ts := newTestServer(t)
	b := newFormClient(ts)
	b.login("admin@example.dk", testPassword)
	b.get("/tokens")

	st, body, _ := b.post("/tokens", url.Values{"name": {""}, "role": {"support"}})
	if st != 422 || !strings.Contains(body, `data-field="name"`) {
		t.Fatalf("token without a name: %d: %s", st, pageSnippet(body))
	}
	st, body, _ = b.post("/tokens", url.Values{"name": {"Callcenter"}, "role": {"support"}, "expires_on": {"2000-01-01"}})
	if st != 422 || !strings.Contains(body, `data-field="expires_at"`) {
		t.Fatalf("token expiring in the past: %d: %s", st, pageSnippet(body))
	}

	st, body, loc := b.post("/tokens", url.Values{"name": {"Callcenter"}, "role": {"support"}, "expires_on": {"2099-12-31"}})
	if st != 201 || loc != "" {
		t.Fatalf("create token: %d to %q: %s", st, loc, pageSnippet(body))
	}
	m := regexp.MustCompile(`<code class="secret">(fsca_[^<]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("new token page does not show the token: %s", pageSnippet(body))
	}
	secret := m[1]
	if !strings.Contains(body, "bliver ikke vist igen") {
		t.Error("new token page does not say the token is shown only once")
	}
	// It works against the API, and no later page shows it again.
	ts.tokens["pagetoken"] = secret
	if st, body := ts.do("GET", "/api/v1/me", "pagetoken", nil); st != 200 || !strings.Contains(string(body), `"role":"support"`) {
		t.Fatalf("me with the new token: %d %s", st, body)
	}
	list := b.expectPage("/tokens", 200, "Callcenter", "2100-01-01", "Aktiv")
	if strings.Contains(list, secret) || strings.Contains(list, `class="secret"`) {
		t.Fatal("the token list shows the secret again")
	}

	// Revoking it redirects with a message; the token stops working.
	var id int64
	db.Conn(ts.ctx).Table("tokens").Where("name = ?", "Callcenter").Pluck("id", &id)
	st, _, loc = b.post(fmt.Sprintf("/tokens/%d/revoke", id), nil)
	if st != 303 || loc != "/tokens" {
		t.Fatalf("revoke: %d to %q", st, loc)
	}
	list = b.expectPage("/tokens", 200, "API-nøglen er tilbagekaldt.", "Tilbagekaldt")
	if strings.Contains(list, fmt.Sprintf(`action="/tokens/%d/revoke"`, id)) {
		t.Error("a revoked token still has a revoke button")
	}
	if st, _ := ts.do("GET", "/api/v1/me", "pagetoken", nil); st != 401 {
		t.Fatalf("revoked token: %d, want 401", st)
	}
	if st, _, _ := b.post("/tokens/999999/revoke", nil); st != 404 {
		t.Fatalf("revoke unknown token: %d, want 404", st)
	}

	// A member token names its member.
	mem := ts.members["657"]
	st, body, _ = b.post("/tokens", url.Values{"name": {"Kommunens system"}, "role": {"member"}, "member_id": {fmt.Sprint(mem.ID)}})
	if st != 201 || !strings.Contains(body, "Kommune 657") {
		t.Fatalf("member token: %d: %s", st, pageSnippet(body))
	}
}

func TestAdminPagesSchemes(t *testing.T) {
	ts := newTestServer(t)
	b := newFormClient(ts)
	b.login("admin@example.dk", testPassword)
	b.get("/schemes")

	st, body, _ := b.post("/schemes", url.Values{"code": {""}, "name": {"KOL"}})
	if st != 422 || !strings.Contains(body, `data-field="code"`) || !strings.Contains(body, `value="KOL"`) {
		t.Fatalf("scheme without a code: %d: %s", st, pageSnippet(body))
	}
	st, body, loc := b.post("/schemes", url.Values{"code": {"KOL-TELE"}, "name": {"KOL telemonitorering"}})
	if st != 303 || !regexp.MustCompile(`^/schemes/[0-9]+$`).MatchString(loc) {
		t.Fatalf("create scheme: %d to %q: %s", st, loc, pageSnippet(body))
	}
	b.expectPage(loc, 200, "KOL telemonitorering", "Gemt.", `<select id="member_id" name="member_id"`, "Kommune 751", `type="date"`)
	b.expectPage("/schemes", 200, "KOL-TELE", fmt.Sprintf(`href="%s"`, loc))

	m751, m657 := ts.members["751"], ts.members["657"]
	join := loc + "/participants"
	st, body, _ = b.post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"1. januar"}})
	if st != 422 || !strings.Contains(body, `data-field="joined_on"`) || !strings.Contains(body, `value="1. januar"`) {
		t.Fatalf("bad date: %d: %s", st, pageSnippet(body))
	}
	st, body, _ = b.post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"2025-01-01"}, "left_on": {"2024-01-01"}})
	if st != 422 || !strings.Contains(body, `data-field="left_on"`) {
		t.Fatalf("left before joined: %d: %s", st, pageSnippet(body))
	}
	if st, _, _ = b.post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"2025-01-01"}}); st != 303 {
		t.Fatalf("join: %d", st)
	}
	if st, _, _ = b.post(join, url.Values{"member_id": {fmt.Sprint(m657.ID)}, "joined_on": {"2025-03-01"}, "left_on": {"2025-06-01"}}); st != 303 {
		t.Fatalf("join with end: %d", st)
	}
	body = b.expectPage(loc, 200, fmt.Sprintf(`href="/members/%d"`, m751.ID), "2025-01-01", "2025-06-01", "Aktiv")
	// An overlapping period is refused.
	st, body, _ = b.post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"2025-05-01"}})
	if st != 422 {
		t.Fatalf("overlap: %d: %s", st, pageSnippet(body))
	}

	// Only the open participation has a leaving-date form; setting it ends it.
	sc, err := ts.s.Contracts.GetScheme(ts.ctx, lastID(t, loc))
	if err != nil {
		t.Fatal(err)
	}
	var open, ended contracts.Participation
	for _, p := range sc.Participants {
		if p.LeftOn.IsZero() {
			open = p
		} else {
			ended = p
		}
	}
	if !strings.Contains(body, fmt.Sprintf(`action="%s/participants/%d"`, loc, open.ID)) ||
		strings.Contains(body, fmt.Sprintf(`action="%s/participants/%d"`, loc, ended.ID)) {
		t.Errorf("leaving-date forms wrong: %s", pageSnippet(body))
	}
	if !strings.Contains(body, fmt.Sprintf(`<label for="left_on_%d"`, open.ID)) {
		t.Error("leaving-date field has no label")
	}
	leave := fmt.Sprintf("%s/participants/%d", loc, open.ID)
	st, body, _ = b.post(leave, url.Values{"left_on": {"2024-12-31"}})
	if st != 422 || !strings.Contains(body, `data-field="left_on"`) || !strings.Contains(body, `value="2024-12-31"`) {
		t.Fatalf("leave before joining: %d: %s", st, pageSnippet(body))
	}
	if st, _, _ := b.post(leave, url.Values{"left_on": {"2026-01-01"}}); st != 303 {
		t.Fatalf("leave: %d", st)
	}
	body = b.expectPage(loc, 200, "2026-01-01")
	if strings.Contains(body, `badge ok`) {
		t.Error("an ended participation is still shown as active")
	}
	if st, _, _ := b.post(loc+"/participants/999999", url.Values{"left_on": {"2026-01-01"}}); st != 404 {
		t.Errorf("unknown participation: %d, want 404", st)
	}
	b.expectPage("/schemes/999999", 404)
}

func lastID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path[strings.LastIndex(path, "/")+1:], "%d", &id); err != nil {
		t.Fatalf("no id in %q", path)
	}
	return id
}

func TestAdminPagesAudit(t *testing.T) {
	ts := newTestServer(t)
	b := newFormClient(ts)
	b.login("admin@example.dk", testPassword)
	b.get("/schemes")
	if st, _, _ := b.post("/schemes", url.Values{"code": {"STOMI"}, "name": {"Stomiprodukter"}}); st != 303 {
		t.Fatalf("create scheme: %d", st)
	}

	body := b.expectPage("/audit?entity=scheme", 200, "admin@example.dk", "Oprettet", "<details>", "&#34;Stomiprodukter&#34;", `value="scheme"`)
	if n := strings.Count(body, "<details>"); n != 1 {
		t.Errorf("audit for schemes has %d entries; want 1", n)
	}
	b.expectPage("/audit?actor=admin@example.dk", 200, "Stomiprodukter")
	b.expectPage("/audit?actor=nobody@example.dk", 200, daText("none"))
	if st, body, _ := b.get("/audit?entity_id=abc"); st != 422 || !strings.Contains(body, `data-field="entity_id"`) {
		t.Fatalf("bad entity id: %d: %s", st, pageSnippet(body))
	}
	if st, _, _ := b.get("/audit?cursor=nonsense"); st != 422 {
		t.Fatalf("bad cursor: %d, want 422", st)
	}

	// Keyset pages: one entry a page, newest first, each page older than the last.
	body = b.expectPage("/audit?limit=1", 200, "Stomiprodukter")
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		next := regexp.MustCompile(`href="(\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(body)
		if next == nil {
			t.Fatalf("page %d has no next link: %s", i, pageSnippet(body))
		}
		body = b.expectPage("/audit"+html.UnescapeString(next[1]), 200, daText("first"))
		if strings.Contains(body, "Stomiprodukter") {
			t.Fatalf("page %d repeats the newest entry", i+2)
		}
		rid := regexp.MustCompile(`<td class="mono small rid">([^<]*)</td>`).FindStringSubmatch(body)
		if rid != nil && rid[1] != "" && seen[rid[1]] {
			t.Fatalf("page %d repeats request %s", i+2, rid[1])
		} else if rid != nil {
			seen[rid[1]] = true
		}
	}
}

func TestAdminPagesForbiddenToMember(t *testing.T) {
	ts := newTestServer(t)
	// A member user, created by the admin through the services.
	admin := auth.WithPrincipal(ts.ctx, auth.Principal{UserID: 1, Name: "admin@example.dk", Role: auth.RoleAdmin})
	m, err := ts.s.Contracts.CreateMember(admin, contracts.NewMember{Code: "706", Name: "Syddjurs Kommune", Kind: "municipality",
		EAN: "5798000416604", Inhabitants: 43000, Inhabitants65Plus: 11000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.s.Auth.CreateUser(admin, auth.NewUser{Email: "sygeplejerske@syddjurs.dk", Name: "Sygeplejerske",
		Password: testPassword, Role: auth.RoleMember, MemberID: &m.ID}); err != nil {
		t.Fatal(err)
	}
	sc, err := ts.s.Contracts.CreateScheme(admin, contracts.NewScheme{Code: "KOL", Name: "KOL telemonitorering"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{m.ID, ts.members["751"].ID} {
		if _, err := ts.s.Contracts.Join(admin, sc.ID, contracts.NewParticipation{MemberID: id, JoinedOn: civil.MustParse("2025-01-01")}); err != nil {
			t.Fatal(err)
		}
	}

	b := newFormClient(ts)
	b.login("sygeplejerske@syddjurs.dk", testPassword)
	for _, p := range []string{"/users", "/users/new", "/users/1/edit", "/tokens", "/audit", "/admin/jobs/", "/admin/jobs/api/queues"} {
		if st, _, _ := b.get(p); st != 403 {
			t.Errorf("member GET %s: %d, want 403", p, st)
		}
	}
	b.expectPage("/schemes", 200, "KOL telemonitorering")
	if strings.Contains(b.expectPage("/schemes", 200), `action="/schemes"`) {
		t.Error("a member sees the new-scheme form")
	}
	// The scheme shows the member's own participation only, and no admin forms.
	body := b.expectPage(fmt.Sprintf("/schemes/%d", sc.ID), 200, "Syddjurs Kommune", "Aktiv")
	if strings.Contains(body, "Kommune 751") || strings.Contains(body, "/participants") {
		t.Errorf("member's scheme page shows others or admin forms: %s", pageSnippet(body))
	}
	for _, p := range []string{"/schemes", fmt.Sprintf("/schemes/%d/participants", sc.ID), "/users/new", "/tokens"} {
		if st, _, _ := b.post(p, url.Values{"code": {"X"}, "name": {"X"}}); st != 403 {
			t.Errorf("member POST %s: %d, want 403", p, st)
		}
	}

	// Staff other than admin see schemes but not the admin pages.
	s := newFormClient(ts)
	s.login("logistics@example.dk", testPassword)
	s.expectPage(fmt.Sprintf("/schemes/%d", sc.ID), 200, "Syddjurs Kommune", "Kommune 751")
	if st, _, _ := s.get("/users"); st != 403 {
		t.Errorf("logistics GET /users: %d, want 403", st)
	}

	// Without a session the pages send you to the login form.
	anon := newFormClient(ts)
	if st, _, loc := anon.get("/users"); st != 302 || loc != "/login?next=%2Fusers" {
		t.Errorf("anonymous GET /users: %d to %q", st, loc)
	}
	if st, _, loc := anon.get("/admin/jobs/"); st != 302 || !strings.HasPrefix(loc, "/login") {
		t.Errorf("anonymous GET /admin/jobs/: %d to %q", st, loc)
	}
}

func TestAdminPagesNeedCSRFToken(t *testing.T) {
	ts := newTestServer(t)
	b := newFormClient(ts)
	b.login("admin@example.dk", testPassword)
	b.get("/users/new")
	form := url.Values{"email": {"csrf@example.dk"}, "name": {"X"}, "password": {"long-enough-pw"}, "role": {"support"}}
	for _, p := range []string{"/users/new", "/tokens", "/schemes"} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("_csrf", "")
		if st, _, _ := b.post(p, f); st != 403 {
			t.Errorf("POST %s without CSRF token: %d, want 403", p, st)
		}
		f.Set("_csrf", "forged-token")
		if st, _, _ := b.post(p, f); st != 403 {
			t.Errorf("POST %s with a forged CSRF token: %d, want 403", p, st)
		}
	}
	var n int64
	db.Conn(ts.ctx).Model(&auth.User{}).Where("email = ?", "csrf@example.dk").Count(&n)
	if n != 0 {
		t.Fatal("a POST without a valid CSRF token created a user")
	}
	// With the token from the page it goes through.
	b.get("/users/new")
	if st, _, _ := b.post("/users/new", form); st != 303 {
		t.Fatalf("POST with the token: %d, want 303", st)
	}
}
