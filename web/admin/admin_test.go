package admin_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/fsc/backoffice/web/webtest"
)

func TestAdminPagesOpenForAdmin(t *testing.T) {
	ts := webtest.New(t)
	b := webtest.NewClient(ts)
	b.Login("admin@example.dk", webtest.Password)

	b.ExpectPage("/users", 200, "<h1>Brugere</h1>", "admin@example.dk", "member@example.dk", "Kommune 751", `href="/users/new"`)
	b.ExpectPage("/users/new", 200, `<label for="email">`, `<label for="password">`, `<select id="member_id"`, `value="vendor"`)
	b.ExpectPage("/tokens", 200, "<h1>API-nøgler</h1>", `action="/tokens"`)
	b.ExpectPage("/audit", 200, "<h1>Revisionsspor</h1>", `name="entity"`, `name="actor"`, `name="entity_id"`, "<details>")
	b.ExpectPage("/schemes", 200, "<h1>Ordninger</h1>", `action="/schemes"`)
	for _, p := range []string{"/users", "/tokens", "/audit", "/schemes", "/admin/jobs/"} {
		b.ExpectPage("/", 200, fmt.Sprintf(`href="%s"`, p)) // every page is in the navigation
	}

	// The same pages in English.
	b.Cookies[ui.LangCookie] = i18n.EN
	b.ExpectPage("/users", 200, "<h1>Users</h1>", "Administrator")
	b.ExpectPage("/audit", 200, "<h1>Audit trail</h1>")
	delete(b.Cookies, ui.LangCookie)

	// The job dashboard is asynqmon's app, with this session's CSRF token for its requests.
	body := b.ExpectPage("/admin/jobs/", 200, "Asynq", `window.FLAG_ROOT_PATH=`, "_csrf=")
	// The token is the signed one of the fsc_csrf cookie, as in every form.
	tok := b.CSRF
	if tok == "" || b.Cookies["fsc_csrf"] == "" || !strings.Contains(body, `var t="`+tok+`"`) {
		t.Errorf("job dashboard does not carry the CSRF token %q", tok)
	}
	b.ExpectPage("/admin/jobs", 200, "Asynq")
	if st, body, _ := b.Get("/admin/jobs/api/queues"); st != 200 || !strings.Contains(body, "queues") {
		t.Errorf("asynqmon API: %d %s", st, body)
	}
	// Its changing requests pass the CSRF check with the token in the query, not without.
	if st, _, _ := b.Send("POST", "/admin/jobs/api/queues/default:pause", url.Values{}); st != 403 {
		t.Errorf("asynqmon POST without token: %d, want 403", st)
	}
	if st, body, _ := b.Send("POST", "/admin/jobs/api/queues/default:pause?_csrf="+url.QueryEscape(tok), url.Values{}); st == 403 {
		t.Errorf("asynqmon POST with token: 403: %s", body)
	}
}

func TestAdminPagesForbiddenToMember(t *testing.T) {
	ts := webtest.New(t)
	// A member user, created by the admin through the services.
	admin := auth.WithPrincipal(ts.Ctx, auth.Principal{UserID: 1, Name: "admin@example.dk", Role: auth.RoleAdmin})
	m, err := ts.Contracts.CreateMember(admin, contracts.NewMember{Code: "706", Name: "Syddjurs Kommune", Kind: "municipality",
		EAN: "5798000416604", Inhabitants: 43000, Inhabitants65Plus: 11000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Auth.CreateUser(admin, auth.NewUser{Email: "sygeplejerske@syddjurs.dk", Name: "Sygeplejerske",
		Password: webtest.Password, Role: auth.RoleMember, MemberID: &m.ID}); err != nil {
		t.Fatal(err)
	}
	sc, err := ts.Contracts.CreateScheme(admin, contracts.NewScheme{Code: "KOL", Name: "KOL telemonitorering"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{m.ID, ts.Members["751"].ID} {
		if _, err := ts.Contracts.Join(admin, sc.ID, contracts.NewParticipation{MemberID: id, JoinedOn: civil.MustParse("2025-01-01")}); err != nil {
			t.Fatal(err)
		}
	}

	b := webtest.NewClient(ts)
	b.Login("sygeplejerske@syddjurs.dk", webtest.Password)
	for _, p := range []string{"/users", "/users/new", "/users/1/edit", "/tokens", "/audit", "/admin/jobs/", "/admin/jobs/api/queues"} {
		if st, _, _ := b.Get(p); st != 403 {
			t.Errorf("member GET %s: %d, want 403", p, st)
		}
	}
	b.ExpectPage("/schemes", 200, "KOL telemonitorering")
	if strings.Contains(b.ExpectPage("/schemes", 200), `action="/schemes"`) {
		t.Error("a member sees the new-scheme form")
	}
	// The scheme shows the member's own participation only, and no admin forms.
	body := b.ExpectPage(fmt.Sprintf("/schemes/%d", sc.ID), 200, "Syddjurs Kommune", "Aktiv")
	if strings.Contains(body, "Kommune 751") || strings.Contains(body, "/participants") {
		t.Errorf("member's scheme page shows others or admin forms: %s", webtest.PageSnippet(body))
	}
	for _, p := range []string{"/schemes", fmt.Sprintf("/schemes/%d/participants", sc.ID), "/users/new", "/tokens"} {
		if st, _, _ := b.Post(p, url.Values{"code": {"X"}, "name": {"X"}}); st != 403 {
			t.Errorf("member POST %s: %d, want 403", p, st)
		}
	}

	// Staff other than admin see schemes but not the admin pages.
	s := webtest.NewClient(ts)
	s.Login("logistics@example.dk", webtest.Password)
	s.ExpectPage(fmt.Sprintf("/schemes/%d", sc.ID), 200, "Syddjurs Kommune", "Kommune 751")
	if st, _, _ := s.Get("/users"); st != 403 {
		t.Errorf("logistics GET /users: %d, want 403", st)
	}

	// Without a session the pages send you to the login form.
	anon := webtest.NewClient(ts)
	if st, _, loc := anon.Get("/users"); st != 302 || loc != "/login?next=%2Fusers" {
		t.Errorf("anonymous GET /users: %d to %q", st, loc)
	}
	if st, _, loc := anon.Get("/admin/jobs/"); st != 302 || !strings.HasPrefix(loc, "/login") {
		t.Errorf("anonymous GET /admin/jobs/: %d to %q", st, loc)
	}
}
