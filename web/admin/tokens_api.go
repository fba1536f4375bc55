package admin

import (
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountTokensAPI registers the API token endpoints (admins).
func (h *Handlers) mountTokensAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/tokens", Summary: "Create an API token for an integration; the token is shown once",
		Roles: httpx.Admins, Body: auth.NewToken{}, Resp: auth.CreatedToken{}, Status: 201, Handler: h.apiCreateToken})
	api.Handle(httpx.Route{Method: "GET", Path: "/tokens", Summary: "List API tokens (never their secret)",
		Roles: httpx.Admins, Resp: httpx.List[auth.Token]{}, Handler: h.apiListTokens})
	api.Handle(httpx.Route{Method: "DELETE", Path: "/tokens/:id", Summary: "Revoke an API token",
		Roles: httpx.Admins, Status: 204, Handler: h.apiRevokeToken})
}

func (h *Handlers) apiCreateToken(c *fiber.Ctx) error {
	var in auth.NewToken
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	t, err := h.Auth.CreateToken(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, t)
}

func (h *Handlers) apiListTokens(c *fiber.Ctx) error {
	ts, err := h.Auth.ListTokens(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ts, 0))
}

func (h *Handlers) apiRevokeToken(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Auth.RevokeToken(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
