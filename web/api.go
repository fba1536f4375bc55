package web

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/gofiber/fiber/v2"
)

// route is one API endpoint. The OpenAPI document is built from these, and a test
// checks that every registered fiber route is one of them.
type route struct {
	Method  string
	Path    string // fiber syntax, relative to /api/v1: "/members/:id"
	Summary string
	// Roles may call it; nil means no token is needed.
	Roles  []auth.Role
	Body   any      // request body type, for the document
	Resp   any      // response body type, for the document
	Status int      // success status, 200 if zero
	Query  []string // documented query parameters
	// Raw marks an endpoint whose body is not JSON (multipart, signed webhook).
	Raw bool
	// Form lists the fields of a multipart/form-data body, for the document.
	Form    []string
	Handler fiber.Handler
}

const apiBase = "/api/v1"

var (
	public  []auth.Role
	anyUser = auth.Roles
	staff   = auth.Staff
	admins  = []auth.Role{auth.RoleAdmin}
)

// handle registers r under /api/v1 behind its role check.
func (s *Server) handle(r route) {
	s.routes = append(s.routes, &r)
	s.App.Add(r.Method, apiBase+r.Path, s.authorize(r.Roles), r.Handler)
}

// authorize authenticates the bearer token and checks the role: 401 without valid
// credentials, 403 for a role not in roles. A nil roles list lets anyone through.
func (s *Server) authorize(roles []auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if roles == nil {
			return c.Next()
		}
		p, err := s.Auth.Authenticate(c.UserContext(), bearer(c))
		if err != nil {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="fsc"`)
			return err
		}
		c.SetUserContext(auth.WithPrincipal(c.UserContext(), p))
		if !slices.Contains(roles, p.Role) {
			return apperr.Forbidden("role %s may not call %s %s", p.Role, c.Method(), c.Route().Path)
		}
		return c.Next()
	}
}

func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// idParam reads a positive integer path parameter; anything else is a 404, since no
// object has that id.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound("no %s %q", name, c.Params(name))
	}
	return id, nil
}

// page holds the list parameters of a request: limit (default 50, at most 500) and the
// opaque cursor, which encodes the last id seen.
type page struct {
	Limit int
	After int64
}

func pageParams(c *fiber.Ctx) (page, error) {
	p := page{Limit: 50}
	var fe apperr.Fields
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 1:
			fe.Add("limit", apperr.OutOfRange, "must be a whole number from %d to %d", 1, 500)
		case n > 500:
			p.Limit = 500
		default:
			p.Limit = n
		}
	}
	if s := c.Query("cursor"); s != "" {
		id, err := decodeCursor(s)
		if err != nil {
			fe.Add("cursor", apperr.BadFormat, "is not a cursor this server gave out")
		}
		p.After = id
	}
	return p, fe.Err()
}

func encodeCursor(id int64) string {
	if id == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "id:") {
		return 0, apperr.Invalid()
	}
	id, err := strconv.ParseInt(string(b[3:]), 10, 64)
	if err != nil || id < 0 {
		return 0, apperr.Invalid()
	}
	return id, nil
}

// list is the answer of every list endpoint.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func listOf[T any](items []T, next int64) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: encodeCursor(next)}
}

// int64Query reads an optional positive integer filter; 0 when absent.
func int64Query(c *fiber.Ctx, name string, fe *apperr.Fields) int64 {
	s := c.Query(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fe.Add(name, apperr.NotPositive, "must be a positive whole number")
		return 0
	}
	return n
}

func created(c *fiber.Ctx, v any) error { return c.Status(fiber.StatusCreated).JSON(v) }

// mountAPI registers every API route and the OpenAPI document.
func (s *Server) mountAPI() {
	s.App.Get(apiBase+"/openapi.json", s.apiOpenAPI)
	s.mountAuthAPI()
	s.mountContractsAPI()
	s.mountInventoryAPI()
	s.mountOrdersAPI()
	s.mountImportAPI()
	s.mountInventoryMoreAPI()
	// Anything else under the API base is a JSON 404, not an HTML page.
	s.App.Use(apiBase, func(c *fiber.Ctx) error {
		return apperr.NotFound("no such endpoint: %s %s", c.Method(), c.Path())
	})
}
