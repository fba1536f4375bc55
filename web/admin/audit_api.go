package admin

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountAuditAPI registers the audit trail endpoint (admins).
func (h *Handlers) mountAuditAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "GET", Path: "/audit", Summary: "The audit trail, newest first",
		Query: []string{"entity", "entity_id", "actor", "actor_id", "limit", "cursor"},
		Roles: httpx.Admins, Resp: httpx.List[audit.Entry]{}, Handler: h.apiAudit})
}

func (h *Handlers) apiAudit(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	f := audit.Filter{Entity: c.Query("entity"), Actor: c.Query("actor"), Limit: p.Limit, Before: p.After,
		EntityID: httpx.Int64Query(c, "entity_id", &fe), ActorID: httpx.Int64Query(c, "actor_id", &fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	if _, err := auth.Require(c.UserContext(), auth.RoleAdmin); err != nil {
		return err
	}
	es, next, err := audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(es, next))
}
