// Package orders serves ordering and returning devices, as API routes and pages. The
// member portal: order a kit for a citizen, follow the order, request a pickup. The
// centre's pages: the orders board, pick lists, shipments with their alerts, returns to
// receive, and transfers of deployed devices between members. The carrier's webhook is
// here too.
//
// Every change and every list goes through the orders and inventory services, which
// check role and member scope. Each resource has its API in <resource>_api.go and its
// pages in their own file (new.go, board.go, order.go, …).
package orders

import (
	"crypto/rand"
	"embed"
	"encoding/hex"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
)

// Templates are the pages of the package, for ui.NewRenderer.
//
//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the API routes and pages of the package.
type Handlers struct {
	Orders    *orders.Service
	Inventory *inventory.Service // devices, kits, products and locations beside the orders
	Contracts *contracts.Service // the names of members
	UI        *ui.Renderer
	// CarrierSecret signs the carrier's webhooks (HMAC-SHA256).
	CarrierSecret string
}

var (
	memberOnly        = []auth.Role{auth.RoleMember}
	warehouseRoles    = []auth.Role{auth.RoleLogistics, auth.RoleAdmin}
	memberAndStaff    = httpx.AnyUser
	orderPlacers      = []auth.Role{auth.RoleMember, auth.RoleLogistics, auth.RoleAdmin}
	memberOrLogistics = []auth.Role{auth.RoleMember, auth.RoleLogistics}
	// returnsReaders see the list of returns: the warehouse receives them, a member's
	// nurses follow their own pickups.
	returnsReaders = []auth.Role{auth.RoleMember, auth.RoleLogistics, auth.RoleAdmin}
)

// Mount registers the API routes (into the table that feeds the OpenAPI document), the
// pages and their navigation. A fixed path comes before the pattern that would take it:
// /orders/new before /orders/:id, /returns/new before /returns/:id.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	h.mountOrdersAPI(api)
	h.mountShipmentsAPI(api)
	h.mountListsAPI(api)
	h.mountReturnsAPI(api)

	h.mountBoard(pages)
	h.mountNew(pages)
	h.mountOrder(pages)
	h.mountPickLists(pages)
	h.mountShipments(pages)
	h.mountReturns(pages)
	h.mountPickup(pages)
	h.mountReturn(pages)
	pages.Nav(
		ui.NavItem{Order: 20, Label: "ord.nav.new", Href: "/orders/new", Roles: memberOnly},
		ui.NavItem{Order: 21, Label: "ord.nav.mine", Href: "/orders", Roles: memberOnly},
		ui.NavItem{Order: 22, Label: "ord.nav.pickup", Href: "/returns/new", Roles: memberOnly},
		ui.NavItem{Order: 22, Label: "ord.nav.pickups", Href: "/returns", Roles: memberOnly},
		ui.NavItem{Order: 23, Label: "ord.nav.orders", Href: "/orders", Roles: httpx.Staff},
		ui.NavItem{Order: 24, Label: "ord.nav.picklists", Href: "/picklists", Roles: warehouseRoles},
		ui.NavItem{Order: 25, Label: "ord.nav.shipments", Href: "/shipments", Roles: warehouseRoles},
		ui.NavItem{Order: 26, Label: "ord.nav.returns", Href: "/returns", Roles: warehouseRoles},
	)
}

// newFormKey returns a fresh idempotency key for a form: the same form submitted twice
// carries the same key and so creates one order or return.
func newFormKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "form-" + hex.EncodeToString(b)
}
