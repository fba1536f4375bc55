// Package reports serves billing and the centre's reports: allocation keys, cost pools,
// billing runs with their statements, exports and adjustments, and the six operational
// reports, as API routes (api_billing.go, api_reports.go) and pages (pages_*.go) for
// finance, admins, staff and the members' own statements.
package reports

import (
	"embed"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// Templates are the pages of the package, for ui.NewRenderer.
//
//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the API routes and pages of the package.
type Handlers struct {
	Reports   *reports.Service
	Contracts *contracts.Service
	UI        *ui.Renderer
}

var members = []auth.Role{auth.RoleMember}

// Mount registers the API routes, the pages and their navigation.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	h.mountBillingAPI(api)
	h.mountReportsAPI(api)
	h.mountBillingPages(pages)
	h.mountReportPages(pages)
	pages.Nav(
		ui.NavItem{Order: 70, Label: "bill.nav.runs", Href: "/billing", Roles: financeAdmin},
		ui.NavItem{Order: 71, Label: "bill.nav.keys", Href: "/billing/keys", Roles: financeAdmin},
		ui.NavItem{Order: 72, Label: "bill.nav.pools", Href: "/billing/pools", Roles: financeAdmin},
		ui.NavItem{Order: 73, Label: "bill.nav.statements", Href: "/statements", Roles: members},
		ui.NavItem{Order: 75, Label: "rep.nav.reports", Href: "/reports", Roles: httpx.Staff},
		ui.NavItem{Order: 76, Label: "rep.nav.costs", Href: "/reports/costs", Roles: members},
	)
}

func httpxID(c *fiber.Ctx, name string) (int64, error) { return httpx.PathID(c, name) }
