package admin_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestAuditTrail(t *testing.T) {
	ts := webtest.New(t)
	ts.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", ts.Members["751"].ID), "logistics", map[string]any{"name": "Aarhus Kommune"})
	st, body := ts.Do("GET", "/api/v1/audit?entity=member&actor=logistics@example.dk", "admin", nil)
	var l struct {
		Items []struct {
			Action, Entity, Actor, Role string
			RequestID                   string `json:"request_id"`
			Before, After               map[string]any
		} `json:"items"`
	}
	webtest.DecodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 1 {
		t.Fatalf("audit: %d %s", st, body)
	}
	e := l.Items[0]
	if e.Action != "update" || e.Role != "logistics" || e.Before["name"] != "Kommune 751" || e.After["name"] != "Aarhus Kommune" {
		t.Fatalf("audit entry: %s", body)
	}
	if e.RequestID == "" {
		t.Fatalf("the entry carries no request id: %s", body)
	}
}

func TestAdminPagesAudit(t *testing.T) {
	ts := webtest.New(t)
	b := webtest.NewClient(ts)
	b.Login("admin@example.dk", webtest.Password)
	b.Get("/schemes")
	if st, _, _ := b.Post("/schemes", url.Values{"code": {"STOMI"}, "name": {"Stomiprodukter"}}); st != 303 {
		t.Fatalf("create scheme: %d", st)
	}

	body := b.ExpectPage("/audit?entity=scheme", 200, "admin@example.dk", "Oprettet", "<details>", "&#34;Stomiprodukter&#34;", `value="scheme"`)
	if n := strings.Count(body, "<details>"); n != 1 {
		t.Errorf("audit for schemes has %d entries; want 1", n)
	}
	b.ExpectPage("/audit?actor=admin@example.dk", 200, "Stomiprodukter")
	b.ExpectPage("/audit?actor=nobody@example.dk", 200, daText("none"))
	if st, body, _ := b.Get("/audit?entity_id=abc"); st != 422 || !strings.Contains(body, `data-field="entity_id"`) {
		t.Fatalf("bad entity id: %d: %s", st, webtest.PageSnippet(body))
	}
	if st, _, _ := b.Get("/audit?cursor=nonsense"); st != 422 {
		t.Fatalf("bad cursor: %d, want 422", st)
	}

	// Keyset pages: one entry a page, newest first, each page older than the last.
	body = b.ExpectPage("/audit?limit=1", 200, "Stomiprodukter")
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		next := regexp.MustCompile(`href="(\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(body)
		if next == nil {
			t.Fatalf("page %d has no next link: %s", i, webtest.PageSnippet(body))
		}
		body = b.ExpectPage("/audit"+html.UnescapeString(next[1]), 200, daText("first"))
		if strings.Contains(body, "Stomiprodukter") {
			t.Fatalf("page %d repeats the newest entry", i+2)
		}
		rid := regexp.MustCompile(`<td class="mono small rid">([^<]*)</td>`).FindStringSubmatch(body)
		if rid != nil && rid[1] != "" && seen[rid[1]] {
			t.Fatalf("page %d repeats request %s", i+2, rid[1])
		} else if rid != nil {
			seen[rid[1]] = true
		}
	}
}
