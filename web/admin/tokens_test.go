package admin_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/web/webtest"
)

func TestAdminPagesTokens(t *testing.T) {
	ts := webtest.New(t)
	b := webtest.NewClient(ts)
	b.Login("admin@example.dk", webtest.Password)
	b.Get("/tokens")

	st, body, _ := b.Post("/tokens", url.Values{"name": {""}, "role": {"support"}})
	if st != 422 || !strings.Contains(body, `data-field="name"`) {
		t.Fatalf("token without a name: %d: %s", st, webtest.PageSnippet(body))
	}
	st, body, _ = b.Post("/tokens", url.Values{"name": {"Callcenter"}, "role": {"support"}, "expires_on": {"2000-01-01"}})
	if st != 422 || !strings.Contains(body, `data-field="expires_at"`) {
		t.Fatalf("token expiring in the past: %d: %s", st, webtest.PageSnippet(body))
	}

	st, body, loc := b.Post("/tokens", url.Values{"name": {"Callcenter"}, "role": {"support"}, "expires_on": {"2099-12-31"}})
	if st != 201 || loc != "" {
		t.Fatalf("create token: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	m := regexp.MustCompile(`<code class="secret">(fsca_[^<]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("new token page does not show the token: %s", webtest.PageSnippet(body))
	}
	secret := m[1]
	if !strings.Contains(body, "bliver ikke vist igen") {
		t.Error("new token page does not say the token is shown only once")
	}
	// It works against the API, and no later page shows it again.
	ts.Tokens["pagetoken"] = secret
	if st, body := ts.Do("GET", "/api/v1/me", "pagetoken", nil); st != 200 || !strings.Contains(string(body), `"role":"support"`) {
		t.Fatalf("me with the new token: %d %s", st, body)
	}
	list := b.ExpectPage("/tokens", 200, "Callcenter", "2100-01-01", "Aktiv")
	if strings.Contains(list, secret) || strings.Contains(list, `class="secret"`) {
		t.Fatal("the token list shows the secret again")
	}

	// Revoking it redirects with a message; the token stops working.
	var id int64
	db.Conn(ts.Ctx).Table("tokens").Where("name = ?", "Callcenter").Pluck("id", &id)
	st, _, loc = b.Post(fmt.Sprintf("/tokens/%d/revoke", id), nil)
	if st != 303 || loc != "/tokens" {
		t.Fatalf("revoke: %d to %q", st, loc)
	}
	list = b.ExpectPage("/tokens", 200, "API-nøglen er tilbagekaldt.", "Tilbagekaldt")
	if strings.Contains(list, fmt.Sprintf(`action="/tokens/%d/revoke"`, id)) {
		t.Error("a revoked token still has a revoke button")
	}
	if st, _ := ts.Do("GET", "/api/v1/me", "pagetoken", nil); st != 401 {
		t.Fatalf("revoked token: %d, want 401", st)
	}
	if st, _, _ := b.Post("/tokens/999999/revoke", nil); st != 404 {
		t.Fatalf("revoke unknown token: %d, want 404", st)
	}

	// A member token names its member.
	mem := ts.Members["657"]
	st, body, _ = b.Post("/tokens", url.Values{"name": {"Kommunens system"}, "role": {"member"}, "member_id": {fmt.Sprint(mem.ID)}})
	if st != 201 || !strings.Contains(body, "Kommune 657") {
		t.Fatalf("member token: %d: %s", st, webtest.PageSnippet(body))
	}
}
