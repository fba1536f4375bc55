package reports_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

// TestRoleMatrixWithValidBodies calls every billing and report route as every role with
// a body and ids that are valid, so that a role let through reaches the service: without
// a token 401, a role the route does not list 403, a listed role neither (nor a 5xx).
func TestRoleMatrixWithValidBodies(t *testing.T) {
	ts := webtest.New(t)
	s := newSeed(t, ts)
	st, body := ts.Do("POST", "/api/v1/billing-runs", "finance", map[string]any{"period": period})
	r := mustStatus(t, "run", st, body, 202)
	runJobs(t, ts)
	ids := strings.NewReplacer(":id", fmt.Sprint(id(r)), ":member_id", fmt.Sprint(s.m751))
	bodies := map[string]func(user string) any{
		"POST /allocation-keys": func(u string) any {
			return map[string]any{"code": "M-" + u, "name": "Nøgle", "weights": map[string]any{"equal": 1}}
		},
		"POST /allocations/preview": func(string) any {
			return map[string]any{"allocation_key_id": s.key, "scheme_id": s.scheme, "period": period, "amount_ore": 100}
		},
		"POST /cost-pools": func(string) any {
			return map[string]any{"scheme_id": s.scheme, "period": "2026-11", "name": "IT", "amount_ore": 100, "allocation_key_id": s.key}
		},
		"POST /billing-runs": func(string) any { return map[string]any{"period": "2026-09"} },
		"POST /billing-adjustments": func(string) any {
			return map[string]any{"member_id": s.m751, "period": "2026-11", "amount_ore": 100, "description": "Gebyr"}
		},
	}
	roleOf := map[string]auth.Role{"admin": auth.RoleAdmin, "logistics": auth.RoleLogistics, "support": auth.RoleSupport,
		"finance": auth.RoleFinance, "member": auth.RoleMember}
	n := 0
	for _, rt := range ts.Routes() {
		if !strings.HasPrefix(rt.Path, "/allocation") && !strings.HasPrefix(rt.Path, "/cost-pools") && !strings.HasPrefix(rt.Path, "/billing-") && !strings.HasPrefix(rt.Path, "/reports/") {
			continue
		}
		n++
		path := httpx.Base + ids.Replace(rt.Path)
		if strings.HasPrefix(rt.Path, "/reports/") {
			path += "?from=2026-10-01&to=2026-10-31"
		}
		for _, u := range []string{"", "admin", "logistics", "support", "finance", "member"} {
			var b any
			if f := bodies[rt.Method+" "+rt.Path]; f != nil {
				b = f(u)
			}
			status, body := ts.Do(rt.Method, path, u, b)
			allowed := u != "" && slices.Contains(rt.Roles, roleOf[u])
			switch {
			case u == "" && status != 401:
				t.Errorf("%s %s without token: %d, want 401", rt.Method, path, status)
			case u != "" && !allowed && status != 403:
				t.Errorf("%s %s as %s: %d, want 403: %s", rt.Method, path, u, status, body)
			case allowed && (status == 401 || status == 403 || status >= 500):
				t.Errorf("%s %s as %s: %d, want it let through: %s", rt.Method, path, u, status, body)
			case allowed && u == "finance" && status >= 400 && rt.Path != "/billing-runs/:id/recompute" && rt.Path != "/billing-runs/:id/finalize" && rt.Path != "/billing-runs/:id/export.xlsx" &&
				rt.Path != "/billing-runs/:id/invoices/:member_id.xml":
				t.Errorf("%s %s as finance with a valid body: %d: %s", rt.Method, path, status, body)
			}
		}
	}
	if n < 25 {
		t.Errorf("only %d billing and report routes found", n)
	}
}
