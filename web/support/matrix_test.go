package support_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
)

// TestRoleMatrixWithValidBodies extends web's role matrix (which sends no bodies) to
// the support routes with valid requests on a ticket of member 751 escalated to the
// vendor of user "vendor", so that each role the route lists gets a 2xx (a member or
// vendor user a 404 where the ticket is not theirs), and each role it does not list a
// 403, without a token a 401. Every support route must have a request here.
func TestRoleMatrixWithValidBodies(t *testing.T) {
	e := setup(t)
	e.do(t, "POST", "/email-routes", "admin", map[string]any{"member_id": e.a.ID, "pattern": "aarhus.dk"}, 201)
	var seq atomic.Int64
	// ticket opens a ticket of member 751 escalated to the vendor.
	ticket := func() ticket {
		tk := e.phone(t, e.a, "normal", nil)
		e.do(t, "POST", fmt.Sprintf("/tickets/%d/escalate", tk.ID), "support", map[string]any{"vendor_id": e.vendor.ID}, 200)
		return tk
	}
	jsonReq := func(method, path string, body any) *http.Request {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req := httptest.NewRequest(method, "/api/v1"+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req
	}
	requests := map[string]func(user string) *http.Request{
		"POST /tickets": func(string) *http.Request {
			return jsonReq("POST", "/tickets", map[string]any{"member_id": e.a.ID, "channel": "portal", "category": "usage", "priority": "low", "subject": "Hjælp"})
		},
		"GET /tickets": func(string) *http.Request {
			return jsonReq("GET", "/tickets?status=escalated&breached=false&limit=5", nil)
		},
		"GET /tickets/:id": func(string) *http.Request { return jsonReq("GET", fmt.Sprintf("/tickets/%d", ticket().ID), nil) },
		"POST /tickets/:id/comments": func(string) *http.Request {
			return jsonReq("POST", fmt.Sprintf("/tickets/%d/comments", ticket().ID), map[string]any{"body": "Status?"})
		},
		"POST /tickets/:id/attachments": func(string) *http.Request {
			body, ctype := multipartFile(t, "foto.txt", []byte("billede"), false)
			req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/tickets/%d/attachments", ticket().ID), body)
			req.Header.Set("Content-Type", ctype)
			return req
		},
		"GET /tickets/:id/attachments/:aid": func(string) *http.Request {
			tk := ticket()
			a, err := e.ts.Support.AddAttachment(e.ts.Ctx, tk.ID, attachment("log.txt"))
			must(t, err)
			return jsonReq("GET", fmt.Sprintf("/tickets/%d/attachments/%d", tk.ID, a.ID), nil)
		},
		"POST /tickets/:id/status": func(string) *http.Request {
			return jsonReq("POST", fmt.Sprintf("/tickets/%d/status", ticket().ID), map[string]any{"status": "resolved", "note": "løst"})
		},
		"POST /tickets/:id/escalate": func(string) *http.Request {
			return jsonReq("POST", fmt.Sprintf("/tickets/%d/escalate", ticket().ID), map[string]any{"vendor_id": e.vendor.ID, "vendor_ref": "R-1"})
		},
		"POST /tickets/:id/swap": func(user string) *http.Request {
			if user != "support" && user != "logistics" {
				return jsonReq("POST", "/tickets/1/swap", map[string]any{"device_id": 1}) // refused before it is read
			}
			d := e.deploy(t, e.a, "borger-m")
			must(t, createReceipt(e, fmt.Sprintf("TAB-SPARE-%d", seq.Add(1))))
			tk := e.phone(t, e.a, "high", map[string]any{"device_id": d.ID})
			return jsonReq("POST", fmt.Sprintf("/tickets/%d/swap", tk.ID), map[string]any{"device_id": d.ID})
		},
		"POST /alarms": func(user string) *http.Request {
			serial := "NONE"
			if user == "support" || user == "admin" {
				serial = e.deploy(t, e.a, "borger-a").Serial
			}
			return jsonReq("POST", "/alarms", map[string]any{"serial": serial, "kind": "offline", "severity": "warning",
				"occurred_at": time.Now().UTC().Format(time.RFC3339)})
		},
		"POST /email/inbound": func(string) *http.Request {
			raw := fmt.Sprintf("From: a@aarhus.dk\r\nSubject: Hjælp %d\r\nMessage-ID: <m%d@aarhus.dk>\r\n\r\nTekst\r\n", seq.Add(1), seq.Load())
			req := httptest.NewRequest("POST", "/api/v1/email/inbound", strings.NewReader(raw))
			req.Header.Set("Content-Type", "message/rfc822")
			return req
		},
		"GET /email-routes": func(string) *http.Request { return jsonReq("GET", "/email-routes", nil) },
		"POST /email-routes": func(string) *http.Request {
			return jsonReq("POST", "/email-routes", map[string]any{"member_id": e.b.ID, "pattern": fmt.Sprintf("herning%d.dk", seq.Add(1))})
		},
		"DELETE /email-routes/:id": func(string) *http.Request {
			r, err := e.ts.Support.AddEmailRoute(e.ts.Ctx, newRoute(e.b.ID, fmt.Sprintf("x%d@herning.dk", seq.Add(1))))
			must(t, err)
			return jsonReq("DELETE", fmt.Sprintf("/email-routes/%d", r.ID), nil)
		},
		"GET /sla-policies": func(string) *http.Request { return jsonReq("GET", "/sla-policies", nil) },
		"PUT /sla-policies/:priority": func(string) *http.Request {
			return jsonReq("PUT", "/sla-policies/low", map[string]any{"first_response_minutes": 480, "resolution_minutes": 2400, "calendar": "business"})
		},
	}
	roleOf := map[string]auth.Role{"admin": auth.RoleAdmin, "logistics": auth.RoleLogistics, "support": auth.RoleSupport,
		"finance": auth.RoleFinance, "member": auth.RoleMember, "vendor": auth.RoleVendor}
	mine := 0
	for _, r := range e.ts.Routes() {
		key := r.Method + " " + r.Path
		if !isSupportRoute(r) {
			continue
		}
		mine++
		mk, ok := requests[key]
		if !ok {
			t.Errorf("no request for %s in the matrix", key)
			continue
		}
		for _, u := range []string{"", "admin", "logistics", "support", "finance", "member", "vendor"} {
			req := mk(u)
			if u != "" {
				req.Header.Set("Authorization", "Bearer "+e.ts.Tokens[u])
			}
			st, b := e.ts.Send(req)
			allowed := u != "" && slices.Contains(r.Roles, roleOf[u])
			switch {
			case u == "" && st != 401:
				t.Errorf("%s without token: %d, want 401", key, st)
			case u != "" && !allowed && st != 403:
				t.Errorf("%s as %s: %d, want 403: %s", key, u, st, b)
			case allowed && (st < 200 || st > 299):
				t.Errorf("%s as %s: %d, want 2xx: %s", key, u, st, b)
			}
		}
	}
	if mine != len(requests) {
		t.Errorf("%d support routes, %d requests in the matrix", mine, len(requests))
	}
}

func isSupportRoute(r httpx.Route) bool {
	for _, p := range []string{"/tickets", "/alarms", "/email", "/sla-policies"} {
		if strings.HasPrefix(r.Path, p) {
			return true
		}
	}
	return false
}
