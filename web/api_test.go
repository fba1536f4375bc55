package web

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// every role key of testServer, and none.
var matrixUsers = []string{"", "admin", "logistics", "support", "finance", "member"}

var roleOf = map[string]auth.Role{"admin": auth.RoleAdmin, "logistics": auth.RoleLogistics, "support": auth.RoleSupport,
	"finance": auth.RoleFinance, "member": auth.RoleMember}

// TestRoleMatrix calls every API route as every role: without a token 401, with a role
// the route does not list 403 (problem+json), with a listed role neither.
func TestRoleMatrix(t *testing.T) {
	ts := newTestServer(t)
	for _, r := range ts.s.routes {
		if r.Roles == nil || r.Path == "/auth/logout" {
			continue
		}
		path := apiBase + regexp.MustCompile(`:[a-z]+`).ReplaceAllString(r.Path, "1")
		for _, u := range matrixUsers {
			status, body := ts.do(r.Method, path, u, nil)
			allowed := u != "" && slices.Contains(r.Roles, roleOf[u])
			switch {
			case u == "" && status != 401:
				t.Errorf("%s %s without token: %d, want 401", r.Method, path, status)
			case u != "" && !allowed && status != 403:
				t.Errorf("%s %s as %s: %d, want 403: %s", r.Method, path, u, status, body)
			case allowed && (status == 401 || status == 403 || status >= 500):
				t.Errorf("%s %s as %s: %d, want it let through: %s", r.Method, path, u, status, body)
			}
		}
	}
}

func TestOpenAPIListsExactlyTheRoutes(t *testing.T) {
	ts := newTestServer(t)
	status, body := ts.do("GET", "/api/v1/openapi.json", "", nil)
	if status != 200 {
		t.Fatalf("openapi: %d", status)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	decodeInto(t, body, &doc)
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, r := range ts.s.App.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, apiBase+"/") || r.Method == "HEAD" || r.Path == apiBase+"/openapi.json" {
			continue
		}
		served[r.Method+" "+paramRE.ReplaceAllString(r.Path, "{$1}")] = true
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("route %s is served but missing from openapi.json", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("openapi.json lists %s, which is not served", k)
		}
	}
	if len(served) < 20 {
		t.Errorf("only %d routes found; route discovery is broken", len(served))
	}
}

func TestLogin(t *testing.T) {
	ts := newTestServer(t)
	status, body := ts.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "Admin@Example.dk", "password": testPassword})
	if status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	var sess struct {
		Token     string         `json:"token"`
		ExpiresAt string         `json:"expires_at"`
		User      map[string]any `json:"user"`
	}
	decodeInto(t, body, &sess)
	if sess.Token == "" || sess.ExpiresAt == "" || sess.User["email"] != "admin@example.dk" || sess.User["role"] != "admin" {
		t.Fatalf("login answer: %s", body)
	}
	if strings.Contains(string(body), "password") || strings.Contains(string(body), "$2a$") {
		t.Fatalf("login answer leaks a password: %s", body)
	}
	ts.tokens["fresh"] = sess.Token
	status, body = ts.do("GET", "/api/v1/me", "fresh", nil)
	var me map[string]any
	decodeInto(t, body, &me)
	if status != 200 || me["email"] != "admin@example.dk" || me["role"] != "admin" || me["member_id"] != nil || me["id"] == nil {
		t.Fatalf("me: %d %s", status, body)
	}

	_, wrongPw := ts.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "admin@example.dk", "password": "wrong-password"})
	st, unknown := ts.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@example.dk", "password": "wrong-password"})
	if st != 401 {
		t.Fatalf("unknown e-mail: %d", st)
	}
	strip := regexp.MustCompile(`"request_id":"[^"]*"`)
	if a, b := strip.ReplaceAllString(string(wrongPw), ""), strip.ReplaceAllString(string(unknown), ""); a != b {
		t.Fatalf("wrong password and unknown e-mail differ:\n%s\n%s", a, b)
	}

	// Logout ends the token.
	if st, _ := ts.do("POST", "/api/v1/auth/logout", "fresh", nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _ := ts.do("GET", "/api/v1/me", "fresh", nil); st != 401 {
		t.Fatalf("me after logout: %d", st)
	}
}

