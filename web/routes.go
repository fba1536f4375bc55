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
//   - Its words go into web/i18n/da.toml and en.toml, in a table of its own; the
//     wording of a new apperr code is error.<code> in both.
//   - Here: add its Templates to ui.NewRenderer and call its Mount in mount, between
//     NewAPI and ui.Serve.
//   - Its tests are in package <domain>_test, on webtest.New.

import (
	"embed"
	"html/template"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/admin"
	webcontracts "github.com/fsc/backoffice/web/contracts"
	"github.com/fsc/backoffice/web/home"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// templateFS holds the pages still served from this package (inventory and orders).
//
//go:embed templates/*.html
var templateFS embed.FS

// The template functions of the inventory pages.
var rootFuncs = template.FuncMap{
	// invState is the state a *State points to, "" for none.
	"invState": ui.Deref[inventory.State],
}

// mount registers every API route and page. The API comes first: the pages' session
// and CSRF checks apply to what is registered after them.
func (s *Server) mount() {
	r, err := ui.NewRenderer(rootFuncs, templateFS, home.Templates, admin.Templates, webcontracts.Templates)
	if err != nil {
		panic(err) // the embedded templates do not parse: a test sees it first
	}
	s.ui = r
	s.api = httpx.NewAPI(s.App, s.Auth)
	s.App.Get(httpx.Base+"/openapi.json", s.apiOpenAPI)
	pages := ui.NewRouter(r)

	(&home.Handlers{Auth: s.Auth, Contracts: s.Contracts, Inventory: s.Inventory, UI: r, SecureCookies: s.SecureCookies}).Mount(s.api, pages)
	(&admin.Handlers{Auth: s.Auth, Contracts: s.Contracts, Redis: s.Redis, UI: r}).Mount(s.api, pages)
	(&webcontracts.Handlers{Contracts: s.Contracts, Inventory: s.Inventory, UI: r}).Mount(s.api, pages)
	s.mountInventoryAPI()
	s.mountOrdersAPI()
	s.mountImportAPI()
	s.mountInventoryMoreAPI()
	pages.Nav(rootNav...)
	s.mountInventoryPages(pages)
	s.mountOrdersPages(pages)

	// Anything else under the API base is a JSON 404, not an HTML page.
	s.App.Use(httpx.Base, func(c *fiber.Ctx) error {
		return apperr.NotFound("no such endpoint: %s %s", c.Method(), c.Path())
	})
	ui.Serve(s.App, pages, ui.Config{Auth: s.Auth, Redis: s.Redis.Client, SecureCookies: s.SecureCookies})
}

var (
	members    = []auth.Role{auth.RoleMember}
	adminsLogi = []auth.Role{auth.RoleLogistics, auth.RoleAdmin}
)

// rootNav is the navigation of the pages of this package.
var rootNav = []ui.NavItem{
	{Order: 20, Label: "ord.nav.new", Href: "/orders/new", Roles: members},
	{Order: 21, Label: "ord.nav.mine", Href: "/orders", Roles: members},
	{Order: 22, Label: "ord.nav.pickup", Href: "/returns/new", Roles: members},
	{Order: 23, Label: "ord.nav.orders", Href: "/orders", Roles: httpx.Staff},
	{Order: 24, Label: "ord.nav.picklists", Href: "/picklists", Roles: adminsLogi},
	{Order: 25, Label: "ord.nav.shipments", Href: "/shipments", Roles: adminsLogi},
	{Order: 26, Label: "ord.nav.returns", Href: "/returns", Roles: adminsLogi},
	{Order: 30, Label: "inv.nav.devices", Href: "/devices", Roles: httpx.Staff},
	{Order: 31, Label: "inv.nav.stock", Href: "/stock", Roles: httpx.Staff},
	{Order: 32, Label: "inv.nav.receiving", Href: "/receipts/new", Roles: httpx.Logistics},
	{Order: 33, Label: "inv.nav.kits", Href: "/kits", Roles: adminsLogi},
	{Order: 34, Label: "inv.nav.stocktakes", Href: "/stocktakes", Roles: adminsLogi},
	{Order: 35, Label: "inv.nav.recalls", Href: "/recalls", Roles: adminsLogi},
	{Order: 36, Label: "inv.nav.my_devices", Href: "/devices", Roles: members},
}
