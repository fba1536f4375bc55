package web

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
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

func (s *Server) mountAuthAPI() {
	s.handle(route{Method: "POST", Path: "/auth/login", Summary: "Log in with e-mail and password; answers a bearer token",
		Roles: public, Body: loginRequest{}, Resp: auth.Session{}, Handler: s.apiLogin})
	s.handle(route{Method: "POST", Path: "/auth/logout", Summary: "End the session of the bearer token",
		Roles: anyUser, Status: 204, Handler: s.apiLogout})
	s.handle(route{Method: "GET", Path: "/me", Summary: "The calling user",
		Roles: anyUser, Resp: meResponse{}, Handler: s.apiMe})
	s.handle(route{Method: "POST", Path: "/users", Summary: "Create a user",
		Roles: admins, Body: auth.NewUser{}, Resp: auth.User{}, Status: 201, Handler: s.apiCreateUser})
	s.handle(route{Method: "GET", Path: "/users", Summary: "List users", Query: []string{"limit", "cursor"},
		Roles: admins, Resp: list[auth.User]{}, Handler: s.apiListUsers})
	s.handle(route{Method: "GET", Path: "/users/:id", Summary: "One user",
		Roles: admins, Resp: auth.User{}, Handler: s.apiGetUser})
	s.handle(route{Method: "PATCH", Path: "/users/:id", Summary: "Change a user's name, role, member, password or disable it",
		Roles: admins, Body: auth.UserPatch{}, Resp: auth.User{}, Handler: s.apiUpdateUser})
	s.handle(route{Method: "POST", Path: "/tokens", Summary: "Create an API token for an integration; the token is shown once",
		Roles: admins, Body: auth.NewToken{}, Resp: auth.CreatedToken{}, Status: 201, Handler: s.apiCreateToken})
	s.handle(route{Method: "GET", Path: "/tokens", Summary: "List API tokens (never their secret)",
		Roles: admins, Resp: list[auth.Token]{}, Handler: s.apiListTokens})
	s.handle(route{Method: "DELETE", Path: "/tokens/:id", Summary: "Revoke an API token",
		Roles: admins, Status: 204, Handler: s.apiRevokeToken})
	s.handle(route{Method: "GET", Path: "/audit", Summary: "The audit trail, newest first",
		Query: []string{"entity", "entity_id", "actor", "actor_id", "limit", "cursor"},
		Roles: admins, Resp: list[audit.Entry]{}, Handler: s.apiAudit})
}

func (s *Server) apiLogin(c *fiber.Ctx) error {
	var in loginRequest
	if err := decode(c, &in); err != nil {
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
	sess, err := s.Auth.Login(c.UserContext(), in.Email, in.Password, c.IP())
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

func (s *Server) apiLogout(c *fiber.Ctx) error {
	if err := s.Auth.Logout(c.UserContext(), bearer(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiMe(c *fiber.Ctx) error {
	u, err := s.Auth.Me(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(meResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, MemberID: u.MemberID})
}

func (s *Server) apiCreateUser(c *fiber.Ctx) error {
	var in auth.NewUser
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := s.Auth.CreateUser(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, u)
}

func (s *Server) apiListUsers(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	us, next, err := s.Auth.ListUsers(c.UserContext(), p.After, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(listOf(us, next))
}

func (s *Server) apiGetUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) apiUpdateUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in auth.UserPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := s.Auth.UpdateUser(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) apiCreateToken(c *fiber.Ctx) error {
	var in auth.NewToken
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.Auth.CreateToken(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, t)
}

func (s *Server) apiListTokens(c *fiber.Ctx) error {
	ts, err := s.Auth.ListTokens(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listOf(ts, 0))
}

func (s *Server) apiRevokeToken(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.RevokeToken(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiAudit(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	f := audit.Filter{Entity: c.Query("entity"), Actor: c.Query("actor"), Limit: p.Limit, Before: p.After,
		EntityID: int64Query(c, "entity_id", &fe), ActorID: int64Query(c, "actor_id", &fe)}
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
	return c.JSON(listOf(es, next))
}
