package web

// Browser tests: the real app on a real socket, driven by a headless Chromium through
// chromedp. They click through the pages as a user would, assert on what the page
// shows, and save a full-page screenshot of each step in testdata/screenshots (git
// ignores it) for a person to look at.
//
// They skip when no Chromium is installed, unless FSC_REQUIRE_BROWSER=1 (CI sets it so
// a missing browser fails instead of passing silently), and they skip under -short.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/fsc/backoffice/internal/validate"
)

const (
	browserTestTimeout = 60 * time.Second // the whole test, browser included
	browserStepTimeout = 15 * time.Second // one step, so a missing element fails fast
	screenshotDir      = "testdata/screenshots"
)

// browserTest is one headless Chromium tab on the app of ts, served at base.
type browserTest struct {
	t    *testing.T
	ts   *testServer
	base string          // http://127.0.0.1:port
	ctx  context.Context // the chromedp tab
}

// syncBuffer collects the browser's output; chromedp writes it from its own goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startBrowser serves a fresh test app on 127.0.0.1 and opens a headless Chromium tab
// with a fresh profile. Everything stops when t ends, and at the latest after
// browserTestTimeout.
func startBrowser(t *testing.T) *browserTest {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	execPath, err := exec.LookPath("chromium")
	if err != nil {
		execPath, err = exec.LookPath("chromium-browser")
	}
	if err != nil {
		if os.Getenv("FSC_REQUIRE_BROWSER") == "1" {
			t.Fatal("FSC_REQUIRE_BROWSER=1 but neither chromium nor chromium-browser is on PATH")
		}
		t.Skip("no chromium or chromium-browser on PATH; set FSC_REQUIRE_BROWSER=1 to fail instead")
	}

	ts := newTestServer(t)
	dataDir := t.TempDir() // registered before the browser's cleanup, so removed after it

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ts.s.App.Listener(ln) }()
	t.Cleanup(func() {
		if err := ts.s.App.Shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not stop within 10s of Shutdown")
		}
	})

	// chromedp logs from its own goroutines; stop passing that to t when t ends.
	var logMu sync.Mutex
	logDone := false
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		if !logDone {
			t.Logf("chromedp: "+format, args...)
		}
	}

	var out syncBuffer
	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserTestTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
		logMu.Lock()
		logDone = true
		logMu.Unlock()
		// Chromium's helpers can write to the profile for a moment after the main
		// process is gone; clear it here so t.TempDir's own removal finds nothing.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if err := os.RemoveAll(dataDir); err == nil || time.Now().After(deadline) {
				break
			}
		}
	})

	start := time.Now()
	if err := chromedp.Do(tabCtx); err != nil { // starts the browser, bound to tabCtx
		t.Fatalf("start %s: %v\nbrowser output:\n%s", execPath, err, out.String())
	}
	t.Logf("%s started in %v; app at http://%s", execPath, time.Since(start).Round(time.Millisecond), ln.Addr())
	return &browserTest{t: t, ts: ts, base: "http://" + ln.Addr().String(), ctx: tabCtx}
}

// stepCtx limits one step, so a wrong page fails in seconds rather than at the end of
// the test's overall timeout.
func (b *browserTest) stepCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, browserStepTimeout)
}

// do runs actions in order and fails the test at the first error.
func (b *browserTest) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads path and returns the HTTP status of the document.
func (b *browserTest) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// follow runs actions that cause a navigation (a click on a link or a submit button),
// waits for the new page to load and returns its HTTP status, after redirects.
func (b *browserTest) follow(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return resp.Status
}

// click clicks the element of the CSS selector sel and waits for the page it leads to.
func (b *browserTest) click(sel string) int64 {
	b.t.Helper()
	return b.follow("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// text returns the visible text of the first element matching the CSS selector sel.
func (b *browserTest) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// value returns the value of the form field of the CSS selector sel.
func (b *browserTest) value(sel string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

// attr returns the attribute name of the first element matching the CSS selector sel.
func (b *browserTest) attr(sel, name string) string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return a.Value
}

// count returns how many elements match the CSS selector sel, without waiting.
func (b *browserTest) count(sel string) int {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// focused returns the id of the element that has the keyboard focus.
func (b *browserTest) focused() string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.activeElement ? document.activeElement.id : ''"))
	if err != nil {
		b.t.Fatalf("focused element: %v", err)
	}
	return id
}

// path returns the path of the page the tab shows.
func (b *browserTest) path() string {
	b.t.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	if !strings.HasPrefix(loc, b.base) {
		b.t.Fatalf("location %q is not on the app at %s", loc, b.base)
	}
	return u.Path
}

// expectText fails unless the visible text of sel contains want.
func (b *browserTest) expectText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Errorf("%s shows %q; want it to contain %q", sel, got, want)
	}
}

