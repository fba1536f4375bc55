package admin_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestMembersPinned(t *testing.T) {
	ts := webtest.New(t)
	st, body := ts.Do("POST", "/api/v1/members", "admin", map[string]any{"code": "706", "name": "Syddjurs Kommune", "kind": "municipality",
		"ean": "5798000416604", "inhabitants": 42000, "inhabitants_65_plus": 9000})
	var m map[string]any
	webtest.DecodeInto(t, body, &m)
	if st != 201 || m["id"] == nil || m["code"] != "706" || m["inhabitants_65_plus"] != float64(9000) {
		t.Fatalf("create member: %d %s", st, body)
	}
	st, body = ts.Do("POST", "/api/v1/members", "admin", map[string]any{"code": "706", "name": "", "kind": "county", "ean": "123", "inhabitants": -1})
	webtest.ExpectFields(t, st, body, "name", "kind", "ean", "inhabitants")
	st, body = ts.Do("POST", "/api/v1/members", "admin", map[string]any{"code": 706, "name": "Again", "kind": "municipality", "ean": "5798000416604"})
	webtest.ExpectFields(t, st, body, "code")

	own, other := ts.Members["751"].ID, ts.Members["657"].ID
	st, body = ts.Do("GET", "/api/v1/members", "member", nil)
	var l struct {
		Items []map[string]any `json:"items"`
		Next  *string          `json:"next_cursor"`
	}
	webtest.DecodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 1 || l.Items[0]["id"] != float64(own) || l.Next == nil || *l.Next != "" {
		t.Fatalf("member lists members: %d %s", st, body)
	}
	if st, _ := ts.Do("GET", fmt.Sprintf("/api/v1/members/%d", own), "member", nil); st != 200 {
		t.Fatalf("own member: %d", st)
	}
	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/members/%d", other), "member", nil)
	if st != 404 {
		t.Fatalf("other member: %d, want 404", st)
	}
	st2, body2 := ts.Do("GET", "/api/v1/members/999999", "member", nil)
	strip := regexp.MustCompile(`"request_id":"[^"]*"|member \d+`)
	if st2 != 404 || strip.ReplaceAllString(string(body), "") != strip.ReplaceAllString(string(body2), "") {
		t.Fatalf("another member's 404 differs from a missing one:\n%s\n%s", body, body2)
	}
	if st, _ := ts.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", own), "member", map[string]any{"name": "X"}); st != 403 {
		t.Fatalf("member patches: %d, want 403", st)
	}
	st, body = ts.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", own), "finance", map[string]any{"inhabitants": 350000, "inhabitants_65_plus": 60000})
	if st != 200 || !strings.Contains(string(body), `"inhabitants":350000`) {
		t.Fatalf("patch: %d %s", st, body)
	}
	// Pagination: limit and cursor walk the whole list once.
	seen := 0
	cursor := ""
	for i := 0; i < 10; i++ {
		st, body = ts.Do("GET", "/api/v1/members?limit=1&cursor="+cursor, "admin", nil)
		webtest.DecodeInto(t, body, &l)
		seen += len(l.Items)
		if *l.Next == "" {
			break
		}
		cursor = *l.Next
	}
	if seen != 3 {
		t.Fatalf("paged through %d members, want 3", seen)
	}
	st, body = ts.Do("GET", "/api/v1/members?limit=0", "admin", nil)
	webtest.ExpectFields(t, st, body, "limit")
	st, body = ts.Do("GET", "/api/v1/members?cursor=garbage!", "admin", nil)
	webtest.ExpectFields(t, st, body, "cursor")
}
