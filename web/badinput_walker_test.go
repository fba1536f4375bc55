package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

// answerBudget is the slowest answer the walk accepts: 2 s, stretched under the race
// detector, which times the detector rather than the server.
func answerBudget() time.Duration {
	if raceEnabled {
		return 30 * time.Second
	}
	return 2 * time.Second
}

type walker struct {
	t          *testing.T
	ts         *webtest.Server
	n          int
	slowest    time.Duration
	slowestReq string
	failures   map[string]bool
}

func (w *walker) send(method, target, role, body string, signCarrier bool) {
	w.t.Helper()
	w.n++
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+w.ts.Tokens[role])
	}
	if signCarrier {
		req.Header.Set("X-Carrier-Signature", orders.Sign(webtest.CarrierSecret, []byte(body)))
	}
	req.Header.Set("Idempotency-Key", fmt.Sprintf("walk-%d", w.n))
	t0 := time.Now()
	resp, err := w.ts.App.Test(req, 10_000)
	took := time.Since(t0)
	what := fmt.Sprintf("%s %s as %q with %s", method, short(target), role, short(body))
	if err != nil {
		w.fail(what, method, target, role, body, signCarrier, "no answer: "+err.Error())
		return
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if took > w.slowest {
		w.slowest, w.slowestReq = took, what
	}
	switch ct := resp.Header.Get("Content-Type"); {
	case resp.StatusCode >= 500:
		w.fail(what, method, target, role, body, signCarrier, fmt.Sprintf("%d: %s", resp.StatusCode, short(string(b))))
	case resp.StatusCode >= 400 && !strings.HasPrefix(ct, httpx.ProblemType):
		w.fail(what, method, target, role, body, signCarrier, fmt.Sprintf("%d as %q, not problem+json: %s", resp.StatusCode, ct, short(string(b))))
	case took > answerBudget():
		w.fail(what, method, target, role, body, signCarrier, fmt.Sprintf("took %s", took))
	}
}

func (w *walker) fail(what, method, target, role, body string, sign bool, why string) {
	w.t.Helper()
	key := method + " " + concreteKey(target) + " " + why[:min(3, len(why))]
	if w.failures[key] {
		return // one report per route and kind of failure
	}
	w.failures[key] = true
	if len(w.failures) > 60 {
		return
	}
	w.t.Errorf("%s: %s", what, why)
	saveCorpus(w.t, corpusEntry{Method: method, Target: target, Role: role, Body: body, SignCarrier: sign})
}

func concreteKey(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

type corpusEntry struct {
	Method      string `json:"method"`
	Target      string `json:"target"`
	Role        string `json:"role"`
	Body        string `json:"body"`
	SignCarrier bool   `json:"sign_carrier"`
}

const corpusDir = "testdata/fuzz/badinput"

// saveCorpus keeps a failing request under testdata/fuzz/badinput, when FSC_SAVE_CORPUS=1,
// so that it is sent again first from then on.
func saveCorpus(t *testing.T, e corpusEntry) {
	if os.Getenv("FSC_SAVE_CORPUS") != "1" || len(e.Body) > 64<<10 {
		return
	}
	b, _ := json.MarshalIndent(e, "", "  ")
	name := strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "_", "%", "_").Replace(e.Method + e.Target)
	if len(name) > 80 {
		name = name[:80]
	}
	_ = os.MkdirAll(corpusDir, 0o755)
	_ = os.WriteFile(filepath.Join(corpusDir, fmt.Sprintf("%s_%d.json", name, len(e.Body))), b, 0o644)
}

func (w *walker) replayCorpus() {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			w.t.Fatal(err)
		}
		var e corpusEntry
		if err := json.Unmarshal(b, &e); err != nil {
			w.t.Fatalf("%s: %v", f, err)
		}
		w.send(e.Method, e.Target, e.Role, e.Body, e.SignCarrier)
	}
}

func short(s string) string {
	if len(s) > 120 {
		return fmt.Sprintf("%q… (%d bytes)", s[:120], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// addVendorUser gives the walk a vendor user's token.
func addVendorUser(t *testing.T, ts *webtest.Server) {
	v, err := ts.Contracts.CreateVendor(ts.Ctx, contracts.NewVendor{Name: "Walk A/S", CVR: "29190925"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Auth.CreateUser(ts.Ctx, auth.NewUser{Email: "vendor@example.dk", Name: "vendor", Password: webtest.Password,
		Role: auth.RoleVendor, VendorID: &v.ID}); err != nil {
		t.Fatal(err)
	}
	sess, err := ts.Auth.Login(db.NewContext(context.Background(), ts.DB), "vendor@example.dk", webtest.Password, "setup-vendor")
	if err != nil {
		t.Fatal(err)
	}
	ts.Tokens["vendor"] = sess.Token
}
