package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

func withRequestID(ctx context.Context, id string) context.Context {
	return audit.WithRequestID(ctx, id)
}

// handleError is the one place errors become responses: problem+json for the API and
// for clients that ask for JSON, an HTML page for browsers.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := httpx.ProblemOf(err, requestID(c))
	if p.Status >= 500 {
		s.Logger.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", p.RequestID, "err", err)
	}
	if d := httpx.RetryAfter(p.Status, err); d > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
	if wantsHTML(c) {
		return s.ui.ErrorPage(c, p)
	}
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, httpx.ProblemType)
	return c.JSON(p, httpx.ProblemType)
}

func wantsHTML(c *fiber.Ctx) bool {
	path := c.Path()
	if strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics" {
		return false
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}
