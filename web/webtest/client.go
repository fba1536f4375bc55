package webtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/ui"
)

// Client uses the pages of a Server as a browser without JavaScript would: it keeps
// cookies, logs in through the form and posts forms with the CSRF token of the last
// page it fetched.
type Client struct {
	T       *testing.T
	TS      *Server
	Cookies map[string]string
	CSRF    string // the _csrf of the last page that had a form
}

var csrfInputRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// NewClient returns a client without cookies: a visitor.
func NewClient(ts *Server) *Client {
	return &Client{T: ts.T, TS: ts, Cookies: map[string]string{}}
}

// LoggedIn returns a client logged in as the user key of Users.
func LoggedIn(ts *Server, user string) *Client {
	ts.T.Helper()
	b := NewClient(ts)
	b.Login(user+"@example.dk", Password)
	return b
}

// Get fetches path and returns the status, the body and the Location header.
func (b *Client) Get(path string) (int, string, string) {
	b.T.Helper()
	return b.Send("GET", path, nil)
}

// Post submits form to path with the current CSRF token (unless form sets _csrf).
func (b *Client) Post(path string, form url.Values) (int, string, string) {
	b.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.CSRF)
	}
	return b.Send("POST", path, form)
}

// Send sends a request with form (nil for none) as a browser would and keeps the
// cookies and CSRF token of the answer.
func (b *Client) Send(method, path string, form url.Values) (int, string, string) {
	b.T.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.Do(req)
}

// Do sends req with the client's cookies and an HTML Accept header, and keeps the
// cookies and CSRF token of the answer.
func (b *Client) Do(req *http.Request) (int, string, string) {
	b.T.Helper()
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	for k, v := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.TS.App.Test(req, -1)
	if err != nil {
		b.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Value == "" || c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Unix() <= 0) {
			delete(b.Cookies, c.Name)
		} else {
			b.Cookies[c.Name] = c.Value
		}
	}
	if m := csrfInputRE.FindSubmatch(raw); m != nil {
		b.CSRF = string(m[1])
	}
	return resp.StatusCode, string(raw), resp.Header.Get("Location")
}

// Login signs in through the login page and fails the test unless it works.
func (b *Client) Login(email, password string) {
	b.T.Helper()
	if st, body, _ := b.Get("/login"); st != 200 || b.CSRF == "" {
		b.T.Fatalf("GET /login: %d, csrf %q: %s", st, b.CSRF, body)
	}
	st, body, loc := b.Post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	if st != 303 || loc != "/" || b.Cookies[ui.SessionCookie] == "" {
		b.T.Fatalf("POST /login as %s: %d to %q, session %q: %s", email, st, loc, b.Cookies[ui.SessionCookie], body)
	}
}

// ExpectPage fetches path and checks its status and that the body holds each of want.
func (b *Client) ExpectPage(path string, status int, want ...string) string {
	b.T.Helper()
	st, body, _ := b.Get(path)
	if st != status {
		b.T.Fatalf("GET %s: %d, want %d: %s", path, st, status, PageSnippet(body))
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			b.T.Errorf("GET %s: body lacks %q: %s", path, w, PageSnippet(body))
		}
	}
	return body
}

// PageSnippet is the main part of a page, for failure messages.
func PageSnippet(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}
