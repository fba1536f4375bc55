package contracts

import (
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/notice"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountFiguresAPI registers the member figures endpoint (GET /members/{id} of web/admin
// shows them).
func (h *Handlers) mountFiguresAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/members/:id/figures", Summary: "Record a member's inhabitants and inhabitants 65+ valid from a day (a null 65+ figure: not known); a second set from the same day is 409",
		Roles: httpx.Admins, Body: contracts.NewFigures{}, Resp: contracts.Figures{}, Status: 201, Handler: h.apiAddFigures})
}

func (h *Handlers) apiAddFigures(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in contracts.NewFigures
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	f, err := h.Contracts.AddFigures(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return httpx.Created(c, f)
}

// mountNoticesAPI registers the notices list.
func (h *Handlers) mountNoticesAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "GET", Path: "/notices", Summary: "Notices for the caller's role (and own member or vendor), newest first",
		Query: []string{"code", "limit", "cursor"}, Roles: httpx.AnyUser, Resp: httpx.List[notice.Notice]{}, Handler: h.apiListNotices})
}

func (h *Handlers) apiListNotices(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	f := notice.Filter{Before: p.After, Limit: p.Limit}
	if code := c.Query("code"); code != "" {
		if len(code) > 60 {
			return apperr.Invalid(apperr.Field("code", apperr.TooLong, "must be at most %d characters", 60))
		}
		_ = f.Code.UnmarshalText([]byte(code))
	}
	ns, next, err := notice.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ns, next))
}

func tooLong(field string, n int) error {
	return apperr.Invalid(apperr.Field(field, apperr.TooLong, "must be at most %d characters", n))
}
