// Package webhooks serves the webhooks of internal/webhook: the pinned API (POST and
// GET /webhooks, DELETE /webhooks/{id}, the delivery log and redelivery) and the pages
// where admins manage the integrations' webhooks and member users their member's, and
// read the delivery log with a redeliver button.
package webhooks

import (
	"embed"
	"fmt"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/webhook"
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
	Webhooks *webhook.Service
	UI       *ui.Renderer
}

// managers may manage webhooks: admins the integrations' (and see every one), member
// users their own member's.
var managers = []auth.Role{auth.RoleAdmin, auth.RoleMember}

// Mount registers the API routes, the pages and their navigation.
func (h *Handlers) Mount(api httpx.Router, pages ui.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/webhooks", Summary: "Subscribe a URL to events (admin: an integration, every event; member: its own member's events); the secret is shown once",
		Roles: managers, Body: webhook.NewSubscription{}, Resp: webhook.Created{}, Status: 201, Handler: h.apiCreate})
	api.Handle(httpx.Route{Method: "GET", Path: "/webhooks", Summary: "List webhooks (admin: all; member: its member's), never their secret",
		Query: []string{"limit", "cursor"}, Roles: managers, Resp: httpx.List[webhook.Subscription]{}, Handler: h.apiList})
	api.Handle(httpx.Route{Method: "DELETE", Path: "/webhooks/:id", Summary: "Delete a webhook and its delivery log",
		Roles: managers, Status: 204, Handler: h.apiDelete})
	api.Handle(httpx.Route{Method: "GET", Path: "/webhooks/:id/deliveries", Summary: "The delivery log of a webhook, newest first",
		Query: []string{"status", "limit", "cursor"}, Roles: managers, Resp: httpx.List[webhook.Delivery]{}, Handler: h.apiDeliveries})
	api.Handle(httpx.Route{Method: "POST", Path: "/webhooks/:id/deliveries/:delivery_id/redeliver", Summary: "Send a delivery again under the same delivery id",
		Roles: managers, Resp: webhook.Delivery{}, Status: 202, Handler: h.apiRedeliver})

	pages.Get("/webhooks", managers, h.listPage)
	pages.Post("/webhooks", managers, h.createSubmit)
	pages.Get("/webhooks/:id", managers, h.webhookPage)
	pages.Post("/webhooks/:id/delete", managers, h.deleteSubmit)
	pages.Post("/webhooks/:id/deliveries/:delivery_id/redeliver", managers, h.redeliverSubmit)
	pages.Nav(ui.NavItem{Order: 64, Label: "webhooks.nav", Href: "/webhooks", Roles: managers})
}

func (h *Handlers) apiCreate(c *fiber.Ctx) error {
	var in webhook.NewSubscription
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	out, err := h.Webhooks.Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, out)
}

func (h *Handlers) apiList(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	subs, next, err := h.Webhooks.List(c.UserContext(), webhook.Filter{After: p.After, Limit: p.Limit})
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(subs, next))
}

func (h *Handlers) apiDelete(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Webhooks.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) apiDeliveries(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	ds, next, err := h.Webhooks.Deliveries(c.UserContext(), id, webhook.Filter{After: p.After, Limit: p.Limit, Status: strings.Clone(c.Query("status"))})
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ds, next))
}

func (h *Handlers) apiRedeliver(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	did, err := httpx.PathID(c, "delivery_id")
	if err != nil {
		return err
	}
	d, err := h.Webhooks.Redeliver(c.UserContext(), id, did)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(d)
}

// ---- pages ----

type form struct {
	URL    string
	Events map[string]bool
	Secret string
}

type listView struct {
	Items   []webhook.Subscription
	Events  []string
	Form    form
	Created *webhook.Created // the webhook just created, its secret shown this once
	Admin   bool
	Pager   ui.Pager
}

func isAdmin(c *fiber.Ctx) bool {
	p, _ := auth.From(c.UserContext())
	return p.Role == auth.RoleAdmin
}

