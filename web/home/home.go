// Package home serves what every user meets first: logging in and out (the pages and
// the API's /auth routes and /me) and the dashboard.
package home

import (
	"embed"

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

// Handlers serves the API routes and pages of the package.
type Handlers struct {
	Auth      *auth.Service
	Contracts *contracts.Service
	Inventory *inventory.Service // the dashboard's stock warnings
	UI        *ui.Renderer
	// SecureCookies marks the session cookie for HTTPS only.
	SecureCookies bool
}

// Mount registers the API routes, the pages and the dashboard's place in the
// navigation.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	h.mountAPI(api)
	pages.Get("/login", nil, h.loginPage)
	pages.Post("/login", nil, h.loginSubmit)
	pages.Post("/logout", nil, h.logoutSubmit)
	pages.Get("/", httpx.AnyUser, h.dashboardPage)
	pages.Nav(ui.NavItem{Order: 0, Label: "nav.dashboard", Href: "/"})
}
