package ui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/gofiber/fiber/v2"
)

// shared holds the layout, the partials and the pages every app has (the error page).
//
//go:embed templates/*.html
var shared embed.FS

// The templates of shared that are not pages.
var layoutFiles = []string{"templates/layout.html", "templates/partials.html"}

// Renderer writes pages: each page template on the shared layout, with the navigation
// of the user's role.
type Renderer struct {
	pages map[string]*template.Template
	nav   []NavItem
}

// NewRenderer parses the pages of sets, each an fs.FS holding templates/*.html (a web
// domain's embedded templates), together with the shared layout and partials. The
// pages may use the functions of Funcs and of extra. It fails on a template that does
// not parse and on two pages of one name.
func NewRenderer(extra template.FuncMap, sets ...fs.FS) (*Renderer, error) {
	funcs := template.FuncMap{}
	for k, v := range Funcs {
		funcs[k] = v
	}
	for k, v := range extra {
		if _, dup := funcs[k]; dup {
			return nil, fmt.Errorf("template function %s defined twice", k)
		}
		funcs[k] = v
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(shared, layoutFiles...)
	if err != nil {
		return nil, err
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, set := range append([]fs.FS{shared}, sets...) {
		files, err := fs.Glob(set, "templates/*.html")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if set == fs.FS(shared) && (f == layoutFiles[0] || f == layoutFiles[1]) {
				continue
			}
			name := strings.TrimSuffix(path.Base(f), ".html")
			if _, dup := r.pages[name]; dup {
				return nil, fmt.Errorf("two page templates named %q", name)
			}
			t, err := template.Must(base.Clone()).ParseFS(set, f)
			if err != nil {
				return nil, fmt.Errorf("page %s: %w", name, err)
			}
			r.pages[name] = t
		}
	}
	return r, nil
}

// View is what every page template receives.
type View struct {
	L         i18n.Lang
	User      *auth.Principal // nil for a visitor
	CSRF      string
	Path      string
	Title     string
	Flash     string
	Form      FormErrors // a refused form's problems: the summary above the page, and per input
	ErrorText string     // a refused action's message
	Nav       []NavLink
	Data      any
}

// Render writes the page name (a template's file name without .html) with data, 200.
// title is a message key.
func (r *Renderer) Render(c *fiber.Ctx, name, title string, data any) error {
	return r.write(c, fiber.StatusOK, name, r.view(c, title, data))
}

// RenderStatus is Render with status.
func (r *Renderer) RenderStatus(c *fiber.Ctx, status int, name, title string, data any) error {
	return r.write(c, status, name, r.view(c, title, data))
}

// RenderError writes the page again after err refused what it sent: err's message and
// field errors, in the user's language, in the summary above the content (and for each
// input in View.Form), with err's status. A nil err renders the page with 200. An
// internal error, or one that is not an apperr error, is returned for the error
// handler. The form's own wordings are looked up as form.<name>.<input>.<code>.
func (r *Renderer) RenderError(c *fiber.Ctx, name, title string, data any, err error) error {
	v := r.view(c, title, data)
	if err == nil {
		return r.write(c, fiber.StatusOK, name, v)
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		return err
	}
	v.Form, v.ErrorText = sayFields(v.L, name, ae.Fields, nil), ae.Msg
	return r.write(c, httpx.StatusOf(err), name, v)
}

// ErrorPage writes p as the HTML error page; a visitor without a session is sent to
// the login page instead of a 401.
func (r *Renderer) ErrorPage(c *fiber.Ctx, p httpx.Problem) error {
	if p.Status == fiber.StatusUnauthorized {
		return c.Redirect("/login?next=" + url.QueryEscape(c.OriginalURL()))
	}
	return r.RenderStatus(c, p.Status, "error", "errorpage.title", p)
}

func (r *Renderer) write(c *fiber.Ctx, status int, name string, v View) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

func (r *Renderer) view(c *fiber.Ctx, title string, data any) View {
	l := Lang(c)
	v := View{L: l, Path: c.Path(), Title: l.T(title), Data: data, CSRF: CSRF(c)}
	if pr, ok := auth.From(c.UserContext()); ok {
		v.User = &pr
		v.Nav = r.navFor(l, pr, c.Path())
	}
	if f := c.Cookies(flashCookie); f != "" {
		v.Flash = l.T(f)
		// Expire it on the path it was set on, or deeper pages keep showing it.
		c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax", Expires: time.Unix(0, 0)})
	}
	return v
}
