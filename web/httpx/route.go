// Package httpx is the shared plumbing of the JSON API: the route table that web domain
// packages register their endpoints on (it checks the bearer token's role and feeds the
// OpenAPI document), strict JSON decoding, problem+json errors, path and query
// parameters, keyset pages, list answers and Excel downloads.
package httpx

import (
	"context"
	"slices"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/gofiber/fiber/v2"
)

// Base is the path the API is served under.
const Base = "/api/v1"

// Role sets that many routes share. A domain declares its own for the rest.
var (
	Public    []auth.Role // nil: no token needed
	AnyUser   = auth.Roles
	Staff     = auth.Staff
	Admins    = []auth.Role{auth.RoleAdmin}
	Logistics = []auth.Role{auth.RoleLogistics}
)

// Route is one API endpoint. The OpenAPI document is built from these, and a test
// checks that every fiber route under Base is one of them.
type Route struct {
	Method  string
	Path    string // fiber syntax, relative to Base: "/members/:id"
	Summary string
	// Roles may call it; nil (Public) means no token is needed.
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

// Router is what a web domain package registers its API routes on.
type Router interface {
	Handle(r Route)
}

// Authenticator turns a bearer token into its principal; *auth.Service is one.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (auth.Principal, error)
}

// API is the Router of the app: it serves each route under Base behind its role check
// and keeps the table for the OpenAPI document.
type API struct {
	app    fiber.Router
	auth   Authenticator
	routes []Route
}

// NewAPI returns the route table of app, checking tokens with a.
func NewAPI(app fiber.Router, a Authenticator) *API { return &API{app: app, auth: a} }

// Handle serves r under Base behind its role check.
func (a *API) Handle(r Route) {
	a.routes = append(a.routes, r)
	a.app.Add(r.Method, Base+r.Path, a.authorize(r.Roles), CheckQuery, r.Handler)
}

// NoRoute answers a request under Base that no route took: 405 with Allow when the
// path is a route's with another method, 404 otherwise; both problem+json.
func (a *API) NoRoute(c *fiber.Ctx) error {
	path := strings.TrimSuffix(strings.TrimPrefix(c.Path(), Base), "/")
	var allow []string
	for _, r := range a.routes {
		if r.Method != c.Method() && matchPath(r.Path, path) && !slices.Contains(allow, r.Method) {
			allow = append(allow, r.Method)
		}
	}
	if len(allow) > 0 {
		c.Set(fiber.HeaderAllow, strings.Join(allow, ", "))
		return fiber.NewError(fiber.StatusMethodNotAllowed, "method "+c.Method()+" is not allowed here; use "+strings.Join(allow, ", "))
	}
	return apperr.NotFound("no such endpoint: %s %s", c.Method(), c.Path())
}

// matchPath reports whether path fits the fiber pattern ("/members/:id").
func matchPath(pattern, path string) bool {
	ps, qs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(qs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], ":") && ps[i] != qs[i] || strings.HasPrefix(ps[i], ":") && qs[i] == "" {
			return false
		}
	}
	return true
}

// Routes returns every route registered, in order.
func (a *API) Routes() []Route { return slices.Clone(a.routes) }

// authorize authenticates the bearer token and checks the role: 401 without valid
// credentials, 403 for a role not in roles. A nil roles list lets anyone through.
func (a *API) authorize(roles []auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if roles == nil {
			return c.Next()
		}
		p, err := a.auth.Authenticate(c.UserContext(), Bearer(c))
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

// Bearer returns the token of the request's Authorization header, "" if none.
func Bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
