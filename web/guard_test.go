package web_test

import (
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/gofiber/fiber/v2"
)

// Whatever a handler puts in Location, the answer's redirect stays on this site.
func TestEveryRedirectStaysOnThisSite(t *testing.T) {
	ts := webtest.New(t)
	ts.App.Get("/zz-redirect", func(c *fiber.Ctx) error { return c.Redirect(c.Query("to")) })
	for to, want := range map[string]string{
		"https://evil.example": "/", "//evil.example": "/", "/%2F/evil": "/", "https:evil": "/", "/\\evil": "/", "/ok?a=1": "/ok?a=1",
	} {
		resp, err := ts.App.Test(httptest.NewRequest("GET", "/zz-redirect?to="+urlQuery(to), nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("redirect to %q: Location %q, want %q", to, got, want)
		}
	}
}

func urlQuery(s string) string {
	out := ""
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' {
			out += string(c)
		} else {
			out += "%" + string("0123456789ABCDEF"[c>>4]) + string("0123456789ABCDEF"[c&15])
		}
	}
	return out
}

// The OpenAPI document says the limits decoding enforces.
func TestOpenAPISaysTheLimits(t *testing.T) {
	ts := webtest.New(t)
	_, raw := ts.Do("GET", "/api/v1/openapi.json", "", nil)
	var doc map[string]any
	webtest.DecodeInto(t, raw, &doc)
	body := func(path, method string) map[string]any {
		op := doc["paths"].(map[string]any)[path].(map[string]any)[method].(map[string]any)
		return op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	}
	prop := func(s map[string]any, name string) map[string]any {
		return s["properties"].(map[string]any)[name].(map[string]any)
	}
	m := body("/api/v1/members", "post")
	if p := prop(m, "inhabitants"); p["maximum"] != 1e8 || p["minimum"] != 0.0 {
		t.Errorf("inhabitants: %v", p)
	}
	if p := prop(m, "name"); p["maxLength"] != 200.0 {
		t.Errorf("name: %v", p)
	}
	r := body("/api/v1/receipts", "post")
	lines := prop(r, "lines")
	serials := prop(lines["items"].(map[string]any), "serials")
	if lines["maxItems"] != 1000.0 || serials["maxItems"] != 10000.0 || serials["items"].(map[string]any)["maxLength"] != 64.0 {
		t.Errorf("receipt lines %v, serials %v", lines["maxItems"], serials)
	}
	if p := prop(lines["items"].(map[string]any), "unit_cost_ore"); p["maximum"] != 1e11 {
		t.Errorf("unit_cost_ore: %v", p)
	}
	// The names of users and tokens: auth.MaxNameLength, which the service checks too.
	for _, b := range []map[string]any{body("/api/v1/users", "post"), body("/api/v1/users/{id}", "patch"), body("/api/v1/tokens", "post")} {
		if p := prop(b, "name"); p["maxLength"] != float64(auth.MaxNameLength) {
			t.Errorf("user or token name: %v", p)
		}
	}
	// Numbers whose range only a service checked: the document states it too.
	ranges := []struct {
		path, method, field string
		min, max            float64
	}{
		{"/api/v1/cost-pools", "post", "amount_ore", math.NaN(), 1e11}, // a negative pool: its own code (negative)
		{"/api/v1/billing-adjustments", "post", "amount_ore", -1e11, 1e11},
		{"/api/v1/allocations/preview", "post", "amount_ore", -1e11, 1e11},
		{"/api/v1/contracts/{id}/prices", "post", "amount_ore", 0, 1e10},
		{"/api/v1/contracts", "post", "notice_months", 0, 120},
		{"/api/v1/contracts/{id}", "patch", "notice_months", 0, 120},
		{"/api/v1/members/{id}/figures", "post", "inhabitants", 0, 1e8},
		{"/api/v1/members/{id}/figures", "post", "inhabitants_65_plus", 0, 1e8},
		{"/api/v1/sla-policies/{priority}", "put", "first_response_minutes", 1, 525600},
		{"/api/v1/sla-policies/{priority}", "put", "resolution_minutes", 1, 525600},
	}
	for _, r := range ranges {
		p := prop(body(r.path, r.method), r.field)
		if p["maximum"] != r.max || !math.IsNaN(r.min) && p["minimum"] != r.min || math.IsNaN(r.min) && p["minimum"] != nil {
			t.Errorf("%s %s %s: %v, want %v to %v", r.method, r.path, r.field, p, r.min, r.max)
		}
	}
	c := body("/api/v1/contracts", "post")
	ext := prop(c, "extensions")
	if months := prop(ext["items"].(map[string]any), "months"); months["minimum"] != 1.0 || months["maximum"] != 120.0 {
		t.Errorf("contract extensions: %v", ext)
	}
	if h := prop(prop(c, "sla"), "resolution_hours"); h["minimum"] != 1.0 || h["maximum"] != 8760.0 {
		t.Errorf("contract sla.resolution_hours: %v", h)
	}
	if p := prop(body("/api/v1/auth/login", "post"), "email"); p["maxLength"] != 1000.0 {
		t.Errorf("login email (the default): %v", p)
	}
}

// inhabitants had no upper bound: 9,223,372,036,854,775,807 was accepted.
func TestMemberNumbersHaveSaneRanges(t *testing.T) {
	ts := webtest.New(t)
	st, body := ts.Do("POST", "/api/v1/members", "admin", `{"code":"999","name":"Big","kind":"municipality","ean":"5798000416604",`+
		`"inhabitants":9223372036854775807,"inhabitants_65_plus":9223372036854775807}`)
	webtest.ExpectFields(t, st, body, "inhabitants", "inhabitants_65_plus")
	id := ts.Members["751"].ID
	st, body = ts.Do("PATCH", "/api/v1/members/"+itoa(id), "admin", `{"inhabitants":100000001}`)
	webtest.ExpectFields(t, st, body, "inhabitants")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A client's request id with control characters is replaced, not echoed nor stored in
// the audit trail (a NUL there made PostgreSQL refuse the audited write).
func TestClientRequestIDIsCleaned(t *testing.T) {
	ts := webtest.New(t)
	addr := ts.Listen()
	for i, id := range []string{"a\x00b", "a\x01b", strings.Repeat("r", 500), "good-id-1"} {
		body := `{"code":"S` + strconv.Itoa(i) + `","name":"Scheme"}`
		_, resp, err := webtest.RawExchange(addr, "POST /api/v1/schemes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"+
			"Authorization: Bearer "+ts.Tokens["admin"]+"\r\nContent-Type: application/json\r\nX-Request-ID: "+id+
			"\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		got := resp.Header.Get("X-Request-ID")
		switch {
		case resp.StatusCode >= 500:
			t.Errorf("request id %q: %d", id, resp.StatusCode)
		case id == "good-id-1" && got != id:
			t.Errorf("a clean request id is not kept: %q", got)
		case id != "good-id-1" && (got == id || got == ""):
			t.Errorf("request id %q answered as %q", id, got)
		}
	}
}
