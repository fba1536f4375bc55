package reports_test

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

// Amounts in øre have bounds of their own (±100 billion øre, as unit_cost_ore): 9.2e18
// used to be stored and only a run's overflow check found it when the run computed.
func TestBillingAmountsAreBounded(t *testing.T) {
	ts := webtest.New(t)
	s := newSeed(t, ts)
	const most = 100_000_000_000
	pool := func(amount int64) map[string]any {
		return map[string]any{"scheme_id": s.scheme, "period": period, "name": "Stor", "amount_ore": amount, "allocation_key_id": s.key}
	}
	adjustment := func(amount int64) map[string]any {
		return map[string]any{"member_id": s.m751, "period": period, "amount_ore": amount, "description": "Stor"}
	}
	preview := func(amount int64) map[string]any {
		return map[string]any{"allocation_key_id": s.key, "scheme_id": s.scheme, "period": period, "amount_ore": amount}
	}
	for _, c := range []struct {
		what, path string
		body       map[string]any
	}{
		{"pool of 9.2e18", "/api/v1/cost-pools", pool(math.MaxInt64)},
		{"pool over the most", "/api/v1/cost-pools", pool(most + 1)},
		{"charge of 9.2e18", "/api/v1/billing-adjustments", adjustment(math.MaxInt64)},
		{"credit of -9.2e18", "/api/v1/billing-adjustments", adjustment(math.MinInt64)},
		{"credit under the least", "/api/v1/billing-adjustments", adjustment(-most - 1)},
		{"preview of 9.2e18", "/api/v1/allocations/preview", preview(math.MaxInt64)},
		{"preview of -9.2e18", "/api/v1/allocations/preview", preview(math.MinInt64)},
	} {
		st, body := ts.Do("POST", c.path, "finance", c.body)
		t.Log(c.what)
		webtest.ExpectFields(t, st, body, "amount_ore")
	}
	// The bounds themselves are accepted, and the pool's negative keeps its own code.
	for _, c := range []struct {
		what, path string
		body       map[string]any
		want       int
	}{
		{"pool of the most", "/api/v1/cost-pools", pool(most), 201},
		{"charge of the most", "/api/v1/billing-adjustments", adjustment(most), 201},
		{"credit of the least", "/api/v1/billing-adjustments", adjustment(-most), 201},
		{"preview of the most", "/api/v1/allocations/preview", preview(most), 200},
	} {
		st, body := ts.Do("POST", c.path, "finance", c.body)
		mustStatus(t, c.what, st, body, c.want)
	}
	if st, body := ts.Do("POST", "/api/v1/cost-pools", "finance", pool(-1)); st != 422 || !strings.Contains(string(body), `"code":"negative"`) {
		t.Errorf("negative pool: %d %s", st, body)
	}

	// The pages hold the same bounds: 1,000,000,001 kr. is refused beside its input.
	fin := webtest.LoggedIn(ts, "finance")
	st, page, _ := fin.Post("/billing/pools", url.Values{"scheme_id": {fmt.Sprint(s.scheme)}, "period": {period}, "name": {"Stor"},
		"amount": {"1000000001"}, "allocation_key_id": {fmt.Sprint(s.key)}})
	if st != 422 || !strings.Contains(page, "amount_ore-error") {
		t.Errorf("pool page over the most: %d %s", st, webtest.PageSnippet(page))
	}
	st, page, _ = fin.Post("/billing/adjustments", url.Values{"member_id": {fmt.Sprint(s.m751)}, "period": {period},
		"amount": {"-1000000001"}, "description": {"Stor"}})
	if st != 422 {
		t.Errorf("adjustment page under the least: %d %s", st, webtest.PageSnippet(page))
	}
}
