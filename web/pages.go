package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	sessionCookie = "fsc_session"
	langCookie    = "fsc_lang"
	flashCookie   = "fsc_flash"
	csrfKey       = "csrf"
)

type pages struct {
	s    *Server
	tmpl map[string]*template.Template
}

var funcs = template.FuncMap{
	"date": func(v any) string {
		switch x := v.(type) {
		case time.Time:
			if x.IsZero() {
				return ""
			}
			return x.In(civil.Copenhagen).Format("2006-01-02 15:04")
		case *time.Time:
			if x == nil {
				return ""
			}
			return x.In(civil.Copenhagen).Format("2006-01-02 15:04")
		case civil.Date:
			return x.String()
		}
		return fmt.Sprint(v)
	},
	"thousands": func(n int64) string {
		s := fmt.Sprint(n)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 && c != '-' {
				b.WriteByte('.')
			}
			b.WriteRune(c)
		}
		return b.String()
	},
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"eq64": func(a *int64, b int64) bool { return a != nil && *a == b },
}

// newPages parses every page template together with the layout.
func newPages(s *Server) *pages {
	p := &pages{s: s, tmpl: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		p.tmpl[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return p
}

// view is what every page template receives.
type view struct {
	L         Lang
	User      *auth.Principal
	CSRF      string
	Path      string
	Title     string
	Flash     string
	Errors    []apperr.FieldError
	ErrorText string
	Nav       []navItem
	Data      any
}

type navItem struct {
	Href, Label string
	Active      bool
}

func lang(c *fiber.Ctx) Lang {
	if c.Cookies(langCookie) == langEN {
		return Lang{langEN}
	}
	return Lang{langDA}
}

// render writes page name with data; title is a message key.
func (p *pages) render(c *fiber.Ctx, name, title string, data any) error {
	return p.renderStatus(c, fiber.StatusOK, name, title, data, nil)
}

func (p *pages) renderStatus(c *fiber.Ctx, status int, name, title string, data any, formErr error) error {
	t, ok := p.tmpl[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	v := p.viewFor(c, title, data)
	if formErr != nil {
		var ae *apperr.Error
		if errors.As(formErr, &ae) && ae.Kind != apperr.KindInternal {
			v.Errors, v.ErrorText = ae.Fields, ae.Msg
			status = statusOf(formErr)
		} else {
			return formErr
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

func (p *pages) viewFor(c *fiber.Ctx, title string, data any) view {
	l := lang(c)
	v := view{L: l, Path: c.Path(), Title: l.T(title), Data: data}
	if tok, ok := c.Locals(csrfKey).(string); ok {
		v.CSRF = tok
	}
	if pr, ok := auth.From(c.UserContext()); ok {
		v.User = &pr
		v.Nav = navFor(l, pr, c.Path())
	}
	if f := c.Cookies(flashCookie); f != "" {
		v.Flash = l.T(f)
		// Expire it on the path it was set on, or deeper pages keep showing it.
		c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax", Expires: time.Unix(0, 0)})
	}
	return v
}

func navFor(l Lang, p auth.Principal, path string) []navItem {
	items := []navItem{{Href: "/", Label: l.T("nav.dashboard")}}
	if p.IsStaff() {
		items = append(items, navItem{Href: "/members", Label: l.T("nav.members")})
	} else if p.MemberID != nil {
		items = append(items, navItem{Href: fmt.Sprintf("/members/%d", *p.MemberID), Label: l.T("nav.my_member")})
	}
	switch {
	case p.Role == auth.RoleMember:
		items = append(items,
			navItem{Href: "/orders/new", Label: l.T("ord.nav.new")},
			navItem{Href: "/orders", Label: l.T("ord.nav.mine")},
			navItem{Href: "/returns/new", Label: l.T("ord.nav.pickup")})
	case p.IsStaff():
		items = append(items, navItem{Href: "/orders", Label: l.T("ord.nav.orders")})
		if p.Role == auth.RoleLogistics || p.Role == auth.RoleAdmin {
			items = append(items,
				navItem{Href: "/picklists", Label: l.T("ord.nav.picklists")},
				navItem{Href: "/shipments", Label: l.T("ord.nav.shipments")},
				navItem{Href: "/returns", Label: l.T("ord.nav.returns")})
		}
	}
	switch {
	case p.IsStaff():
		items = append(items,
			navItem{Href: "/devices", Label: l.T("inv.nav.devices")},
			navItem{Href: "/stock", Label: l.T("inv.nav.stock")})
		if p.Role == auth.RoleLogistics {
			items = append(items, navItem{Href: "/receipts/new", Label: l.T("inv.nav.receiving")})
		}
		if p.Role == auth.RoleLogistics || p.Role == auth.RoleAdmin {
			items = append(items,
				navItem{Href: "/kits", Label: l.T("inv.nav.kits")},
				navItem{Href: "/stocktakes", Label: l.T("inv.nav.stocktakes")},
				navItem{Href: "/recalls", Label: l.T("inv.nav.recalls")})
		}
	case p.Role == auth.RoleMember:
		items = append(items, navItem{Href: "/devices", Label: l.T("inv.nav.my_devices")})
	}
	items = append(items, navItem{Href: "/schemes", Label: l.T("nav.schemes")})
	if p.Role == auth.RoleAdmin {
		items = append(items,
			navItem{Href: "/users", Label: l.T("nav.users")},
			navItem{Href: "/tokens", Label: l.T("nav.tokens")},
			navItem{Href: "/audit", Label: l.T("nav.audit")},
			navItem{Href: "/admin/jobs/", Label: l.T("nav.jobs")})
	}
	// Only the item that matches the path best is current: /orders/new is "Order a
	// kit", not also "My orders".
	best := -1
	for i, it := range items {
		h := it.Href
		if (path == h || (h != "/" && strings.HasPrefix(path, strings.TrimSuffix(h, "/")+"/"))) && (best < 0 || len(h) > len(items[best].Href)) {
			best = i
		}
	}
	if best >= 0 {
		items[best].Active = true
	}
	return items
}

// flash sets a one-time message (a message key) shown on the next page.
func flash(c *fiber.Ctx, key string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: key, Path: "/", HTTPOnly: true, SameSite: "Lax", MaxAge: 60})
}

// errorPage renders p as an HTML page.
func (pg *pages) errorPage(c *fiber.Ctx, p problem) error {
	if p.Status == fiber.StatusUnauthorized {
		return c.Redirect("/login?next=" + url.QueryEscape(c.OriginalURL()))
	}
	return pg.renderStatus(c, p.Status, "error", "error.title", p, nil)
}

// mountPages registers the static files, the login pages and every page behind the
// session cookie and CSRF protection.
func (s *Server) mountPages() {
	s.pages = newPages(s)
	static, _ := fs.Sub(staticFS, "static")
	s.App.Use("/static", filesystem.New(filesystem.Config{Root: httpFS(static), MaxAge: 3600}))
	s.App.Get("/lang/:code", func(c *fiber.Ctx) error {
		code := langDA
		if c.Params("code") == langEN {
			code = langEN
		}
		c.Cookie(&fiber.Cookie{Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax"})
		return c.Redirect(safeNext(c.Query("next")))
	})

	ui := s.App.Group("", s.csrf(), s.pageSession)
	ui.Get("/login", s.loginPage)
	ui.Post("/login", s.loginSubmit)
	ui.Post("/logout", s.logoutSubmit)
	ui.Get("/", s.requirePage(anyUser), s.dashboardPage)
	s.mountContractsPages(ui)
	s.mountInventoryPages(ui)
	s.mountOrdersPages(ui)
	s.mountAdminPages(ui)
}

func (s *Server) csrf() fiber.Handler {
	return csrf.New(csrf.Config{
		KeyLookup:      "form:_csrf",
		CookieName:     "fsc_csrf",
		CookieSameSite: "Lax",
		CookieHTTPOnly: true,
		CookieSecure:   s.SecureCookies,
		Expiration:     12 * time.Hour,
		ContextKey:     csrfKey,
		Storage:        redisStorage{c: s.Redis.Client, prefix: "fsc:csrf:"},
		Extractor:      csrf.CsrfFromForm("_csrf"),
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			return apperr.Forbidden("the form has expired or did not come from this site; reload the page and try again")
		},
	})
}

// pageSession puts the principal of the session cookie, if valid, in the context.
func (s *Server) pageSession(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		if p, err := s.Auth.Authenticate(c.UserContext(), tok); err == nil {
			c.SetUserContext(auth.WithPrincipal(c.UserContext(), p))
		}
	}
	return c.Next()
}

// requirePage sends a visitor without a session to the login page, and answers 403 to a
// role not in roles.
func (s *Server) requirePage(roles []auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := auth.From(c.UserContext())
		if !ok {
			return c.Redirect("/login?next=" + url.QueryEscape(c.OriginalURL()))
		}
		for _, r := range roles {
			if r == p.Role {
				return c.Next()
			}
		}
		return apperr.Forbidden("role %s may not open this page", p.Role)
	}
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}
