package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/validate"
	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/gofiber/fiber/v2"
)

// Decode reads the JSON body into v strictly: an empty or malformed body is a 400,
// unknown fields, wrong types and bad values are a 422 naming the field by its path, and
// so are control characters and strings, lists and numbers beyond their limits
// (validate.Bounds: the `validate` tags, or a default).
func Decode(c *fiber.Ctx, v any) error {
	return DecodeJSON(c.Body(), v)
}

// DecodeJSON is Decode of a body read elsewhere.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.Malformed(nil, "request body is empty; send a JSON object")
	}
	err := json.Unmarshal(body, v, json.RejectUnknownMembers(true))
	if err == nil {
		// Every text clean and every string, list and number within its limits, so no
		// NUL reaches PostgreSQL and no list outgrows a statement's parameters.
		return validate.Bounds(v)
	}
	var se *json.SemanticError
	if errors.As(err, &se) {
		field := fieldPath(se.JSONPointer)
		switch {
		case errors.Is(se.Err, json.ErrUnknownName):
			return apperr.Invalid(apperr.Field(field, apperr.UnknownField, "is not a known field"))
		case se.Err != nil && !strings.HasPrefix(se.Err.Error(), "json:"):
			return apperr.Invalid(apperr.Field(field, apperr.BadFormat, "%s", se.Err.Error()))
		case se.GoType != nil:
			return apperr.Invalid(apperr.Field(field, apperr.WrongType, "must be %s", describe(se.GoType.Kind().String())))
		default:
			return apperr.Invalid(apperr.Field(field, apperr.BadFormat, "is invalid"))
		}
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		return apperr.Malformed(nil, "malformed JSON at byte %d", syn.ByteOffset)
	}
	return apperr.Malformed(nil, "malformed JSON")
}

// fieldPath turns a JSON pointer "/lines/0/serials/2" into "lines[0].serials[2]".
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			fmt.Fprintf(&b, "[%s]", tok)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

func describe(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	default:
		return "of type " + kind
	}
}
