// Package contracts serves the contract management of the centre: vendors, tendered
// contracts with their notice deadlines and extensions, documents, dated price lists,
// participants, member figures over time and the notices list, as API routes and pages.
// Vendor users see their own vendor and its contracts here (their portal).
//
// Like web/admin, each resource has its API in <resource>_api.go and its pages in
// <resource>.go.
package contracts

import (
	"embed"
	"slices"
	"strconv"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
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
	Contracts *contracts.Service
	Inventory *inventory.Service // product names and the price form's choices
	UI        *ui.Renderer
}

// Role sets of the package's routes.
var (
	// vendorReaders read vendors: staff every vendor, a vendor user its own.
	vendorReaders = append(slices.Clone(httpx.Staff), auth.RoleVendor)
	// contractReaders read contracts: staff all, a vendor user its vendor's, a member
	// user those its member participates in.
	contractReaders = append(slices.Clone(vendorReaders), auth.RoleMember)
	// contractWriters manage contracts, their prices, participants and documents.
	contractWriters = []auth.Role{auth.RoleAdmin, auth.RoleFinance}
	vendorOnly      = []auth.Role{auth.RoleVendor}
)

// Mount registers the API routes (into the table that feeds the OpenAPI document), the
// pages and their navigation.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	h.mountVendorsAPI(api)
	h.mountContractsAPI(api)
	h.mountFiguresAPI(api)
	h.mountNoticesAPI(api)

	h.mountVendors(pages)
	h.mountContracts(pages)
	h.mountFigures(pages)
	h.mountNotices(pages)
	pages.Nav(
		ui.NavItem{Order: 40, Label: "con.nav.contracts", Href: "/contracts", Roles: httpx.Staff},
		ui.NavItem{Order: 41, Label: "con.nav.deadlines", Href: "/contracts/deadlines", Roles: httpx.Staff},
		ui.NavItem{Order: 42, Label: "con.nav.vendors", Href: "/vendors", Roles: httpx.Staff},
		ui.NavItem{Order: 43, Label: "con.nav.notices", Href: "/notices", Roles: contractWriters},
		ui.NavItem{Order: 44, Label: "con.nav.my_contracts", Href: "/contracts", Roles: vendorOnly},
		ui.NavItem{Order: 45, Label: "con.nav.my_vendor", HrefFor: ownVendor},
		ui.NavItem{Order: 46, Label: "con.nav.member_contracts", Href: "/contracts", Roles: []auth.Role{auth.RoleMember}},
	)
}

// ownVendor is the page of a vendor user's own vendor.
func ownVendor(p auth.Principal) string {
	if p.Role != auth.RoleVendor || p.VendorID == nil {
		return ""
	}
	return "/vendors/" + strconv.FormatInt(*p.VendorID, 10)
}

func principal(c *fiber.Ctx) auth.Principal {
	p, _ := auth.From(c.UserContext())
	return p
}

// canManage reports whether the caller manages contracts (admin, finance).
func canManage(c *fiber.Ctx) bool { return slices.Contains(contractWriters, principal(c).Role) }

func isAdmin(c *fiber.Ctx) bool { return principal(c).Role == auth.RoleAdmin }

// today is the business day the contracts service computes for.
func (h *Handlers) today() civil.Date {
	if h.Contracts.Today != nil {
		return h.Contracts.Today()
	}
	return civil.Today()
}