// expectNoText fails if the visible text of sel contains unwanted.
func (b *browserTest) expectNoText(sel, unwanted string) {
	b.t.Helper()
	if got := b.text(sel); strings.Contains(got, unwanted) {
		b.t.Errorf("%s shows %q; it must not contain %q", sel, got, unwanted)
	}
}

// expectPage fails unless the last navigation answered status and the tab is at path.
func (b *browserTest) expectPage(status, wantStatus int64, wantPath string) {
	b.t.Helper()
	if status != wantStatus {
		b.t.Errorf("status %d; want %d (page at %s shows %q)", status, wantStatus, b.path(), b.text("main"))
	}
	if p := b.path(); p != wantPath {
		b.t.Fatalf("at %s; want %s", p, wantPath)
	}
}

// login fills in and submits the login form, which must be on screen.
func (b *browserTest) login(email, password string) int64 {
	b.t.Helper()
	b.do("fill in the login form",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	return b.click(`.login-card button[type="submit"]`)
}

// shot saves a full-page PNG of the tab as testdata/screenshots/<name>.png.
func shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, t) // quality 100 gives PNG
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644)
	})
}

func (b *browserTest) shot(name string) {
	b.t.Helper()
	b.do("screenshot "+name, shot(name))
}

// validEAN returns a 13-digit GLN with a correct GS1 check digit, and the same number
// with a wrong one.
func validEAN(body string) (good, bad string) {
	c := validate.CheckDigit(body)
	return body + string(c), body + string('0'+(c-'0'+1)%10)
}

func TestBrowserLoginPage(t *testing.T) {
	b := startBrowser(t)

	// A visitor without a session is sent to the login form, which remembers where to.
	status := b.open("/members")
	b.expectPage(status, 200, "/login")
	if got := b.value(`input[name="next"]`); got != "/members" {
		t.Errorf("login form next = %q; want /members", got)
	}
	if got := b.attr("html", "lang"); got != "da" {
		t.Errorf("html lang = %q; want da", got)
	}
	b.expectText("h1", "Log ind")
	b.expectText(`label[for="email"]`, "E-mail")
	b.expectText(`label[for="password"]`, "Adgangskode")
	b.expectText(".top .lang", "English")
	if n := b.count("nav.side"); n != 0 {
		t.Errorf("login page shows the side navigation (%d) to a visitor", n)
	}
	if n := b.count(".alert"); n != 0 {
		t.Errorf("login page shows an error before any attempt: %q", b.text(".alert"))
	}
	b.shot("login")

	status = b.login("admin@example.dk", "wrong-"+testPassword)
	b.expectPage(status, 401, "/login")
	b.expectText(`.alert[role="alert"]`, "Forkert e-mail eller adgangskode.")
	if got := b.value("#email"); got != "admin@example.dk" {
		t.Errorf("e-mail field after a failed login = %q; want it kept", got)
	}
	if got := b.focused(); got != "password" {
		t.Errorf("after a failed login the focus is on #%s; want #password, the e-mail is kept", got)
	}
	if got := b.value("#password"); got != "" {
		t.Errorf("password field after a failed login = %q; want it empty", got)
	}
	if got := b.value(`input[name="next"]`); got != "/members" {
		t.Errorf("next after a failed login = %q; want /members kept", got)
	}
	if n := b.count(`form[action="/logout"]`); n != 0 {
		t.Error("a failed login shows the logout button")
	}
	b.shot("login-failed")
}