func TestLoginRateLimitedPerAccount(t *testing.T) {
	ts := newTestServer(t)
	login := func(pw string) int {
		st, _ := ts.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "finance@example.dk", "password": pw})
		return st
	}
	for i := 0; i < 5; i++ {
		if st := login("wrong-password"); st != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, st)
		}
	}
	// Locked now, even with the right password.
	if st := login(testPassword); st != 429 {
		t.Fatalf("after 5 failures: %d, want 429", st)
	}
	// Another account is not affected.
	if st, body := ts.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "support@example.dk", "password": testPassword}); st != 200 {
		t.Fatalf("other account: %d %s", st, body)
	}
}

func TestLoginRateLimitedPerAddress(t *testing.T) {
	ts := newTestServer(t)
	limited := 0
	for i := 0; i < 35; i++ {
		if i == 30 && limited > 0 {
			t.Fatalf("limited before the 31st attempt")
		}
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(fmt.Sprintf(`{"email":"u%d@example.dk","password":"whatever-pass"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		st, body := ts.send(req)
		if st == 429 {
			limited++
			if !strings.Contains(string(body), `"status":429`) {
				t.Fatalf("429 body: %s", body)
			}
		}
	}
	// The bucket refills one attempt every two seconds, so a slow machine may see one
	// fewer refusal.
	if limited < 4 {
		t.Fatalf("limited %d of 35 attempts from one address, want at least 4", limited)
	}
}

func TestUsersAndTokens(t *testing.T) {
	ts := newTestServer(t)
	m := ts.members["751"].ID
	st, body := ts.do("POST", "/api/v1/users", "admin", map[string]any{"email": "ny@aarhus.dk", "name": "Ny", "password": "long-enough-pw", "role": "member", "member_id": m})
	if st != 201 || strings.Contains(string(body), "password") || strings.Contains(string(body), "hash") {
		t.Fatalf("create user: %d %s", st, body)
	}
	st, body = ts.do("POST", "/api/v1/users", "admin", map[string]any{"email": "x@aarhus.dk", "name": "X", "password": "long-enough-pw", "role": "member"})
	expectFields(t, st, body, "member_id")
	st, body = ts.do("POST", "/api/v1/users", "admin", map[string]any{"email": "ny@aarhus.dk", "name": "Ny", "password": "short", "role": "boss"})
	expectFields(t, st, body, "password", "role")
	st, body = ts.do("POST", "/api/v1/users", "admin", map[string]any{"email": "NY@aarhus.dk", "name": "Ny", "password": "long-enough-pw", "role": "support"})
	expectFields(t, st, body, "email")

	st, body = ts.do("POST", "/api/v1/tokens", "admin", map[string]any{"name": "call centre", "role": "support"})
	var tok struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Token string `json:"token"`
	}
	decodeInto(t, body, &tok)
	if st != 201 || tok.ID == 0 || tok.Name != "call centre" || len(tok.Token) < 40 {
		t.Fatalf("create token: %d %s", st, body)
	}
	var stored []string
	db.Conn(ts.ctx).Table("tokens").Pluck("hash", &stored)
	for _, h := range stored {
		if h == tok.Token || strings.Contains(h, tok.Token) {
			t.Fatal("token stored in plain text")
		}
	}
	ts.tokens["api"] = tok.Token
	st, body = ts.do("GET", "/api/v1/me", "api", nil)
	if st != 200 || !strings.Contains(string(body), `"role":"support"`) {
		t.Fatalf("me with API token: %d %s", st, body)
	}
	if st, _ := ts.do("GET", "/api/v1/tokens", "admin", nil); st != 200 {
		t.Fatalf("list tokens: %d", st)
	}
	if st, _ := ts.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), "admin", nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	if st, _ := ts.do("GET", "/api/v1/me", "api", nil); st != 401 {
		t.Fatalf("revoked token: %d, want 401", st)
	}
}

func TestMembersPinned(t *testing.T) {
	ts := newTestServer(t)
	st, body := ts.do("POST", "/api/v1/members", "admin", map[string]any{"code": "706", "name": "Syddjurs Kommune", "kind": "municipality",
		"ean": "5798000416604", "inhabitants": 42000, "inhabitants_65_plus": 9000})
	var m map[string]any
	decodeInto(t, body, &m)
	if st != 201 || m["id"] == nil || m["code"] != "706" || m["inhabitants_65_plus"] != float64(9000) {
		t.Fatalf("create member: %d %s", st, body)
	}
	st, body = ts.do("POST", "/api/v1/members", "admin", map[string]any{"code": "706", "name": "", "kind": "county", "ean": "123", "inhabitants": -1})
	expectFields(t, st, body, "name", "kind", "ean", "inhabitants")
	st, body = ts.do("POST", "/api/v1/members", "admin", map[string]any{"code": 706, "name": "Again", "kind": "municipality", "ean": "5798000416604"})
	expectFields(t, st, body, "code")

	own, other := ts.members["751"].ID, ts.members["657"].ID
	st, body = ts.do("GET", "/api/v1/members", "member", nil)
	var l struct {
		Items []map[string]any `json:"items"`
		Next  *string          `json:"next_cursor"`
	}
	decodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 1 || l.Items[0]["id"] != float64(own) || l.Next == nil || *l.Next != "" {
		t.Fatalf("member lists members: %d %s", st, body)
	}
	if st, _ := ts.do("GET", fmt.Sprintf("/api/v1/members/%d", own), "member", nil); st != 200 {
		t.Fatalf("own member: %d", st)
	}
	st, body = ts.do("GET", fmt.Sprintf("/api/v1/members/%d", other), "member", nil)
	if st != 404 {
		t.Fatalf("other member: %d, want 404", st)
	}
	st2, body2 := ts.do("GET", "/api/v1/members/999999", "member", nil)
	strip := regexp.MustCompile(`"request_id":"[^"]*"|member \d+`)
	if st2 != 404 || strip.ReplaceAllString(string(body), "") != strip.ReplaceAllString(string(body2), "") {
		t.Fatalf("another member's 404 differs from a missing one:\n%s\n%s", body, body2)
	}
	if st, _ := ts.do("PATCH", fmt.Sprintf("/api/v1/members/%d", own), "member", map[string]any{"name": "X"}); st != 403 {
		t.Fatalf("member patches: %d, want 403", st)
	}
	st, body = ts.do("PATCH", fmt.Sprintf("/api/v1/members/%d", own), "finance", map[string]any{"inhabitants": 350000, "inhabitants_65_plus": 60000})
	if st != 200 || !strings.Contains(string(body), `"inhabitants":350000`) {
		t.Fatalf("patch: %d %s", st, body)
	}
	// Pagination: limit and cursor walk the whole list once.
	seen := 0
	cursor := ""
	for i := 0; i < 10; i++ {
		st, body = ts.do("GET", "/api/v1/members?limit=1&cursor="+cursor, "admin", nil)
		decodeInto(t, body, &l)
		seen += len(l.Items)
		if *l.Next == "" {
			break
		}
		cursor = *l.Next
	}
	if seen != 3 {
		t.Fatalf("paged through %d members, want 3", seen)
	}
	st, body = ts.do("GET", "/api/v1/members?limit=0", "admin", nil)
	expectFields(t, st, body, "limit")
	st, body = ts.do("GET", "/api/v1/members?cursor=garbage!", "admin", nil)
	expectFields(t, st, body, "cursor")
}

func TestSchemesPinned(t *testing.T) {
	ts := newTestServer(t)
	st, body := ts.do("POST", "/api/v1/schemes", "admin", map[string]any{"code": "copd", "name": "COPD telemonitoring"})
	var sc map[string]any
	decodeInto(t, body, &sc)
	if st != 201 || sc["id"] == nil {
		t.Fatalf("create scheme: %d %s", st, body)
	}
	path := fmt.Sprintf("/api/v1/schemes/%v/participants", sc["id"])
	m := ts.members["751"].ID
	st, body = ts.do("POST", path, "admin", map[string]any{"member_id": m, "joined_on": "2024-01-01"})
	if st != 201 {
		t.Fatalf("join: %d %s", st, body)
	}
	st, body = ts.do("POST", path, "admin", map[string]any{"member_id": m, "joined_on": "2025-01-01", "left_on": "2025-06-01"})
	expectFields(t, st, body, "joined_on")
	st, body = ts.do("POST", path, "admin", map[string]any{"member_id": m, "joined_on": "01-01-2024"})
	expectFields(t, st, body, "joined_on")
	st, body = ts.do("POST", path, "admin", map[string]any{"member_id": 99999, "joined_on": "2020-01-01"})
	expectFields(t, st, body, "member_id")
	st, body = ts.do("GET", fmt.Sprintf("/api/v1/schemes/%v", sc["id"]), "member2", nil)
	if st != 200 || !strings.Contains(string(body), `"participants":[]`) {
		t.Fatalf("member2 sees other members' participation: %d %s", st, body)
	}
	st, body = ts.do("GET", fmt.Sprintf("/api/v1/schemes/%v", sc["id"]), "logistics", nil)
	if st != 200 || !strings.Contains(string(body), `"joined_on":"2024-01-01"`) {
		t.Fatalf("scheme participants: %d %s", st, body)
	}
	if st, _ := ts.do("POST", "/api/v1/schemes/424242/participants", "admin", map[string]any{"member_id": m, "joined_on": "2024-01-01"}); st != 404 {
		t.Fatalf("unknown scheme: %d", st)
	}
}

func TestProblemDetails(t *testing.T) {
	ts := newTestServer(t)
	req := httptest.NewRequest("POST", "/api/v1/members", strings.NewReader(`{"code": "1",`))
	req.Header.Set("Authorization", "Bearer "+ts.tokens["admin"])
	resp, err := ts.s.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("malformed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st, body := ts.do("POST", "/api/v1/members", "admin", `{"code":"1","name":"x","kind":"region","ean":"5798000416604","inhabitants":1,"inhabitants_65_plus":0,"mayor":"x"}`)
	expectFields(t, st, body, "mayor")
	st, body = ts.do("POST", "/api/v1/members", "admin", `{"code":"1","name":"x","kind":"region","ean":"5798000416604","inhabitants":"many"}`)
	expectFields(t, st, body, "inhabitants")
	if st, body := ts.do("GET", "/api/v1/nothing-here", "admin", nil); st != 404 || !strings.Contains(string(body), `"status":404`) {
		t.Fatalf("unknown endpoint: %d %s", st, body)
	}
	if st, _ := ts.do("GET", "/api/v1/me", "", nil); st != 401 {
		t.Fatalf("no token: %d", st)
	}
	req = httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	if st, _ := ts.send(req); st != 401 {
		t.Fatalf("bad token: %d", st)
	}
}

func TestAuditTrail(t *testing.T) {
	ts := newTestServer(t)
	ts.do("PATCH", fmt.Sprintf("/api/v1/members/%d", ts.members["751"].ID), "logistics", map[string]any{"name": "Aarhus Kommune"})
	st, body := ts.do("GET", "/api/v1/audit?entity=member&actor=logistics@example.dk", "admin", nil)
	var l struct {
		Items []struct {
			Action, Entity, Actor, Role, RequestID string
			Before, After                          map[string]any
		} `json:"items"`
	}
	decodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 1 {
		t.Fatalf("audit: %d %s", st, body)
	}
	e := l.Items[0]
	if e.Action != "update" || e.Role != "logistics" || e.Before["name"] != "Kommune 751" || e.After["name"] != "Aarhus Kommune" {
		t.Fatalf("audit entry: %s", body)
	}
	if !strings.Contains(string(body), `"request_id":"`) {
		t.Fatalf("no request id: %s", body)
	}
}

func TestHealthAndReady(t *testing.T) {
	ts := newTestServer(t)
	if st, _ := ts.do("GET", "/healthz", "", nil); st != 200 {
		t.Fatalf("healthz: %d", st)
	}
	if st, body := ts.do("GET", "/readyz", "", nil); st != 200 {
		t.Fatalf("readyz: %d %s", st, body)
	}
	if st, body := ts.do("GET", "/metrics", "", nil); st != 200 || !strings.Contains(string(body), "fsc_http_requests_total") {
		t.Fatalf("metrics: %d", st)
	}
	ts.s.Redis.Client.Close()
	if st, _ := ts.do("GET", "/readyz", "", nil); st != 503 {
		t.Fatalf("readyz without redis: %d, want 503", st)
	}
}

// expectFields checks a 422 problem naming exactly these fields (at least).
func expectFields(t *testing.T, status int, body []byte, fields ...string) {
	t.Helper()
	if status != 422 {
		t.Fatalf("status %d, want 422: %s", status, body)
	}
	var p problem
	decodeInto(t, body, &p)
	got := map[string]bool{}
	for _, f := range p.Errors {
		got[f.Field] = true
	}
	for _, f := range fields {
		if !got[f] {
			t.Errorf("no error for field %q in %s", f, body)
		}
	}
}