func (h *Handlers) renderList(c *fiber.Ctx, status int, f form, created *webhook.Created, formErr error) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	subs, next, err := h.Webhooks.List(c.UserContext(), webhook.Filter{After: p.After, Limit: p.Limit})
	if err != nil {
		return err
	}
	v := listView{Items: subs, Events: webhook.Events, Form: f, Created: created, Admin: isAdmin(c), Pager: ui.PagerFor(c, p, next)}
	if created != nil {
		c.Set(fiber.HeaderCacheControl, "no-store") // the page carries a secret
	}
	if formErr != nil {
		return h.UI.RenderError(c, "webhooks", "webhooks.title", v, formErr)
	}
	return h.UI.RenderStatus(c, status, "webhooks", "webhooks.title", v)
}

func (h *Handlers) listPage(c *fiber.Ctx) error {
	return h.renderList(c, fiber.StatusOK, form{Events: map[string]bool{}}, nil, nil)
}

func (h *Handlers) createSubmit(c *fiber.Ctx) error {
	f := form{URL: strings.Clone(c.FormValue("url")), Secret: strings.Clone(c.FormValue("secret")), Events: map[string]bool{}}
	in := webhook.NewSubscription{URL: f.URL, Secret: f.Secret}
	for _, b := range c.Request().PostArgs().PeekMulti("events") {
		e := string(b) // copied: fiber's bytes do not outlive the request
		if len(in.Events) < 2*len(webhook.Events) {
			in.Events = append(in.Events, e)
		}
		f.Events[e] = true
	}
	created, err := h.Webhooks.Create(c.UserContext(), in)
	if err != nil {
		if apperr.Is(err, apperr.KindInvalid) || apperr.Is(err, apperr.KindConflict) {
			return h.renderList(c, fiber.StatusOK, f, nil, err)
		}
		return err
	}
	return h.renderList(c, fiber.StatusCreated, form{Events: map[string]bool{}}, created, nil)
}

type webhookView struct {
	Webhook  *webhook.Subscription
	Items    []deliveryRow
	Status   string
	Statuses []string
	Pager    ui.Pager
}

type deliveryRow struct {
	webhook.Delivery
	Code int // the last answer's status, 0 for none
}

func (h *Handlers) webhookPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sub, err := h.Webhooks.Get(ctx, id)
	if err != nil {
		return err
	}
	v := webhookView{Webhook: sub, Status: strings.Clone(c.Query("status")),
		Statuses: []string{webhook.Pending, webhook.Delivered, webhook.Failed}}
	p, err := httpx.PageParams(c)
	if err != nil {
		return h.UI.RenderError(c, "webhook", "webhooks.log_title", v, err)
	}
	ds, next, err := h.Webhooks.Deliveries(ctx, id, webhook.Filter{After: p.After, Limit: p.Limit, Status: v.Status})
	if err != nil {
		return h.UI.RenderError(c, "webhook", "webhooks.log_title", v, err)
	}
	for _, d := range ds {
		r := deliveryRow{Delivery: d}
		if d.LastStatusCode != nil {
			r.Code = *d.LastStatusCode
		}
		v.Items = append(v.Items, r)
	}
	v.Pager = ui.PagerFor(c, p, next)
	return h.UI.Render(c, "webhook", "webhooks.log_title", v)
}

func (h *Handlers) deleteSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Webhooks.Delete(c.UserContext(), id); err != nil {
		return err
	}
	ui.Flash(c, "webhooks.deleted")
	return c.Redirect("/webhooks", fiber.StatusSeeOther)
}

func (h *Handlers) redeliverSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	did, err := httpx.PathID(c, "delivery_id")
	if err != nil {
		return err
	}
	if _, err := h.Webhooks.Redeliver(c.UserContext(), id, did); err != nil {
		return err
	}
	ui.Flash(c, "webhooks.redelivered")
	return c.Redirect(fmt.Sprintf("/webhooks/%d", id), fiber.StatusSeeOther)
}
