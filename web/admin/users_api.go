package admin

import (
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountUsersAPI registers the user endpoints (admins).
func (h *Handlers) mountUsersAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/users", Summary: "Create a user",
		Roles: httpx.Admins, Body: auth.NewUser{}, Resp: auth.User{}, Status: 201, Handler: h.apiCreateUser})
	api.Handle(httpx.Route{Method: "GET", Path: "/users", Summary: "List users", Query: []string{"limit", "cursor"},
		Roles: httpx.Admins, Resp: httpx.List[auth.User]{}, Handler: h.apiListUsers})
	api.Handle(httpx.Route{Method: "GET", Path: "/users/:id", Summary: "One user",
		Roles: httpx.Admins, Resp: auth.User{}, Handler: h.apiGetUser})
	api.Handle(httpx.Route{Method: "PATCH", Path: "/users/:id", Summary: "Change a user's name, role, member, password or disable it",
		Roles: httpx.Admins, Body: auth.UserPatch{}, Resp: auth.User{}, Handler: h.apiUpdateUser})
}

func (h *Handlers) apiCreateUser(c *fiber.Ctx) error {
	var in auth.NewUser
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	u, err := h.Auth.CreateUser(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, u)
}

func (h *Handlers) apiListUsers(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	us, next, err := h.Auth.ListUsers(c.UserContext(), p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(us, next))
}

func (h *Handlers) apiGetUser(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.Auth.GetUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (h *Handlers) apiUpdateUser(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in auth.UserPatch
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	u, err := h.Auth.UpdateUser(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(u)
}
