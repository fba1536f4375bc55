package httpx

import (
	"strconv"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/gofiber/fiber/v2"
)

// MaxQueryLength bounds one query parameter of the API; no filter needs more.
const MaxQueryLength = 200

// CheckQuery refuses, 422 naming the parameter, a query parameter or path parameter
// holding control characters or longer than MaxQueryLength: a NUL in a filter would
// otherwise reach PostgreSQL, which refuses it with a 500.
func CheckQuery(c *fiber.Ctx) error {
	var errs []apperr.FieldError
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if len(errs) >= 20 {
			return
		}
		name := string(k)
		if validate.CleanText("query", name, false) != nil || len(name) > MaxQueryLength {
			errs = append(errs, apperr.Field("query", apperr.BadFormat, "has a parameter name that is not plain text"))
			return
		}
		errs = appendText(errs, name, string(v), MaxQueryLength, false)
	})
	for _, p := range c.Route().Params {
		errs = appendText(errs, p, c.Params(p), MaxQueryLength, false)
	}
	if len(errs) > 0 {
		return apperr.Invalid(errs...)
	}
	return c.Next()
}

func appendText(errs []apperr.FieldError, field, v string, max int, multiLine bool) []apperr.FieldError {
	if fe := validate.CleanText(field, v, multiLine); fe != nil {
		return append(errs, *fe)
	}
	if len(v) > max {
		return append(errs, apperr.Field(field, apperr.TooLong, "must be at most %s characters", strconv.Itoa(max)))
	}
	return errs
}
