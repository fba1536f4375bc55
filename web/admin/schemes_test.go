package admin_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/web/webtest"
)

func TestSchemesPinned(t *testing.T) {
	ts := webtest.New(t)
	st, body := ts.Do("POST", "/api/v1/schemes", "admin", map[string]any{"code": "copd", "name": "COPD telemonitoring"})
	var sc map[string]any
	webtest.DecodeInto(t, body, &sc)
	if st != 201 || sc["id"] == nil {
		t.Fatalf("create scheme: %d %s", st, body)
	}
	path := fmt.Sprintf("/api/v1/schemes/%v/participants", sc["id"])
	m := ts.Members["751"].ID
	st, body = ts.Do("POST", path, "admin", map[string]any{"member_id": m, "joined_on": "2024-01-01"})
	if st != 201 {
		t.Fatalf("join: %d %s", st, body)
	}
	st, body = ts.Do("POST", path, "admin", map[string]any{"member_id": m, "joined_on": "2025-01-01", "left_on": "2025-06-01"})
	webtest.ExpectFields(t, st, body, "joined_on")
	st, body = ts.Do("POST", path, "admin", map[string]any{"member_id": m, "joined_on": "01-01-2024"})
	webtest.ExpectFields(t, st, body, "joined_on")
	st, body = ts.Do("POST", path, "admin", map[string]any{"member_id": 99999, "joined_on": "2020-01-01"})
	webtest.ExpectFields(t, st, body, "member_id")
	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/schemes/%v", sc["id"]), "member2", nil)
	if st != 200 || !strings.Contains(string(body), `"participants":[]`) {
		t.Fatalf("member2 sees other members' participation: %d %s", st, body)
	}
	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/schemes/%v", sc["id"]), "logistics", nil)
	if st != 200 || !strings.Contains(string(body), `"joined_on":"2024-01-01"`) {
		t.Fatalf("scheme participants: %d %s", st, body)
	}
	if st, _ := ts.Do("POST", "/api/v1/schemes/424242/participants", "admin", map[string]any{"member_id": m, "joined_on": "2024-01-01"}); st != 404 {
		t.Fatalf("unknown scheme: %d", st)
	}
}

func TestAdminPagesSchemes(t *testing.T) {
	ts := webtest.New(t)
	b := webtest.NewClient(ts)
	b.Login("admin@example.dk", webtest.Password)
	b.Get("/schemes")

	st, body, _ := b.Post("/schemes", url.Values{"code": {""}, "name": {"KOL"}})
	if st != 422 || !strings.Contains(body, `data-field="code"`) || !strings.Contains(body, `value="KOL"`) {
		t.Fatalf("scheme without a code: %d: %s", st, webtest.PageSnippet(body))
	}
	st, body, loc := b.Post("/schemes", url.Values{"code": {"KOL-TELE"}, "name": {"KOL telemonitorering"}})
	if st != 303 || !regexp.MustCompile(`^/schemes/[0-9]+$`).MatchString(loc) {
		t.Fatalf("create scheme: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	b.ExpectPage(loc, 200, "KOL telemonitorering", "Gemt.", `<select id="member_id" name="member_id"`, "Kommune 751", `type="date"`)
	b.ExpectPage("/schemes", 200, "KOL-TELE", fmt.Sprintf(`href="%s"`, loc))

	m751, m657 := ts.Members["751"], ts.Members["657"]
	join := loc + "/participants"
	st, body, _ = b.Post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"1. januar"}})
	if st != 422 || !strings.Contains(body, `data-field="joined_on"`) || !strings.Contains(body, `value="1. januar"`) {
		t.Fatalf("bad date: %d: %s", st, webtest.PageSnippet(body))
	}
	st, body, _ = b.Post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"2025-01-01"}, "left_on": {"2024-01-01"}})
	if st != 422 || !strings.Contains(body, `data-field="left_on"`) {
		t.Fatalf("left before joined: %d: %s", st, webtest.PageSnippet(body))
	}
	if st, _, _ = b.Post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"2025-01-01"}}); st != 303 {
		t.Fatalf("join: %d", st)
	}
	if st, _, _ = b.Post(join, url.Values{"member_id": {fmt.Sprint(m657.ID)}, "joined_on": {"2025-03-01"}, "left_on": {"2025-06-01"}}); st != 303 {
		t.Fatalf("join with end: %d", st)
	}
	body = b.ExpectPage(loc, 200, fmt.Sprintf(`href="/members/%d"`, m751.ID), "2025-01-01", "2025-06-01", "Aktiv")
	// An overlapping period is refused.
	st, body, _ = b.Post(join, url.Values{"member_id": {fmt.Sprint(m751.ID)}, "joined_on": {"2025-05-01"}})
	if st != 422 {
		t.Fatalf("overlap: %d: %s", st, webtest.PageSnippet(body))
	}

	// Only the open participation has a leaving-date form; setting it ends it.
	sc, err := ts.Contracts.GetScheme(ts.Ctx, lastID(t, loc))
	if err != nil {
		t.Fatal(err)
	}
	var open, ended contracts.Participation
	for _, p := range sc.Participants {
		if p.LeftOn.IsZero() {
			open = p
		} else {
			ended = p
		}
	}
	if !strings.Contains(body, fmt.Sprintf(`action="%s/participants/%d"`, loc, open.ID)) ||
		strings.Contains(body, fmt.Sprintf(`action="%s/participants/%d"`, loc, ended.ID)) {
		t.Errorf("leaving-date forms wrong: %s", webtest.PageSnippet(body))
	}
	if !strings.Contains(body, fmt.Sprintf(`<label for="left_on_%d"`, open.ID)) {
		t.Error("leaving-date field has no label")
	}
	leave := fmt.Sprintf("%s/participants/%d", loc, open.ID)
	st, body, _ = b.Post(leave, url.Values{"left_on": {"2024-12-31"}})
	if st != 422 || !strings.Contains(body, `data-field="left_on"`) || !strings.Contains(body, `value="2024-12-31"`) {
		t.Fatalf("leave before joining: %d: %s", st, webtest.PageSnippet(body))
	}
	if st, _, _ := b.Post(leave, url.Values{"left_on": {"2026-01-01"}}); st != 303 {
		t.Fatalf("leave: %d", st)
	}
	body = b.ExpectPage(loc, 200, "2026-01-01")
	if strings.Contains(body, `badge ok`) {
		t.Error("an ended participation is still shown as active")
	}
	if st, _, _ := b.Post(loc+"/participants/999999", url.Values{"left_on": {"2026-01-01"}}); st != 404 {
		t.Errorf("unknown participation: %d, want 404", st)
	}
	b.ExpectPage("/schemes/999999", 404)
}

func lastID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path[strings.LastIndex(path, "/")+1:], "%d", &id); err != nil {
		t.Fatalf("no id in %q", path)
	}
	return id
}
