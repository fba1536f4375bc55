package web_test

import (
	"bytes"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

// every role key of testServer, and none.
var matrixUsers = []string{"", "admin", "logistics", "support", "finance", "member"}

var roleOf = map[string]auth.Role{"admin": auth.RoleAdmin, "logistics": auth.RoleLogistics, "support": auth.RoleSupport,
	"finance": auth.RoleFinance, "member": auth.RoleMember}

// TestRoleMatrix calls every API route as every role: without a token 401, with a role
// the route does not list 403 (problem+json), with a listed role neither.
func TestRoleMatrix(t *testing.T) {
	ts := webtest.New(t)
	bodies := matrixBodies(ts)
	for _, r := range ts.Routes() {
		if r.Roles == nil || r.Path == "/auth/logout" {
			continue
		}
		key := r.Method + " " + r.Path
		reqBody, ok := bodies[key]
		if r.Method != "GET" && r.Method != "DELETE" && !r.Raw && !ok {
			t.Errorf("%s: no body in matrixBodies; add one of the right shape", key)
			continue
		}
		path := httpx.Base + regexp.MustCompile(`:[a-z]+`).ReplaceAllString(r.Path, "1")
		for _, u := range matrixUsers {
			status, body := ts.Do(r.Method, path, u, reqBody)
			allowed := u != "" && slices.Contains(r.Roles, roleOf[u])
			switch {
			case allowed && testing.Verbose():
				t.Logf("MATRIX %s %s as %s: %d %.200s", r.Method, path, u, status, body)
			}
			switch {
			case allowed && !r.Raw && (status == 400 || status == 422 && bytes.Contains(body, []byte(`"code":"`+apperr.UnknownField.String()+`"`))):
				t.Errorf("%s %s as %s: %d, the matrix body does not decode: %s", r.Method, path, u, status, body)
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
	ts := webtest.New(t)
	status, body := ts.Do("GET", "/api/v1/openapi.json", "", nil)
	if status != 200 {
		t.Fatalf("openapi: %d", status)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	webtest.DecodeInto(t, body, &doc)
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, r := range ts.App.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, httpx.Base+"/") || r.Method == "HEAD" || r.Path == httpx.Base+"/openapi.json" {
			continue
		}
		served[r.Method+" "+regexp.MustCompile(`:([A-Za-z_]+)`).ReplaceAllString(r.Path, "{$1}")] = true
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

func TestProblemDetails(t *testing.T) {
	ts := webtest.New(t)
	req := httptest.NewRequest("POST", "/api/v1/members", strings.NewReader(`{"code": "1",`))
	req.Header.Set("Authorization", "Bearer "+ts.Tokens["admin"])
	resp, err := ts.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("malformed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st, body := ts.Do("POST", "/api/v1/members", "admin", `{"code":"1","name":"x","kind":"region","ean":"5798000416604","inhabitants":1,"inhabitants_65_plus":0,"mayor":"x"}`)
	webtest.ExpectFields(t, st, body, "mayor")
	st, body = ts.Do("POST", "/api/v1/members", "admin", `{"code":"1","name":"x","kind":"region","ean":"5798000416604","inhabitants":"many"}`)
	webtest.ExpectFields(t, st, body, "inhabitants")
	if st, body := ts.Do("GET", "/api/v1/nothing-here", "admin", nil); st != 404 || !strings.Contains(string(body), `"status":404`) {
		t.Fatalf("unknown endpoint: %d %s", st, body)
	}
	if st, _ := ts.Do("GET", "/api/v1/me", "", nil); st != 401 {
		t.Fatalf("no token: %d", st)
	}
	req = httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	if st, _ := ts.Send(req); st != 401 {
		t.Fatalf("bad token: %d", st)
	}
}

func TestHealthAndReady(t *testing.T) {
	ts := webtest.New(t)
	if st, _ := ts.Do("GET", "/healthz", "", nil); st != 200 {
		t.Fatalf("healthz: %d", st)
	}
	if st, body := ts.Do("GET", "/readyz", "", nil); st != 200 {
		t.Fatalf("readyz: %d %s", st, body)
	}
	if st, body := ts.Do("GET", "/metrics", "", nil); st != 200 || !strings.Contains(string(body), "fsc_http_requests_total") {
		t.Fatalf("metrics: %d", st)
	}
	ts.Redis.Client.Close()
	if st, _ := ts.Do("GET", "/readyz", "", nil); st != 503 {
		t.Fatalf("readyz without redis: %d, want 503", st)
	}
}
