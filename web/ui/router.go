package ui

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"slices"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed static
var staticFS embed.FS

// Router is what a web domain package registers its pages on. Every page sits behind
// the session cookie and the CSRF check of its forms, and names the roles that may
// open it. The pages are served by Serve, once every domain has registered its own.
type Router struct{ *pageTable }

type pageTable struct {
	ui    *Renderer
	pages []page
}

type page struct {
	method, path string
	handlers     []fiber.Handler
}

// NewRouter returns an empty Router whose pages r renders.
func NewRouter(r *Renderer) Router { return Router{&pageTable{ui: r}} }

// Config is what the pages need besides their templates.
type Config struct {
	// Auth turns a session cookie into its principal; *auth.Service is one.
	Auth interface {
		Authenticate(ctx context.Context, token string) (auth.Principal, error)
	}
	// Keys gives the secret the CSRF tokens are signed with, shared by every instance.
	Keys KeySource
	// SecureCookies marks cookies for HTTPS only even on a request that came over
	// HTTP; they are whenever the request came over HTTPS (IsHTTPS).
	SecureCookies bool
}

// Serve serves the static files, the language switch and the pages of p on app. Call it
// after the API routes are registered: the session and CSRF checks apply to everything
// registered after them.
func Serve(app *fiber.App, p Router, cfg Config) {
	static, _ := fs.Sub(staticFS, "static")
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 3600}))
	app.Get("/lang/:code", func(c *fiber.Ctx) error {
		code := i18n.For(c.Params("code")).Code()
		c.Cookie(&fiber.Cookie{Name: LangCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax"})
		return c.Redirect(httpx.SafeNext(c.Query("next")))
	})
	g := app.Group("", cleanInputs, csrfCheck(cfg), session(cfg))
	for _, pg := range p.pages {
		if pg.method == "" {
			g.All(pg.path, pg.handlers...)
		} else {
			g.Add(pg.method, pg.path, pg.handlers...)
		}
	}
}

// Get serves the page path to the roles (nil: to anyone, with or without a session).
func (p Router) Get(path string, roles []auth.Role, h ...fiber.Handler) { p.add("GET", path, roles, h) }

// Post serves the form submission path to the roles (nil: to anyone).
func (p Router) Post(path string, roles []auth.Role, h ...fiber.Handler) {
	p.add("POST", path, roles, h)
}

// All serves path with every method to the roles (nil: to anyone).
func (p Router) All(path string, roles []auth.Role, h ...fiber.Handler) { p.add("", path, roles, h) }

func (p Router) add(method, path string, roles []auth.Role, h []fiber.Handler) {
	p.pages = append(p.pages, page{method: method, path: path, handlers: append([]fiber.Handler{Require(roles)}, h...)})
}

// Nav adds items to the side navigation.
func (p Router) Nav(items ...NavItem) { p.ui.addNav(items...) }

// Require sends a visitor without a session to the login page, and answers 403 to a
// role not in roles. A nil roles list lets everyone through, visitors too.
func Require(roles []auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if roles == nil {
			return c.Next()
		}
		p, ok := auth.From(c.UserContext())
		if !ok {
			return c.Redirect("/login?next=" + url.QueryEscape(c.OriginalURL()))
		}
		if !slices.Contains(roles, p.Role) {
			return apperr.Forbidden("role %s may not open this page", p.Role)
		}
		return c.Next()
	}
}

// session puts the principal of the session cookie, if valid, in the context.
func session(cfg Config) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if tok := Session(c); tok != "" {
			if p, err := cfg.Auth.Authenticate(c.UserContext(), tok); err == nil {
				c.SetUserContext(auth.WithPrincipal(c.UserContext(), p))
			}
		}
		return c.Next()
	}
}
