// Package admin serves the parties and the administration of the back office: members
// and their figures, schemes and who joined them, users, API tokens, the audit trail
// and the job dashboard (asynqmon at /admin/jobs), as API routes and pages.
//
// It is the model of a web domain package: Handlers holds the services it calls and the
// Renderer, Mount registers its API routes, pages and navigation, and Templates holds
// its pages. Each resource has its API in <resource>_api.go and its pages in
// <resource>.go.
package admin

import (
	"context"
	"embed"
	"fmt"
	"strconv"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/jobs"
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
	Auth      *auth.Service
	Contracts *contracts.Service
	Redis     *jobs.Redis // the queues the job dashboard shows
	UI        *ui.Renderer
}

// Mount registers the API routes (into the table that feeds the OpenAPI document), the
// pages and their navigation.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	h.mountMembersAPI(api)
	h.mountSchemesAPI(api)
	h.mountUsersAPI(api)
	h.mountTokensAPI(api)
	h.mountAuditAPI(api)

	h.mountMembers(pages)
	h.mountSchemes(pages)
	h.mountUsers(pages)
	h.mountTokens(pages)
	h.mountAudit(pages)
	h.mountJobs(pages)
	pages.Nav(
		ui.NavItem{Order: 10, Label: "nav.members", Href: "/members", Roles: httpx.Staff},
		ui.NavItem{Order: 11, Label: "nav.my_member", HrefFor: ownMember},
		ui.NavItem{Order: 50, Label: "nav.schemes", Href: "/schemes"},
		ui.NavItem{Order: 60, Label: "nav.users", Href: "/users", Roles: httpx.Admins},
		ui.NavItem{Order: 61, Label: "nav.tokens", Href: "/tokens", Roles: httpx.Admins},
		ui.NavItem{Order: 62, Label: "nav.audit", Href: "/audit", Roles: httpx.Admins},
		ui.NavItem{Order: 63, Label: "nav.jobs", Href: "/admin/jobs/", Roles: httpx.Admins},
	)
}

// ownMember is the page of a member user's own municipality; staff have the list.
func ownMember(p auth.Principal) string {
	if p.IsStaff() || p.MemberID == nil {
		return ""
	}
	return "/members/" + strconv.FormatInt(*p.MemberID, 10)
}

func isAdmin(c *fiber.Ctx) bool {
	p, _ := auth.From(c.UserContext())
	return p.Role == auth.RoleAdmin
}

// allMembers returns every member the caller may see, and their names by id.
func (h *Handlers) allMembers(ctx context.Context) ([]contracts.Member, map[int64]string, error) {
	f := contracts.MemberFilter{Limit: 500}
	var out []contracts.Member
	for {
		ms, next, err := h.Contracts.ListMembers(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ms...)
		if next == 0 {
			break
		}
		f.After = next
	}
	names := make(map[int64]string, len(out))
	for _, m := range out {
		names[m.ID] = m.Name
	}
	return out, names, nil
}

// memberName is the name of member id in names, "#id" for one not there, "" for none.
func memberName(names map[int64]string, id *int64) string {
	if id == nil {
		return ""
	}
	if n, ok := names[*id]; ok {
		return n
	}
	return fmt.Sprintf("#%d", *id)
}
