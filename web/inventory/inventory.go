// Package inventory serves the warehouse: devices (a scanner's search, a device's
// history and manual moves, transfers), stock levels, receiving by hand and from a file,
// kits, stocktaking and recalls, as API routes and pages. Every rule is the inventory
// service's; these handlers read requests and forms, call it, and say its answers in the
// user's language.
//
// Each resource has its API in <resource>_api.go and its pages in <resource>.go; what
// the pages share (the names beside ids, the choices of a select, saying the service's
// errors) is in shared.go and errors.go.
package inventory

import (
	"embed"
	"html/template"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
)

// Templates are the pages of the package, for ui.NewRenderer.
//
//go:embed templates/*.html
var Templates embed.FS

// Funcs are the template functions of the package's pages, for ui.NewRenderer.
var Funcs = template.FuncMap{
	// invState is the state a *State points to, "" for none.
	"invState": ui.Deref[inventory.State],
}

// Handlers serves the API routes and pages of the package.
type Handlers struct {
	Inventory *inventory.Service
	Contracts *contracts.Service // members and schemes, the names beside ids
	UI        *ui.Renderer
}

var (
	logistics       = []auth.Role{auth.RoleLogistics}
	adminsLogistics = []auth.Role{auth.RoleAdmin, auth.RoleLogistics}
)

// Mount registers the API routes (into the table that feeds the OpenAPI document), the
// pages and their navigation.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	h.mountCatalogueAPI(api)
	h.mountReceiptsAPI(api)
	h.mountDevicesAPI(api)
	h.mountStockAPI(api)
	h.mountImportsAPI(api)
	h.mountKitsAPI(api)
	h.mountStocktakesAPI(api)
	h.mountRecallsAPI(api)

	h.mountDevices(pages)
	h.mountStock(pages)
	h.mountReceipts(pages)
	h.mountImports(pages)
	h.mountKits(pages)
	h.mountStocktakes(pages)
	h.mountRecalls(pages)
	pages.Nav(
		ui.NavItem{Order: 30, Label: "inv.nav.devices", Href: "/devices", Roles: httpx.Staff},
		ui.NavItem{Order: 31, Label: "inv.nav.stock", Href: "/stock", Roles: httpx.Staff},
		ui.NavItem{Order: 32, Label: "inv.nav.receiving", Href: "/receipts/new", Roles: httpx.Logistics},
		ui.NavItem{Order: 33, Label: "inv.nav.kits", Href: "/kits", Roles: adminsLogistics},
		ui.NavItem{Order: 34, Label: "inv.nav.stocktakes", Href: "/stocktakes", Roles: adminsLogistics},
		ui.NavItem{Order: 35, Label: "inv.nav.recalls", Href: "/recalls", Roles: adminsLogistics},
		ui.NavItem{Order: 36, Label: "inv.nav.my_devices", Href: "/devices", Roles: []auth.Role{auth.RoleMember}},
	)
}
