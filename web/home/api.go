package home

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type meResponse struct {
	ID       int64     `json:"id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	MemberID *int64    `json:"member_id"`
}

// mountAPI registers logging in and out and /me.
func (h *Handlers) mountAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/auth/login", Summary: "Log in with e-mail and password; answers a bearer token",
		Roles: httpx.Public, Body: loginRequest{}, Resp: auth.Session{}, Handler: h.apiLogin})
	api.Handle(httpx.Route{Method: "POST", Path: "/auth/logout", Summary: "End the session of the bearer token",
		Roles: httpx.AnyUser, Status: 204, Handler: h.apiLogout})
	api.Handle(httpx.Route{Method: "GET", Path: "/me", Summary: "The calling user",
		Roles: httpx.AnyUser, Resp: meResponse{}, Handler: h.apiMe})
}

func (h *Handlers) apiLogin(c *fiber.Ctx) error {
	var in loginRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	var fe apperr.Fields
	if in.Email == "" {
		fe.Add("email", apperr.Required, "is required")
	}
	if in.Password == "" {
		fe.Add("password", apperr.Required, "is required")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	sess, err := h.Auth.Login(c.UserContext(), in.Email, in.Password, c.IP())
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

func (h *Handlers) apiLogout(c *fiber.Ctx) error {
	if err := h.Auth.Logout(c.UserContext(), httpx.Bearer(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) apiMe(c *fiber.Ctx) error {
	u, err := h.Auth.Me(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(meResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, MemberID: u.MemberID})
}
