package admin

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountAudit registers the audit trail page (admins).
func (h *Handlers) mountAudit(r ui.Router) {
	r.Get("/audit", httpx.Admins, h.auditPage)
}

type auditRow struct {
	audit.Entry
	ActionText            string // translated when the action is a known one
	BeforeJSON, AfterJSON string
}

type auditView struct {
	Items                   []auditRow
	Entity, Actor, EntityID string
	Filtered                bool
	Pager                   ui.Pager
}

// prettyJSON indents stored JSON for reading; what does not parse is shown as is.
func prettyJSON(j audit.JSONText) string {
	if j == "" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(j), "", "  "); err != nil {
		return string(j)
	}
	return b.String()
}

func (h *Handlers) auditPage(c *fiber.Ctx) error {
	v := auditView{Entity: strings.TrimSpace(c.Query("entity")), Actor: strings.TrimSpace(c.Query("actor")),
		EntityID: strings.TrimSpace(c.Query("entity_id"))}
	v.Filtered = v.Entity != "" || v.Actor != "" || v.EntityID != ""
	p, err := httpx.PageParams(c)
	if err != nil {
		return h.UI.RenderError(c, "audit", "audit.title", v, err)
	}
	f := audit.Filter{Entity: v.Entity, Actor: v.Actor, Before: p.After, Limit: p.Limit}
	if v.EntityID != "" {
		if f.EntityID, err = strconv.ParseInt(v.EntityID, 10, 64); err != nil || f.EntityID <= 0 {
			return h.UI.RenderError(c, "audit", "audit.title", v,
				apperr.Invalid(apperr.Field("entity_id", apperr.NotPositive, "must be a whole number above 0")))
		}
	}
	es, next, err := audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	for _, e := range es {
		row := auditRow{Entry: e, ActionText: e.Action, BeforeJSON: prettyJSON(e.Before), AfterJSON: prettyJSON(e.After)}
		if l.Has("audit.actions." + e.Action) {
			row.ActionText = l.T("audit.actions." + e.Action)
		}
		v.Items = append(v.Items, row)
	}
	v.Pager = ui.PagerFor(c, p, next)
	return h.UI.Render(c, "audit", "audit.title", v)
}
