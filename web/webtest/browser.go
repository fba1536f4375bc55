package webtest

// Browser tests: the real app on a real socket, driven by a headless Chromium through
// chromedp. They click through the pages as a user would, assert on what the page
// shows, and save a full-page screenshot of each step in testdata/screenshots of the
// test's package (git ignores it) for a person to look at.
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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/fsc/backoffice/internal/validate"
)

const (
	browserTestTimeout = 60 * time.Second // the whole test, browser included
	browserStepTimeout = 15 * time.Second // one step, so a missing element fails fast
	screenshotDir      = "testdata/screenshots"
)

// Browser is one headless Chromium tab on the app of TS, served at Base.
type Browser struct {
	T    *testing.T
	TS   *Server
	Base string          // http://127.0.0.1:port
	Ctx  context.Context // the chromedp tab

	dialogMu sync.Mutex
	dialogs  []string // the messages of the confirm and alert dialogs the pages opened
}

// Dialogs returns the messages of the dialogs (confirm, alert) the pages have opened so
// far, oldest first. Every dialog is accepted, as a user who clicks OK would.
func (b *Browser) Dialogs() []string {
	b.dialogMu.Lock()
	defer b.dialogMu.Unlock()
	return append([]string(nil), b.dialogs...)
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

// StartBrowser serves a fresh test app on 127.0.0.1 and opens a headless Chromium tab
// with a fresh profile. Everything stops when t ends, and at the latest after
// browserTestTimeout.
func StartBrowser(t *testing.T) *Browser {
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

	ts := New(t)
	dataDir := t.TempDir() // registered before the browser's cleanup, so removed after it

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ts.App.Listener(ln) }()
	t.Cleanup(func() {
		if err := ts.App.Shutdown(); err != nil {
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
	b := &Browser{T: t, TS: ts, Base: "http://" + ln.Addr().String(), Ctx: tabCtx}
	// A page that asks (confirm) waits for the answer, and so does the click that opened
	// it: a second goroutine notes the question and says OK.
	dialogs := chromedp.Events(tabCtx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.dialogMu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.dialogMu.Unlock()
			if _, err := chromedp.Call(tabCtx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return b
}

// stepCtx limits one step, so a wrong page fails in seconds rather than at the end of
// the test's overall timeout.
func (b *Browser) stepCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.Ctx, browserStepTimeout)
}

// do runs actions in order and fails the test at the first error.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.T.Fatalf("%s: %v", what, err)
	}
}

// open loads path and returns the HTTP status of the document.
func (b *Browser) Open(path string) int64 {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.Base+path))
	if err != nil {
		b.T.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// follow runs actions that cause a navigation (a click on a link or a submit button),
// waits for the new page to load and returns its HTTP status, after redirects.
func (b *Browser) Follow(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.T.Fatalf("%s: %v", what, err)
	}
	return resp.Status
}

// click clicks the element of the CSS selector sel and waits for the page it leads to.
func (b *Browser) Click(sel string) int64 {
	b.T.Helper()
	return b.Follow("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// text returns the visible text of the first element matching the CSS selector sel.
func (b *Browser) Text(sel string) string {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.T.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// value returns the value of the form field of the CSS selector sel.
func (b *Browser) Value(sel string) string {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.T.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

// attr returns the attribute name of the first element matching the CSS selector sel.
func (b *Browser) Attr(sel, name string) string {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.T.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return a.Value
}

// count returns how many elements match the CSS selector sel, without waiting.
func (b *Browser) Count(sel string) int {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.T.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// focused returns the id of the element that has the keyboard focus.
func (b *Browser) Focused() string {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.activeElement ? document.activeElement.id : ''"))
	if err != nil {
		b.T.Fatalf("focused element: %v", err)
	}
	return id
}

// ExpectFocus fails unless the element of id has the keyboard focus within a step's
// time: the browser applies autofocus after the page has loaded, so it is polled.
func (b *Browser) ExpectFocus(id, why string) {
	b.T.Helper()
	deadline := time.Now().Add(browserStepTimeout)
	for {
		got := b.Focused()
		if got == id {
			return
		}
		if time.Now().After(deadline) {
			b.T.Errorf("the focus is on #%s; want #%s: %s", got, id, why)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// path returns the path of the page the tab shows.
func (b *Browser) Path() string {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.T.Fatalf("location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.T.Fatalf("location %q: %v", loc, err)
	}
	if !strings.HasPrefix(loc, b.Base) {
		b.T.Fatalf("location %q is not on the app at %s", loc, b.Base)
	}
	return u.Path
}

// expectText fails unless the visible text of sel contains want.
func (b *Browser) ExpectText(sel, want string) {
	b.T.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.T.Errorf("%s shows %q; want it to contain %q", sel, got, want)
	}
}

// expectNoText fails if the visible text of sel contains unwanted.
func (b *Browser) ExpectNoText(sel, unwanted string) {
	b.T.Helper()
	if got := b.Text(sel); strings.Contains(got, unwanted) {
		b.T.Errorf("%s shows %q; it must not contain %q", sel, got, unwanted)
	}
}

// expectPage fails unless the last navigation answered status and the tab is at path.
func (b *Browser) ExpectPage(status, wantStatus int64, wantPath string) {
	b.T.Helper()
	if status != wantStatus {
		b.T.Errorf("status %d; want %d (page at %s shows %q)", status, wantStatus, b.Path(), b.Text("main"))
	}
	if p := b.Path(); p != wantPath {
		b.T.Fatalf("at %s; want %s", p, wantPath)
	}
}

// login fills in and submits the login form, which must be on screen.
func (b *Browser) Login(email, password string) int64 {
	b.T.Helper()
	b.Do("fill in the login form",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	return b.Click(`.login-card button[type="submit"]`)
}

// shot saves a full-page PNG of the tab as testdata/screenshots/<name>.png.
func Shot(name string) chromedp.Action[chromedp.Void] {
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

func (b *Browser) Shot(name string) {
	b.T.Helper()
	b.Do("screenshot "+name, Shot(name))
}

// validEAN returns a 13-digit GLN with a correct GS1 check digit, and the same number
// with a wrong one.
func ValidEAN(body string) (good, bad string) {
	c := validate.CheckDigit(body)
	return body + string(c), body + string('0'+(c-'0'+1)%10)
}