func TestBrowserJourneyAdminCreatesMemberMemberSeesOwn(t *testing.T) {
	b := startBrowser(t)
	good, bad := validEAN("579800000706")
	if !validate.GS1(good) || validate.GS1(bad) {
		t.Fatalf("validEAN: %s should pass and %s fail", good, bad)
	}

	// The admin logs in and lands on the dashboard.
	b.expectPage(b.open("/login"), 200, "/login")
	b.expectPage(b.login("admin@example.dk", testPassword), 200, "/")
	b.expectText("h1", "Goddag, admin")
	b.expectText(".top .who", "Administrator")
	b.expectText(".cards", "Medlemmer")
	if got := b.text(`.cards a[href="/members"] .num`); got != "2" {
		t.Errorf("members card shows %q; want 2", got)
	}
	b.expectText(`nav.side a[aria-current="page"]`, "Overblik")
	b.shot("dashboard-admin")

	// The members list shows both members and a button for a new one.
	b.expectPage(b.click(`nav.side a[href="/members"]`), 200, "/members")
	b.expectText("h1", "Medlemmer")
	if n := b.count("table.list tbody tr"); n != 2 {
		t.Errorf("members table has %d rows; want 2", n)
	}
	b.expectText("table.list", "Kommune 751")
	b.expectText("table.list", "Kommune 657")
	b.shot("members")

	b.expectPage(b.click(`.page-head a[href="/members/new"]`), 200, "/members/new")
	b.expectText("h1", "Nyt medlem")
	b.do("fill in the member form",
		chromedp.SendKeys(chromedp.ID("code"), "706"),
		chromedp.SendKeys(chromedp.ID("name"), "Syddjurs Kommune"),
		chromedp.SetValue(chromedp.ID("kind"), "municipality"),
		chromedp.SendKeys(chromedp.ID("ean"), bad),
		chromedp.SendKeys(chromedp.ID("inhabitants"), "43.512"),
		chromedp.SendKeys(chromedp.ID("inhabitants_65_plus"), "11.204"),
	)

	// A wrong check digit is refused, naming the field, and the form keeps what was typed.
	b.expectPage(b.click(`form.form button[type="submit"]`), 422, "/members/new")
	b.expectText(`.alert[role="alert"]`, "Ret venligst følgende:")
	b.expectText(`.alert[role="alert"] li[data-field="ean"]`, "EAN-nummer: skal være 13 cifre med gyldigt GS1-kontrolciffer")
	for sel, want := range map[string]string{"#code": "706", "#name": "Syddjurs Kommune", "#kind": "municipality", "#ean": bad, "#inhabitants": "43.512"} {
		if got := b.value(sel); got != want {
			t.Errorf("after the rejected submit %s = %q; want %q", sel, got, want)
		}
	}
	b.shot("member-form-error")

	// With a valid EAN the member is created and its page shown.
	b.do("correct the EAN", chromedp.SetValue(chromedp.ID("ean"), good))
	b.follow("submit the member form", chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`), chromedp.NodeVisible))
	if p := b.path(); !regexp.MustCompile(`^/members/[0-9]+$`).MatchString(p) {
		t.Fatalf("after creating the member the tab is at %s (%q); want /members/<id>", p, b.text("main"))
	}
	b.expectText("h1", "Syddjurs Kommune")
	b.expectText("h1", "(706)")
	b.expectText(`.flash[role="status"]`, "Gemt.")
	b.expectText("dl.facts", good)
	b.expectText("dl.facts", "43.512")
	b.expectText("dl.facts", "Kommune")
	b.shot("member-created")

	// The admin logs out with the button in the header.
	b.expectPage(b.click(`.top form[action="/logout"] button`), 200, "/login")
	b.expectPage(b.open("/"), 200, "/login") // the session is really gone

	// A member user sees the dashboard of their own municipality.
	b.expectPage(b.login("member@example.dk", testPassword), 200, "/")
	b.expectText("h1", "Goddag, member")
	b.expectText(".lead", "Du arbejder for Kommune 751.")
	b.expectText(".top .who", "Medlem")
	b.expectText("nav.side", "Min kommune")
	b.expectNoText("nav.side", "Medlemmer")
	if n := b.count(".cards"); n != 0 {
		t.Error("member dashboard shows the staff counters")
	}
	b.shot("dashboard-member")

	own, other := b.ts.members["751"].ID, b.ts.members["657"].ID
	b.expectPage(b.open(fmt.Sprintf("/members/%d", own)), 200, fmt.Sprintf("/members/%d", own))
	b.expectText("h1", "Kommune 751")
	if n := b.count(`a[href$="/edit"]`); n != 0 {
		t.Error("a member user is offered the edit button")
	}

	// Another municipality's page does not exist for them, and the list is forbidden.
	b.expectPage(b.open(fmt.Sprintf("/members/%d", other)), 404, fmt.Sprintf("/members/%d", other))
	if got := b.text(".error-page .status"); got != "404" {
		t.Errorf("error page status shows %q; want 404", got)
	}
	b.expectText(".error-page h1", "Siden blev ikke fundet")
	b.expectText(".error-page", "Siden findes ikke")
	b.expectNoText("main", "Kommune 657")
	b.expectNoText("main", "not found") // the service's English detail, with the id
	if n := b.count(`nav.side a[aria-current="page"]`); n != 0 {
		t.Errorf("a page the member may not see marks %q as current", b.text(`nav.side a[aria-current="page"]`))
	}
	b.shot("member-404")

	b.expectPage(b.open("/members"), 403, "/members")
	if got := b.text(".error-page .status"); got != "403" {
		t.Errorf("error page status shows %q; want 403", got)
	}
	b.expectText(".error-page h1", "Ingen adgang")
	b.expectText(".error-page", "Du har ikke adgang til denne side.")

	// The language link in the header switches to English and stays on the page.
	b.expectPage(b.open("/"), 200, "/")
	b.expectText(".top a.lang", "English")
	b.expectPage(b.click(".top a.lang"), 200, "/")
	if got := b.text(`.top form[action="/logout"] button`); got != "Log out" {
		t.Errorf("logout button shows %q; want Log out", got)
	}
	b.expectText("h1", "Hello, member")
	b.expectText(".lead", "You work for Kommune 751.")
	b.expectText(".top a.lang", "Dansk")
	if got := b.attr("html", "lang"); got != "en" {
		t.Errorf("html lang = %q after switching to English; want en", got)
	}
	b.shot("dashboard-member-en")
}
