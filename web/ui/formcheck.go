package ui

import (
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/gofiber/fiber/v2"
)

// The bounds of a page request's inputs, whatever the page: a form value at most
// maxFormValue characters (a textarea of serials, one per line, is the longest), a query
// parameter at most maxQueryValue.
const (
	maxFormValue  = 200_000
	maxQueryValue = 1000
	maxFormErrors = 20
)

// cleanInputs refuses, 422 naming the input, a form value or query parameter holding a
// control character (in a form value tab and newlines are fine: textareas send them)
// or longer than its bound, before any page handler reads it. It is the form side of
// what validate.Bounds is for JSON: no NUL reaches PostgreSQL.
func cleanInputs(c *fiber.Ctx) error {
	var errs []apperr.FieldError
	check := func(k, v []byte, max int, multiLine bool) {
		if len(errs) >= maxFormErrors {
			return
		}
		name := string(k)
		if validate.CleanText("form", name, false) != nil || len(name) > 200 {
			errs = append(errs, apperr.Field("form", apperr.BadFormat, "has an input name that is not plain text"))
			return
		}
		if fe := validate.CleanText(name, string(v), multiLine); fe != nil {
			errs = append(errs, *fe)
		} else if len(v) > max {
			errs = append(errs, apperr.Field(name, apperr.TooLong, "must be at most %d characters", max))
		}
	}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if string(k) != "next" { // a bad next becomes "/" (SafeNext), not an error
			check(k, v, maxQueryValue, false)
		}
	})
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		ct := string(c.Request().Header.ContentType())
		switch {
		case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
			c.Request().PostArgs().VisitAll(func(k, v []byte) { check(k, v, maxFormValue, true) })
		case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
			if f, err := c.MultipartForm(); err == nil {
				for k, vs := range f.Value {
					for _, v := range vs {
						check([]byte(k), []byte(v), maxFormValue, true)
					}
				}
			}
		}
	}
	if len(errs) > 0 {
		return apperr.Invalid(errs...)
	}
	return c.Next()
}
