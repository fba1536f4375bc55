package home_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/web"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/fsc/backoffice/web/webtest"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Response splitting and open redirects through next, over a real connection: the
// answer's header block is read byte for byte.
func TestNextNeitherSplitsTheAnswerNorLeavesTheSite(t *testing.T) {
	ts := webtest.New(t)
	addr := ts.Listen()
	for _, next := range []string{
		"/%0d%0aSet-Cookie:%20fsc_session=attacker%0d%0a%0d%0aHELLO",
		"/%0aX-Injected:%20yes", "/%0dX-Injected:%20yes", "/%09/evil.example", "//evil.example", "/%5Cevil.example",
		"/%5C/evil.example", "https:%2F%2Fevil.example", "https://evil.example", "%2F%2Fevil.example", "/%00x", "/%20/evil.example",
	} {
		head, resp, err := webtest.RawExchange(addr, "GET /lang/en?next="+next+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if err != nil {
			t.Fatalf("next=%s: %v\n%s", next, err, head)
		}
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "/" {
			t.Errorf("next=%s: %d to %q, want 302 to /", next, resp.StatusCode, resp.Header.Get("Location"))
		}
		if strings.Contains(head, "attacker") || strings.Contains(head, "X-Injected") || strings.Contains(head, "evil") {
			t.Errorf("next=%s: the answer carries the attacker's text:\n%s", next, head)
		}
		// The login form carries next on, and must not carry a bad one either.
		st, body, _ := webtest.NewClient(ts).Get("/login?next=" + next)
		if st != 200 || !strings.Contains(body, `name="next" value="/"`) {
			t.Errorf("GET /login?next=%s: %d, next not reset to /", next, st)
		}
	}
	// A good next is kept.
	if _, resp, err := webtest.RawExchange(addr, "GET /lang/da?next=/orders%3Fstatus%3Dopen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil ||
		resp.Header.Get("Location") != "/orders?status=open" {
		t.Errorf("a local next: %v %v", err, resp.Header)
	}

	// POST /login with a next that would add a header to the 303.
	cl := webtest.NewClient(ts)
	cl.Get("/login")
	for _, next := range []string{"/\r\nX-Injected: yes", "/\nX-Injected: yes", "/\t/evil.example", "//evil.example", "/\\evil.example"} {
		form := url.Values{"email": {"admin@example.dk"}, "password": {webtest.Password}, "next": {next}, "_csrf": {cl.CSRF}}
		var cookies []string
		for k, v := range cl.Cookies {
			if k != ui.SessionCookie {
				cookies = append(cookies, k+"="+v)
			}
		}
		body := form.Encode()
		head, resp, err := webtest.RawExchange(addr, "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nCookie: "+strings.Join(cookies, "; ")+
			"\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" || strings.Contains(head, "X-Injected") {
			t.Errorf("POST /login next=%q: %d\n%s", next, resp.StatusCode, head)
		}
	}
}

// The CSRF check needs no Redis: with Redis unreachable the login page works, a forged
// or missing token is refused, and the log says why.
func TestLoginAndCSRFWithRedisDown(t *testing.T) {
	ts := webtest.NewUnreachableRedis(t)
	logs := captureLogs(t)
	cl := webtest.LoggedIn(ts, "admin") // fails the test unless the form works
	cl.ExpectPage("/", 200)

	other := webtest.NewClient(ts)
	other.Get("/login")
	for name, tok := range map[string]string{"missing": "", "another browser's": other.CSRF, "forged": strings.Repeat("A", 43)} {
		st, _, _ := cl.Post("/logout", url.Values{"_csrf": {tok}})
		if st != 403 {
			t.Errorf("%s token: %d, want 403", name, st)
		}
	}
	for _, want := range []string{"csrf check failed", "no _csrf field", "does not match the cookie"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
	// Without the cookie the token alone does not pass.
	tok := cl.CSRF
	delete(cl.Cookies, "fsc_csrf")
	if st, _, _ := cl.Post("/logout", url.Values{"_csrf": {tok}}); st != 403 || !strings.Contains(logs.String(), "no valid fsc_csrf cookie") {
		t.Errorf("no cookie: %d", st)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func captureLogs(t *testing.T) *syncBuffer {
	buf := &syncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

func TestSecurityHeadersAndSecureCookie(t *testing.T) {
	ts := webtest.New(t)
	resp, err := ts.App.Test(httptest.NewRequest("GET", "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Errorf("headers = %v", h)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "fsc_csrf" && c.Secure {
			t.Error("the CSRF cookie is Secure on a plain HTTP request")
		}
	}
	api, _ := ts.App.Test(httptest.NewRequest("GET", "/api/v1/me", nil), -1)
	if api.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("API headers = %v", api.Header)
	}

	// Behind a proxy that says the request came over HTTPS, the cookies are Secure
	// without any flag.
	for _, proto := range []string{"https", "http"} {
		cl := webtest.NewClient(ts)
		cl.Get("/login")
		form := url.Values{"email": {"admin@example.dk"}, "password": {webtest.Password}, "next": {"/"}, "_csrf": {cl.CSRF}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", proto)
		for k, v := range cl.Cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := ts.App.Test(req, -1)
		if err != nil || resp.StatusCode != 303 {
			t.Fatalf("%s login: %v %v", proto, err, resp.StatusCode)
		}
		secure := map[string]bool{}
		for _, c := range resp.Cookies() {
			secure[c.Name] = c.Secure
		}
		if secure[ui.SessionCookie] != (proto == "https") || secure["fsc_csrf"] != (proto == "https") {
			t.Errorf("X-Forwarded-Proto %s: Secure = %v", proto, secure)
		}
	}
}

func TestUnknownMethodIs405Problem(t *testing.T) {
	ts := webtest.New(t)
	addr := ts.Listen()
	for _, path := range []string{"/api/v1/me", "/login", "/nowhere"} {
		_, resp, err := webtest.RawExchange(addr, "GETT "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 405 || resp.Header.Get("Content-Type") != httpx.ProblemType || !strings.Contains(resp.Header.Get("Allow"), "GET") {
			t.Errorf("GETT %s: %d %v", path, resp.StatusCode, resp.Header)
		}
	}
	// A known method on a path that has others is 405 problem+json as well.
	st, body := ts.Do("DELETE", "/api/v1/me", "admin", nil)
	if st != 405 || !strings.Contains(string(body), `"status":405`) {
		t.Errorf("DELETE /me: %d %s", st, body)
	}
}

var tryAgainRE = regexp.MustCompile(`try again in ([0-9hms]+)`)

func TestTooManyLoginsSayTheirRetryAfter(t *testing.T) {
	ts := webtest.New(t)
	var st int
	var body []byte
	var hdr string
	for i := 0; i < 40 && st != 429; i++ {
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"email":"admin@example.dk","password":"wrong-password"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		st, hdr = resp.StatusCode, resp.Header.Get("Retry-After")
		body = make([]byte, 4096)
		n, _ := resp.Body.Read(body)
		body = body[:n]
	}
	if st != 429 {
		t.Fatalf("no 429 after 40 wrong passwords: %d %s", st, body)
	}
	m := tryAgainRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("429 without a wait: %s", body)
	}
	said, err := time.ParseDuration(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if hdr != strconv.Itoa(int(said.Seconds())) {
		t.Errorf("the answer says %s, Retry-After says %s", said, hdr)
	}
}

// With the database unreachable the API answers 503 problem+json with Retry-After.
func TestDatabaseDownIs503(t *testing.T) {
	g, err := gorm.Open(postgres.Open("postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"),
		&gorm.Config{DisableAutomaticPing: true})
	if err != nil {
		t.Fatal(err)
	}
	r := testenv.Redis(t)
	sv := wire.New(g, r, wire.Options{})
	s := web.New(web.Deps{DB: g, Redis: r, Dispatcher: sv.Dispatcher, Auth: sv.Auth, Contracts: sv.Contracts,
		Inventory: sv.Inventory, Orders: sv.Orders, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/me", ""},
		{"POST", "/api/v1/auth/login", `{"email":"a@b.dk","password":"x"}`},
	} {
		req := httptest.NewRequestWithContext(ctx, tc.method, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer fsct_nothing")
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != httpx.ProblemType {
			t.Errorf("%s %s with the database down: %d %v", tc.method, tc.path, resp.StatusCode, resp.Header)
		}
	}
}

// Control characters in a form or a page's query are refused 422 naming the input
// before any page handler (PostgreSQL answered a NUL in the login form with a 500).
func TestFormsRefuseControlCharacters(t *testing.T) {
	ts := webtest.New(t)
	cl := webtest.NewClient(ts)
	cl.Get("/login")
	for field, form := range map[string]url.Values{
		"email":    {"email": {"admin@example.dk\x00"}, "password": {webtest.Password}},
		"password": {"email": {"admin@example.dk"}, "password": {"x\x01y"}},
		"next":     {"email": {"admin@example.dk"}, "password": {"x"}, "next": {strings.Repeat("a", 300_000)}},
	} {
		if form.Get("next") == "" {
			form.Set("next", "/")
		}
		st, body, _ := cl.Post("/login", form)
		if st != 422 || !strings.Contains(body, "<code>"+field+"</code>") {
			t.Errorf("login form %.40q: %d %s", form.Encode(), st, webtest.PageSnippet(body))
		}
	}
	// Newlines and tabs in a form value are text a textarea sends; they pass.
	if st, _, loc := cl.Post("/login", url.Values{"email": {"admin@example.dk"}, "password": {webtest.Password}, "next": {"/"}, "note": {"a\r\n\tb"}}); st != 303 || loc != "/" {
		t.Errorf("login with a multi-line extra: %d %q", st, loc)
	}
	if st, _, _ := webtest.LoggedIn(ts, "admin").Get("/audit?entity=x%00y"); st != 422 {
		t.Errorf("a page query with NUL: %d, want 422", st)
	}
	// JSON login: the decode names the field.
	st, body := ts.Do("POST", "/api/v1/auth/login", "", `{"email":"a\u0000b","password":"x"}`)
	webtest.ExpectFields(t, st, body, "email")
}

// A request line longer than the server reads is 431 problem+json, not a dropped
// connection.
func TestLongURLIsAProblem(t *testing.T) {
	ts := webtest.New(t)
	addr := ts.Listen()
	_, resp, err := webtest.RawExchange(addr, "GET /api/v1/devices?serial="+strings.Repeat("x", 40_000)+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 431 || resp.Header.Get("Content-Type") != httpx.ProblemType {
		t.Errorf("a 40 kB URL: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
