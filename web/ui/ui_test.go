package ui

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/gofiber/fiber/v2"
)

func pagesFS(pages map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, body := range pages {
		m["templates/"+name+".html"] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

// render serves one page through a fiber app and returns status and body.
func render(t *testing.T, r *Renderer, path string, h fiber.Handler) (int, string) {
	t.Helper()
	app := fiber.New()
	app.Get(path[:strings.IndexAny(path+"?", "?")], h)
	req := httptest.NewRequest("GET", path, nil)
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestNewRendererRefusesTwoPagesOfOneName(t *testing.T) {
	a := pagesFS(map[string]string{"list": `{{define "content"}}a{{end}}`})
	b := pagesFS(map[string]string{"list": `{{define "content"}}b{{end}}`})
	if _, err := NewRenderer(nil, a, b); err == nil || !strings.Contains(err.Error(), `"list"`) {
		t.Fatalf("two pages named list: %v", err)
	}
	if _, err := NewRenderer(nil, pagesFS(map[string]string{"bad": `{{define "content"}}{{nosuchfunc}}{{end}}`})); err == nil {
		t.Fatal("a page calling an unknown function parsed")
	}
	if _, err := NewRenderer(map[string]any{"date": func() string { return "" }}); err == nil {
		t.Fatal("a second date function was accepted")
	}
}

func TestRenderErrorSaysFieldsInTheUsersLanguage(t *testing.T) {
	r, err := NewRenderer(nil, pagesFS(map[string]string{
		"form": `{{define "content"}}[{{$.Form.For "inhabitants_65_plus"}}]{{template "field_error" ($.Form.Input "name")}}{{end}}`}))
	if err != nil {
		t.Fatal(err)
	}
	fe := apperr.Fields{}
	fe.Add("inhabitants_65_plus", apperr.NotAbove, "must not exceed %s", "inhabitants")
	st, body := render(t, r, "/f", func(c *fiber.Ctx) error { return r.RenderError(c, "form", "members.new", nil, fe.Err()) })
	if st != 422 {
		t.Fatalf("status %d", st)
	}
	for _, want := range []string{`<li data-field="inhabitants_65_plus"><strong>Indbyggere 65&#43;</strong>: må ikke overstige »Indbyggere«</li>`,
		"[må ikke overstige »Indbyggere«]", "<title>Nyt medlem"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "field-error") {
		t.Error("an input without an error shows one")
	}
	// Not an apperr error: the error handler's, not the page's.
	if st, _ := render(t, r, "/f", func(c *fiber.Ctx) error { return r.RenderError(c, "form", "x", nil, io.EOF) }); st != 500 {
		t.Errorf("internal error rendered as %d", st)
	}
	// A conflict's message, without fields.
	_, body = render(t, r, "/f", func(c *fiber.Ctx) error {
		return r.RenderError(c, "form", "x", nil, apperr.Conflict("Det kan ikke lade sig gøre."))
	})
	if !strings.Contains(body, `<strong>Det kan ikke lade sig gøre.</strong>`) {
		t.Errorf("conflict not shown: %s", body)
	}
}

func TestFormErrorsOf(t *testing.T) {
	l := i18n.For(i18n.DA)
	fe := apperr.Fields{}
	fe.Add("delivery.postcode", apperr.Postcode, "must be a Danish postcode")
	fe.Add("kit_id", apperr.Required, "is required")
	fe.Add("lines[2].quantity", apperr.TooLarge, "must be at most %d", 10)
	fe.Add("left_on", apperr.NotAfter, "must be after %s", "joined_on")
	fields := []Field{{Path: "kit_id", ID: "kit"}, {Path: "delivery", ID: "address", Label: "field.delivery.street"},
		{Path: "joined_on", ID: "joined", Label: "schemes.joined_on"}}
	e, ok := FormErrorsOf(l, "ord_new", fe.Err(), fields...)
	if !ok {
		t.Fatal("an Invalid error was not taken")
	}
	var order []string
	for _, x := range e.List {
		order = append(order, x.ID)
	}
	if got := strings.Join(order, ","); got != "kit,address,lines[2].quantity,left_on" {
		t.Errorf("order of the summary = %s", got)
	}
	if got := e.For("kit"); got != "skal udfyldes" {
		t.Errorf("kit = %q", got)
	}
	if got := e.For("address"); got != "skal være et dansk postnummer på fire cifre" {
		t.Errorf("address = %q", got)
	}
	if e.List[1].Label != "Adresse" {
		t.Errorf("label of a form field = %q", e.List[1].Label)
	}
	// Another field named in a message takes the form's label for it.
	if got := e.For("left_on"); got != "skal ligge efter Tilsluttet fra" {
		t.Errorf("left_on = %q", got)
	}
	if _, ok := FormErrorsOf(l, "x", apperr.Conflict("no")); ok {
		t.Error("a conflict was taken for field errors")
	}
}

func TestNav(t *testing.T) {
	r := &Renderer{}
	member := int64(7)
	r.addNav(
		NavItem{Order: 50, Label: "nav.schemes", Href: "/schemes"},
		NavItem{Order: 0, Label: "nav.dashboard", Href: "/"},
		NavItem{Order: 21, Label: "ord.nav.mine", Href: "/orders", Roles: []auth.Role{auth.RoleMember}},
		NavItem{Order: 20, Label: "ord.nav.new", Href: "/orders/new", Roles: []auth.Role{auth.RoleMember}},
		NavItem{Order: 60, Label: "nav.users", Href: "/users", Roles: httpx.Admins},
		NavItem{Order: 11, Label: "nav.my_member", HrefFor: func(p auth.Principal) string {
			if p.MemberID == nil {
				return ""
			}
			return "/members/7"
		}},
	)
	links := r.navFor(i18n.For(i18n.DA), auth.Principal{Role: auth.RoleMember, MemberID: &member}, "/orders/new")
	var got []string
	for _, l := range links {
		s := l.Href
		if l.Active {
			s += "*"
		}
		got = append(got, s)
	}
	if s := strings.Join(got, " "); s != "/ /members/7 /orders/new* /orders /schemes" {
		t.Errorf("member's nav = %s", s)
	}
	links = r.navFor(i18n.For(i18n.EN), auth.Principal{Role: auth.RoleAdmin}, "/users/3/edit")
	if len(links) != 3 || links[2].Href != "/users" || !links[2].Active || links[2].Label != "Users" {
		t.Errorf("admin's nav = %+v", links)
	}
}

func TestPagerAndPartial(t *testing.T) {
	r, err := NewRenderer(nil, pagesFS(map[string]string{"list": `{{define "content"}}{{template "pager" (pager $ .Data)}}{{end}}`}))
	if err != nil {
		t.Fatal(err)
	}
	_, body := render(t, r, "/audit?actor=a%26b&cursor="+httpx.EncodeCursor(40)+"&limit=1", func(c *fiber.Ctx) error {
		p, err := httpx.PageParams(c)
		if err != nil {
			return err
		}
		return r.Render(c, "list", "audit.title", PagerFor(c, p, 20))
	})
	for _, want := range []string{`<nav class="pager" aria-label="Revisionsspor">`,
		`href="/audit?actor=a%26b&amp;limit=1">← Første side`, `href="?actor=a%26b&amp;cursor=` + httpx.EncodeCursor(20) + `&amp;limit=1">Næste side →`} {
		if !strings.Contains(body, want) {
			t.Errorf("pager lacks %q:\n%s", want, body)
		}
	}
	_, body = render(t, r, "/audit", func(c *fiber.Ctx) error { return r.Render(c, "list", "audit.title", PagerFor(c, httpx.Page{}, 0)) })
	if !strings.Contains(body, `<nav class="pager" aria-label="Revisionsspor"></nav>`) {
		t.Errorf("the only page links somewhere: %s", body)
	}
}

func TestFuncs(t *testing.T) {
	thousands := Funcs["thousands"].(func(any) (string, error))
	for n, want := range map[any]string{-100: "-100", int64(-1234): "-1.234", 43512: "43.512", int64(0): "0"} {
		if got, err := thousands(n); err != nil || got != want {
			t.Errorf("thousands(%v) = %q, %v; want %q", n, got, err, want)
		}
	}
	if _, err := thousands("12"); err == nil {
		t.Error("thousands of a string")
	}
	if Deref[int64](nil) != 0 || Deref[string](nil) != "" {
		t.Error("deref of nil is not the zero value")
	}
	seven := int64(7)
	if Deref(&seven) != 7 {
		t.Error("deref")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/members": "/members", "": "/", "//evil.example": "/", "https://evil.example": "/", `/\evil`: "/"} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q", in, got)
		}
	}
}
