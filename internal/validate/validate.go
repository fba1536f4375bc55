// Package validate checks input structs with go-playground/validator plus the rules of
// this domain (GS1 check digits, CPR-number detection, Danish postcodes), and turns
// failures into apperr field errors named by their JSON path.
package validate

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/go-playground/validator/v10"
)

var v = newValidator()

func newValidator() *validator.Validate {
	val := validator.New(validator.WithRequiredStructEnabled())
	val.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	must(val.RegisterValidation("gln", func(fl validator.FieldLevel) bool { return GS1(fl.Field().String()) }))
	must(val.RegisterValidation("notcpr", func(fl validator.FieldLevel) bool { return !LooksLikeCPR(fl.Field().String()) }))
	must(val.RegisterValidation("dkpostcode", func(fl validator.FieldLevel) bool { return DanishPostcode(fl.Field().String()) }))
	must(val.RegisterValidation("code", func(fl validator.FieldLevel) bool { return codeRE.MatchString(fl.Field().String()) }))
	return val
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

var codeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Struct validates s by its `validate` tags. It returns an apperr Invalid error naming
// every bad field by its JSON path, or nil.
func Struct(s any) error {
	err := v.Struct(s)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return fmt.Errorf("validate: %w", err)
	}
	fs := make([]apperr.FieldError, 0, len(ves))
	for _, fe := range ves {
		code, format, args := rule(reflect.TypeOf(s), fe)
		fs = append(fs, apperr.Field(jsonPath(fe.Namespace()), code, format, args...))
	}
	return apperr.Invalid(fs...)
}

// jsonPath drops the root type name: "NewMember.lines[0].sku" → "lines[0].sku".
func jsonPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// rule turns a failed validator tag into a code, an English message and its args.
func rule(root reflect.Type, fe validator.FieldError) (apperr.Code, string, []any) {
	text := fe.Kind() == reflect.String
	switch fe.Tag() {
	case "required":
		return apperr.Required, "is required", nil
	case "email":
		return apperr.Email, "must be a valid e-mail address", nil
	case "oneof":
		return apperr.OneOf, "must be one of %s", []any{strings.ReplaceAll(fe.Param(), " ", ", ")}
	case "min", "gte":
		if text {
			return apperr.TooShort, "must be at least %s characters", []any{fe.Param()}
		}
		if fe.Kind() == reflect.Slice {
			return apperr.TooFew, "must hold at least %s items", []any{fe.Param()}
		}
		return apperr.TooSmall, "must be at least %s", []any{fe.Param()}
	case "max", "lte":
		if text {
			return apperr.TooLong, "must be at most %s characters", []any{fe.Param()}
		}
		if fe.Kind() == reflect.Slice {
			return apperr.TooMany, "must hold at most %s items", []any{fe.Param()}
		}
		return apperr.TooLarge, "must be at most %s", []any{fe.Param()}
	case "gln":
		return apperr.GLN, "must be 13 digits with a valid GS1 check digit", nil
	case "notcpr":
		return apperr.CPR, "looks like a CPR number; use a reference that does not identify the citizen", nil
	case "dkpostcode":
		return apperr.Postcode, "must be a Danish postcode of four digits", nil
	case "code":
		return apperr.CodeChars, "may contain only letters, digits, '.', '_' and '-'", nil
	case "ltefield":
		return apperr.NotAbove, "must not exceed %s", []any{siblingJSONName(root, fe)}
	case "gtfield":
		return apperr.NotAfter, "must be after %s", []any{siblingJSONName(root, fe)}
	default:
		return apperr.BadFormat, "is invalid (%s)", []any{fe.Tag()}
	}
}

// siblingJSONName returns the JSON name of the field a cross-field rule compares with
// (validator gives its Go name), so messages and translations name what the client sent.
func siblingJSONName(root reflect.Type, fe validator.FieldError) string {
	t := root
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	parts := strings.Split(fe.StructNamespace(), ".")
	for _, p := range parts[1 : len(parts)-1] {
		if i := strings.IndexByte(p, '['); i >= 0 {
			p = p[:i]
		}
		f, ok := t.FieldByName(p)
		if !ok {
			return fe.Param()
		}
		t = f.Type
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
	}
	if t.Kind() != reflect.Struct {
		return fe.Param()
	}
	f, ok := t.FieldByName(fe.Param())
	if !ok {
		return fe.Param()
	}
	if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
		return name
	}
	return f.Name
}

// GS1 reports whether s is a 13-digit GLN/EAN-13 whose last digit is the GS1 check digit
// of the first twelve.
func GS1(s string) bool {
	if len(s) != 13 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return CheckDigit(s[:12]) == s[12]
}

// CheckDigit returns the GS1 check digit of digits (weights 3 and 1 from the right).
func CheckDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

var cprRE = regexp.MustCompile(`(^|[^0-9])([0-9]{6})[- ]?([0-9]{4})($|[^0-9])`)

// LooksLikeCPR reports whether s contains what could be a Danish CPR number: ten digits
// (optionally DDMMYY-XXXX) whose first six form a plausible day and month. It errs on the
// side of refusing: a citizen reference never needs ten digits in a row.
func LooksLikeCPR(s string) bool {
	for _, m := range cprRE.FindAllStringSubmatch(s, -1) {
		d := m[2]
		day := int(d[0]-'0')*10 + int(d[1]-'0')
		month := int(d[2]-'0')*10 + int(d[3]-'0')
		if day >= 1 && day <= 31 && month >= 1 && month <= 12 {
			return true
		}
	}
	return false
}

var postcodeRE = regexp.MustCompile(`^[1-9][0-9]{3}$`)

// DanishPostcode reports whether s is a four-digit Danish postcode (1000–9999).
func DanishPostcode(s string) bool { return postcodeRE.MatchString(s) }

// CitizenRef checks a citizen reference chosen by a municipality: required, at most 64
// characters, and never anything that looks like a CPR number. It returns the field
// error for field, or nil when the reference is fine.
func CitizenRef(field, ref string) *apperr.FieldError {
	var fe apperr.FieldError
	switch {
	case ref == "":
		fe = apperr.Field(field, apperr.Required, "is required")
	case LooksLikeCPR(ref):
		fe = apperr.Field(field, apperr.CPR, "looks like a CPR number; use a reference that does not identify the citizen")
	case len(ref) > 64:
		fe = apperr.Field(field, apperr.TooLong, "must be at most %d characters", 64)
	default:
		return nil
	}
	return &fe
}
