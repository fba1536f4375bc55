package web_test

import (
	"bytes"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

// every role key of testServer, and none.
var matrixUsers = []string{"", "admin", "logistics", "support", "finance", "member", "vendor"}

var roleOf = map[string]auth.Role{"admin": auth.RoleAdmin, "logistics": auth.RoleLogistics, "support": auth.RoleSupport,
	"finance": auth.RoleFinance, "member": auth.RoleMember, "vendor": auth.RoleVendor}

// validBodies are bodies that each listed role may send to the route (with every id 1):
// a listed role must get a 2xx answer, not only "let through". Each role's body differs
// where the route creates something unique. A route here needs no entry in
// matrixBodies.
var validBodies = map[string]func(user string) any{
	"POST /vendors":             func(string) any { return map[string]any{"name": "Matrix A/S", "cvr": "10000009"} },
	"PATCH /vendors/:id":        func(u string) any { return map[string]any{"contact": "Kontakt " + u} },
	"POST /members/:id/figures": func(string) any { return map[string]any{"valid_from": "2020-01-01", "inhabitants": 10} },
	"POST /contracts": func(u string) any {
		return map[string]any{"number": "M-" + u, "title": "T", "vendor_id": 1, "starts_on": "2025-01-01", "ends_on": "2030-12-31", "notice_months": 6}
	},
	"PATCH /contracts/:id":       func(u string) any { return map[string]any{"title": "Titel " + u} },
	"POST /contracts/:id/extend": func(string) any { return nil },
	"POST /contracts/:id/prices": func(u string) any {
		return map[string]any{"kind": "event", "event": "shipment", "amount_ore": 100, "valid_from": map[string]string{"admin": "2025-01-01", "finance": "2026-01-01"}[u]}
	},
	"POST /contracts/:id/participants": func(u string) any {
		return map[string]any{"member_id": map[string]int{"admin": 1, "finance": 2}[u], "joined_on": "2025-01-01"}
	},
}

// TestRoleMatrix calls every API route as every role: without a token 401, with a role
// the route does not list 403 (problem+json), with a listed role neither.
func TestRoleMatrix(t *testing.T) {
	ts := webtest.New(t)
	// Vendor 1 with contract 1 (two extension options, for admin and finance), and a
	// vendor user of it.
	v, err := ts.Contracts.CreateVendor(ts.Ctx, contracts.NewVendor{Name: "Nordisk Telemedicin A/S", CVR: "31415926"})
	if err != nil {
		t.Fatal(err)
	}
	six := 6
	if _, err := ts.Contracts.CreateContract(ts.Ctx, contracts.NewContract{Number: "K-1", Title: "T", VendorID: v.ID,
		StartsOn: civil.MustParse("2025-01-01"), EndsOn: civil.MustParse("2030-12-31"), NoticeMonths: &six,
		Extensions: []contracts.NewExtension{{Months: 12}, {Months: 12}}}); err != nil {
		t.Fatal(err)
	}
	ts.AddUser("vendor", auth.RoleVendor, nil, &v.ID)
	bodied := 0
	defer func() {
		if bodied != len(validBodies) {
			t.Errorf("%d of the %d routes with valid bodies found; a key of validBodies names no route", bodied, len(validBodies))
		}
	}()
	bodies := matrixBodies(ts)
	for _, r := range ts.Routes() {
		if r.Roles == nil || r.Path == "/auth/logout" {
			continue
		}
		key := r.Method + " " + r.Path
		reqBody, ok := bodies[key]
		valid := validBodies[key]
		if valid != nil {
			bodied++
		}
		if r.Method != "GET" && r.Method != "DELETE" && !r.Raw && !ok && valid == nil {
			t.Errorf("%s: no body in matrixBodies; add one of the right shape", key)
			continue
		}
		path := httpx.Base + regexp.MustCompile(`:[a-z]+`).ReplaceAllString(r.Path, "1")
		for _, u := range matrixUsers {
			allowed := u != "" && slices.Contains(r.Roles, roleOf[u])
			send := reqBody
			if valid != nil {
				send = nil
				if allowed {
					send = valid(u)
				}
			}
			status, body := ts.Do(r.Method, path, u, send)
			switch {
			case allowed && testing.Verbose():
				t.Logf("MATRIX %s %s as %s: %d %.200s", r.Method, path, u, status, body)
			}
			switch {
			case valid != nil && allowed && status >= 300:
				t.Errorf("%s %s as %s with a valid body: %d, want 2xx: %s", r.Method, path, u, status, body)
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
