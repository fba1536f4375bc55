package validate

import (
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fsc/backoffice/internal/apperr"
)

// The limits every request value has, whether or not its struct says one: a string
// without a `validate:"max=…"` tag holds at most DefaultMaxLength characters, a list at
// most DefaultMaxItems items. A tag may set a tighter (or, for a list that is meant to
// be long, a wider) limit.
const (
	DefaultMaxLength = 1000
	DefaultMaxItems  = 1000
	// maxLimitErrors bounds the field errors one check reports: a list of 1,000 bad
	// strings is refused with the first few of them named.
	maxLimitErrors = 50
)

// MultiLine reports whether the field called name (its JSON name, or a form input's)
// is a multi-line text, in which tab, line feed and carriage return are allowed. Every
// other text is one line, and no control character at all is.
func MultiLine(name string) bool {
	switch name {
	case "reason", "note", "notes", "description", "comment", "body", "text", "message", "serials_text":
		return true
	}
	return false
}

// CleanText returns the field error for a text holding a control character (C0, DEL,
// C1; in a multi-line text tab, LF and CR are fine), or nil. PostgreSQL refuses NUL in
// text, and no other control character has a use in this domain's texts.
func CleanText(field, s string, multiLine bool) *apperr.FieldError {
	for _, r := range s {
		if r < 0x20 && !(multiLine && (r == '\t' || r == '\n' || r == '\r')) || r == 0x7f || r >= 0x80 && r <= 0x9f ||
			r == utf8.RuneError {
			fe := apperr.Field(field, apperr.ControlChars, "must not contain control characters")
			return &fe
		}
	}
	return nil
}

// Limits are the bounds a `validate` tag sets on one value; nil when the tag says none.
type Limits struct {
	MaxLen   *int   // characters of a string
	MaxItems *int   // items of a list
	Min, Max *int64 // a number's range, inclusive
}

// TagLimits reads the limits of a field's `validate` tag: own for the field itself,
// elem for the items of a list (the rules after "dive").
func TagLimits(tag string, kind reflect.Kind) (own, elem Limits) {
	rules, after, dived := strings.Cut(tag, ",dive")
	own = parseLimits(rules, kind)
	if dived {
		elem = parseLimits(strings.TrimPrefix(after, ","), reflect.Invalid)
	}
	return own, elem
}

func parseLimits(rules string, kind reflect.Kind) Limits {
	var l Limits
	for _, r := range strings.Split(rules, ",") {
		name, param, ok := strings.Cut(r, "=")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(param, 10, 64)
		if err != nil {
			continue
		}
		switch {
		case (name == "max" || name == "lte") && kind == reflect.Slice:
			l.MaxItems = ptr(int(n))
		case (name == "max" || name == "lte") && kind == reflect.String:
			l.MaxLen = ptr(int(n))
		case name == "max" || name == "lte":
			l.Max = ptr(n)
			if l.MaxLen == nil {
				l.MaxLen = ptr(int(n)) // a string of a dived list, kind unknown here
			}
			l.MaxItems = nil
		case name == "min" || name == "gte":
			if kind != reflect.String && kind != reflect.Slice {
				l.Min = ptr(n)
			}
		case name == "len" && kind == reflect.String:
			l.MaxLen = ptr(int(n))
		}
	}
	return l
}

func ptr[T any](v T) *T { return &v }

var (
	timeType = reflect.TypeOf(time.Time{})
)

// Bounds checks every string and list in v, a decoded request, against its limits
// (the tags' or the defaults) and every text for control characters: what the database
// cannot take (NUL, lists beyond a statement's parameters) and what no page should
// show (a 10 MB name). It returns an Invalid error naming each bad field by its JSON
// path, or nil. A list over its limit is not looked into. Numbers are left to the
// services' validation (validate.Struct and their own rules), which reports every bad
// field of a request at once.
func Bounds(v any) error {
	c := &bounds{}
	c.walk(reflect.ValueOf(v), "", "", Limits{}, false)
	if len(c.errs) == 0 {
		return nil
	}
	return apperr.Invalid(c.errs...)
}

type bounds struct{ errs []apperr.FieldError }

func (c *bounds) add(fe apperr.FieldError) {
	if len(c.errs) < maxLimitErrors {
		c.errs = append(c.errs, fe)
	}
}

func (c *bounds) full() bool { return len(c.errs) >= maxLimitErrors }

// walk checks v at path; name is its JSON name (for MultiLine), l its limits.
func (c *bounds) walk(v reflect.Value, path, name string, l Limits, omitZero bool) {
	if c.full() || !v.IsValid() {
		return
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	field := path
	if field == "" {
		field = "body"
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if fe := CleanText(field, s, MultiLine(name)); fe != nil {
			c.add(*fe)
			return
		}
		max := DefaultMaxLength
		if l.MaxLen != nil {
			max = *l.MaxLen
		}
		if len(s) > max && utf8.RuneCountInString(s) > max {
			c.add(apperr.Field(field, apperr.TooLong, "must be at most %d characters", max))
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes, not a list
		}
		max := DefaultMaxItems
		if l.MaxItems != nil {
			max = *l.MaxItems
		}
		if v.Len() > max {
			c.add(apperr.Field(field, apperr.TooMany, "must hold at most %d items", max))
			return
		}
		for i := 0; i < v.Len() && !c.full(); i++ {
			c.walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", name, Limits{MaxLen: l.MaxLen, Min: l.Min, Max: l.Max}, false)
		}
	case reflect.Map:
		if v.Len() > DefaultMaxItems {
			c.add(apperr.Field(field, apperr.TooMany, "must hold at most %d items", DefaultMaxItems))
			return
		}
		it := v.MapRange()
		for it.Next() && !c.full() {
			k := it.Key()
			if k.Kind() == reflect.String {
				c.walk(k, join(path, k.String()), "", Limits{}, false)
				c.walk(it.Value(), join(path, k.String()), k.String(), Limits{}, false)
			}
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		c.fields(v, path)
	}
}

func (c *bounds) fields(v reflect.Value, path string) {
	t := v.Type()
	for i := 0; i < t.NumField() && !c.full(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			for fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					break
				}
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				c.fields(fv, path)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		kind := f.Type.Kind()
		if kind == reflect.Pointer {
			kind = f.Type.Elem().Kind()
		}
		tag := f.Tag.Get("validate")
		own, elem := TagLimits(tag, kind)
		if kind == reflect.Slice {
			// The items' limits come after dive; a list's own max is its length.
			own.MaxLen, own.Min, own.Max = elem.MaxLen, elem.Min, elem.Max
		}
		c.walk(fv, join(path, name), name, own, strings.Contains(tag, "omitempty") && f.Type.Kind() != reflect.Pointer)
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
