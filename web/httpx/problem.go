package httpx

import (
	"errors"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"github.com/gofiber/fiber/v2"
)

// Problem is an RFC 9457 problem details document: what every error of the API
// answers, and what the HTML error page shows.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

// ProblemType is the media type of a Problem.
const ProblemType = "application/problem+json"

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

// StatusOf maps err to its HTTP status: the apperr kind, or a fiber error's code; 500
// for anything else.
func StatusOf(err error) int {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	k := apperr.KindOf(err)
	if k == apperr.KindInternal && db.Unavailable(err) {
		return fiber.StatusServiceUnavailable
	}
	return kindStatus[k]
}

// RetryAfter is the Retry-After of an answer of status for err: a rate limit's own
// wait, a few seconds for an unreachable database; 0 for none.
func RetryAfter(status int, err error) time.Duration {
	switch status {
	case fiber.StatusTooManyRequests:
		if d := apperr.RetryAfterOf(err); d > 0 {
			return d
		}
		return time.Minute
	case fiber.StatusServiceUnavailable:
		return 5 * time.Second
	}
	return 0
}

// ProblemOf turns err into the problem document the client sees. Internal errors show
// no detail, only the request id to quote.
func ProblemOf(err error, reqID string) Problem {
	status := StatusOf(err)
	p := Problem{Type: "https://fsc.example/problems/" + statusType[status], Title: titleOf(status), Status: status, RequestID: reqID}
	var ae *apperr.Error
	var fe *fiber.Error
	switch {
	case status == fiber.StatusServiceUnavailable:
		p.Detail = "the service is unavailable for a moment; try again shortly (request id " + reqID + ")"
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
	if statusType[status] == "" {
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
