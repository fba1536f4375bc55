package web

import (
	"context"
	"errors"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/gofiber/fiber/v2"
)

func withRequestID(ctx context.Context, id string) context.Context {
	return audit.WithRequestID(ctx, id)
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

var kindStatus = map[apperr.Kind]int{
	apperr.KindInvalid:      fiber.StatusUnprocessableEntity,
	apperr.KindMalformed:    fiber.StatusBadRequest,
	apperr.KindNotFound:     fiber.StatusNotFound,
	apperr.KindConflict:     fiber.StatusConflict,
	apperr.KindForbidden:    fiber.StatusForbidden,
	apperr.KindUnauthorized: fiber.StatusUnauthorized,
	apperr.KindRateLimited:  fiber.StatusTooManyRequests,
	apperr.KindInternal:     fiber.StatusInternalServerError,
}

var statusType = map[int]string{
	400: "malformed-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
	405: "method-not-allowed", 409: "conflict", 413: "too-large", 422: "validation-failed",
	429: "rate-limited", 500: "internal-error", 503: "unavailable",
}

// statusOf maps err to its HTTP status: apperr kinds and fiber errors, else 500.
func statusOf(err error) int {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return kindStatus[apperr.KindOf(err)]
}

// problemOf turns err into the problem document the client sees. Internal errors show
// no detail, only the request id to quote.
func problemOf(err error, reqID string) problem {
	status := statusOf(err)
	p := problem{Type: "https://fsc.example/problems/" + statusType[status], Title: titleOf(status), Status: status, RequestID: reqID}
	var ae *apperr.Error
	var fe *fiber.Error
	switch {
	case status >= 500:
		p.Detail = "internal error; quote request id " + reqID
	case errors.As(err, &ae):
		p.Detail, p.Errors = ae.Msg, ae.Fields
		if ae.Err != nil && ae.Kind == apperr.KindMalformed {
			p.Detail += ": " + ae.Err.Error()
		}
	case errors.As(err, &fe):
		p.Detail = fe.Message
	}
	if p.Type == "https://fsc.example/problems/" {
		p.Type = "about:blank"
	}
	return p
}

func titleOf(status int) string {
	if t := statusType[status]; t != "" {
		return strings.ToUpper(t[:1]) + strings.ReplaceAll(t[1:], "-", " ")
	}
	return "Error"
}

// handleError is the one place errors become responses: problem+json for the API and
// for clients that ask for JSON, an HTML page for browsers.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := problemOf(err, requestID(c))
	if p.Status >= 500 {
		s.Logger.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", p.RequestID, "err", err)
	}
	if p.Status == fiber.StatusTooManyRequests {
		c.Set(fiber.HeaderRetryAfter, "60")
	}
	if wantsHTML(c) {
		return s.pages.errorPage(c, p)
	}
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(p, "application/problem+json")
}

func wantsHTML(c *fiber.Ctx) bool {
	path := c.Path()
	if strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics" {
		return false
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}
