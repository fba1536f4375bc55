// Package support serves the call centre: the API of API.md "Support (pinned)"
// (tickets, comments, attachments, status moves, escalation, swaps, alarms from device
// platforms, e-mail in, SLA policies) and its pages: the agent's queue with its Excel
// download, the ticket page, the new-ticket form for a phone call, the member portal's
// "report a problem" and "our tickets", the vendor's "tickets escalated to us" and the
// SLA policy page.
//
// Handlers call support.Service, which decides who sees what: a member user only its
// member's tickets, a vendor user only those escalated to its vendor (404 otherwise).
// The API is in api.go, the pages in queue.go, ticket.go, new.go and policies.go.
package support

import (
	"embed"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// Templates are the pages of the package, for ui.NewRenderer.
//
//go:embed templates/*.html
var Templates embed.FS

// css is the pages' own style sheet, served at /support.css.
//
//go:embed static/support.css
var css []byte

// Handlers serves the API routes and pages of the call centre.
type Handlers struct {
	Support   *support.Service
	Contracts *contracts.Service // member and vendor names, the choices of the forms
	Inventory *inventory.Service // the phone form's device lookup and history
	UI        *ui.Renderer
}

// Who may call what (API.md "Support (pinned)"); the service checks the finer rules.
var (
	agents     = []auth.Role{auth.RoleSupport, auth.RoleAdmin}
	creators   = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleMember}
	readers    = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleLogistics, auth.RoleMember, auth.RoleVendor}
	writers    = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleMember, auth.RoleVendor}
	statusers  = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleVendor}
	swappers   = []auth.Role{auth.RoleSupport, auth.RoleLogistics}
	queueRoles = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleLogistics}
	members    = []auth.Role{auth.RoleMember}
	vendors    = []auth.Role{auth.RoleVendor}
)

// Mount registers the API routes, the pages and their navigation.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	h.mountAPI(api)
	pages.Get("/support.css", nil, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Send(css)
	})
	h.mountQueue(pages)
	h.mountNew(pages) // before /tickets/:id
	h.mountTicket(pages)
	h.mountPolicies(pages)
	pages.Nav(
		ui.NavItem{Order: 40, Label: "sup.nav.queue", Href: "/tickets", Roles: queueRoles},
		ui.NavItem{Order: 41, Label: "sup.nav.new", Href: "/tickets/new", Roles: agents},
		ui.NavItem{Order: 42, Label: "sup.nav.policies", Href: "/sla-policies", Roles: agents},
		ui.NavItem{Order: 27, Label: "sup.nav.report", Href: "/tickets/new", Roles: members},
		ui.NavItem{Order: 28, Label: "sup.nav.mine", Href: "/tickets", Roles: members},
		ui.NavItem{Order: 40, Label: "sup.nav.escalated", Href: "/tickets", Roles: vendors},
	)
}
