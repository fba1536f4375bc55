package web

// How a web domain package plugs in (web/admin is the model to copy):
//
//   - web/<domain>/<domain>.go declares
//     type Handlers struct{ <its services>; UI *ui.Renderer }
//     func (h *Handlers) Mount(api httpx.Router, pages ui.Router)
//     and embeds its pages: //go:embed templates/*.html, var Templates embed.FS.
//   - Mount registers each API route with api.Handle(httpx.Route{…, Roles: …}) (the
//     table that feeds the OpenAPI document and checks the token's role), each page
//     with pages.Get/Post(path, roles, handler) (session, CSRF and the role check come
//     with it) and its side-navigation items with pages.Nav(ui.NavItem{Order: …}).
//   - Its pages are templates/<name>.html defining "content", on the shared layout,
//     with the partials of package ui ("pager", "table", "field_error"). Page names
//     are global: NewRenderer refuses two of one name.
//   - Its words go into its own catalogue pair web/i18n/<domain>.da.toml and
//     <domain>.en.toml (each key once per language); the wording of a new apperr
//     code is error.<code> in both.
//   - Here: add its Templates to ui.NewRenderer and call its Mount in mount, between
//     NewAPI and ui.Serve.
//   - Its tests are in package <domain>_test, on webtest.New.

import (
	"html/template"
	"maps"

	"github.com/fsc/backoffice/web/admin"
	webcontracts "github.com/fsc/backoffice/web/contracts"
	"github.com/fsc/backoffice/web/home"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/inventory"
	"github.com/fsc/backoffice/web/orders"
	webreports "github.com/fsc/backoffice/web/reports"
	websupport "github.com/fsc/backoffice/web/support"
	"github.com/fsc/backoffice/web/ui"
	"github.com/fsc/backoffice/web/webhooks"
	"github.com/gofiber/fiber/v2"
)

// funcs are the template functions the domain packages' pages add to ui's.
func funcs() template.FuncMap {
	f := template.FuncMap{
		// catLabel says a ticket category (web/support).
		"catLabel": websupport.CategoryLabel,
	}
	maps.Copy(f, inventory.Funcs)
	return f
}

// mount registers every API route and page. The API comes first: the pages' session
// and CSRF checks apply to what is registered after them.
func (s *Server) mount() {
	r, err := ui.NewRenderer(funcs(), home.Templates, admin.Templates, inventory.Templates, orders.Templates, websupport.Templates, webhooks.Templates, webreports.Templates, webcontracts.Templates)
	if err != nil {
		panic(err) // the embedded templates do not parse: a test sees it first
	}
	s.ui = r
	s.api = httpx.NewAPI(s.App, s.Auth)
	s.App.Get(httpx.Base+"/openapi.json", s.apiOpenAPI)
	pages := ui.NewRouter(r)

	(&home.Handlers{Auth: s.Auth, Contracts: s.Contracts, Inventory: s.Inventory, UI: r, SecureCookies: s.SecureCookies}).Mount(s.api, pages)
	(&admin.Handlers{Auth: s.Auth, Contracts: s.Contracts, Redis: s.Redis, UI: r}).Mount(s.api, pages)
	(&inventory.Handlers{Inventory: s.Inventory, Contracts: s.Contracts, UI: r}).Mount(s.api, pages)
	(&orders.Handlers{Orders: s.Orders, Inventory: s.Inventory, Contracts: s.Contracts, UI: r, CarrierSecret: s.CarrierSecret}).Mount(s.api, pages)
	(&websupport.Handlers{Support: s.Support, Contracts: s.Contracts, Inventory: s.Inventory, UI: r}).Mount(s.api, pages)
	(&webhooks.Handlers{Webhooks: s.Webhooks, UI: r}).Mount(s.api, pages)
	(&webreports.Handlers{Reports: s.Reports, Contracts: s.Contracts, UI: r}).Mount(s.api, pages)
	(&webcontracts.Handlers{Contracts: s.Contracts, Inventory: s.Inventory, UI: r}).Mount(s.api, pages)

	// Anything else under the API base is a JSON 404, not an HTML page.
	s.App.Use(httpx.Base, func(c *fiber.Ctx) error { return s.api.NoRoute(c) })
	ui.Serve(s.App, pages, ui.Config{Auth: s.Auth, Keys: s.Auth, SecureCookies: s.SecureCookies})
}
