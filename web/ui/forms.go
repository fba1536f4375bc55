package ui

import (
	"errors"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/i18n"
)

// FormError is one problem of a refused form, said in the user's language.
type FormError struct {
	Field   string // the service's field path: "delivery.postcode", "lines[2].serials"
	ID      string // the input that holds it; its path when the form names no input
	Label   string // the input's label
	Message string
}

// FormErrors are the problems of a refused form, in the order of the form's inputs, for
// the summary above the form (List) and the message beside each input (For).
type FormErrors struct {
	List []FormError
	by   map[string]string
}

// For returns the message for the input id, or "".
func (e FormErrors) For(id string) string { return e.by[id] }

// InputError is an input's message for the "field_error" partial.
type InputError struct{ ID, Message string }

// Input returns the input id's message for the "field_error" partial, which shows
// nothing when there is none: {{template "field_error" ($.Form.Input "ean")}}.
func (e FormErrors) Input(id string) InputError { return InputError{ID: id, Message: e.by[id]} }

// Add records a problem; a second one for the same input joins the first.
func (e *FormErrors) Add(fe FormError) {
	if e.by == nil {
		e.by = map[string]string{}
	}
	e.List = append(e.List, fe)
	if fe.ID != "" {
		if prev := e.by[fe.ID]; prev != "" {
			fe.Message = prev + " " + fe.Message
		}
		e.by[fe.ID] = fe.Message
	}
}

// Field ties a service field path to the form input that holds it: Path is the field
// ("delivery.postcode") or a list or object ("device_ids" holds "device_ids[2]"), ID the
// input's id, Label the message key of its label ("" for "field.<Path>").
type Field struct{ Path, ID, Label string }

// FormErrorsOf says err, an Invalid error, for the inputs of form: each field error
// goes to the input of the first of fields whose Path holds it (in the order of
// fields), the rest to the inputs named by their paths, after them. A message is the
// form's own wording when the catalogue has "form.<form>.<input>.<code>", else the
// code's ("error.<code>", with the error's Args), else the service's English. ok is
// false for any other error, which the caller passes on.
func FormErrorsOf(l i18n.Lang, form string, err error, fields ...Field) (e FormErrors, ok bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return e, false
	}
	return sayFields(l, form, ae.Fields, fields), true
}

// FormErrorsSaid is FormErrorsOf with a domain's own way of saying a field error: say
// returns the message of x for the input id (the field path of an error no input
// holds).
func FormErrorsSaid(l i18n.Lang, err error, say func(id string, x apperr.FieldError) string, fields ...Field) (e FormErrors, ok bool) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
		return e, false
	}
	return placeFields(l, ae.Fields, fields, say), true
}

func sayFields(l i18n.Lang, form string, errs []apperr.FieldError, fields []Field) FormErrors {
	label := labelFunc(l, fields)
	return placeFields(l, errs, fields, func(id string, x apperr.FieldError) string {
		return l.Say(x, label, "form."+form+"."+id+"."+x.Code.String())
	})
}

// labelFunc names a field path by the label of fields that has it, else field.<path>.
func labelFunc(l i18n.Lang, fields []Field) func(string) string {
	return func(path string) string {
		for _, f := range fields {
			if f.Path == path && f.Label != "" {
				return l.T(f.Label)
			}
		}
		return l.FieldLabel(path)
	}
}

// placeFields gives each of errs to the input of the first of fields whose Path holds
// it, the rest to the inputs named by their paths, after them; say says each.
func placeFields(l i18n.Lang, errs []apperr.FieldError, fields []Field, say func(id string, x apperr.FieldError) string) FormErrors {
	label := labelFunc(l, fields)
	var e FormErrors
	placed := make([]bool, len(errs))
	for _, f := range fields {
		for i, x := range errs {
			if !placed[i] && holds(f.Path, x.Field) {
				placed[i] = true
				fe := FormError{Field: x.Field, ID: f.ID, Label: label(x.Field), Message: say(f.ID, x)}
				if f.Label != "" {
					fe.Label = l.T(f.Label)
				}
				e.Add(fe)
			}
		}
	}
	for i, x := range errs {
		if !placed[i] {
			e.Add(FormError{Field: x.Field, ID: x.Field, Label: label(x.Field), Message: say(x.Field, x)})
		}
	}
	return e
}

// Unindexed is a field path without its indices, for a catalogue key that speaks of
// every item of a list: "lines[0].serials[3]" → "lines.serials".
func Unindexed(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// holds reports whether the field path p is field or holds it: "lines" holds
// "lines[2].serials", "delivery" holds "delivery.city".
func holds(p, field string) bool {
	return field == p || strings.HasPrefix(field, p+"[") || strings.HasPrefix(field, p+".")
}

// ParseDate reads an optional date input as YYYY-MM-DD: "" is the zero date; anything
// else that is not a date adds a not_date error for field to fe.
func ParseDate(fe *apperr.Fields, field, v string) civil.Date {
	if v == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(v)
	if err != nil {
		fe.Add(field, apperr.NotDate, "must be a date as YYYY-MM-DD")
	}
	return d
}

// ParseID reads an optional id (a select's value): "" is nil; anything else that is not
// a positive whole number adds an unknown error for field to fe.
func ParseID(fe *apperr.Fields, field, v string) *int64 {
	if v == "" {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		fe.Add(field, apperr.Unknown, "is not a choice of this form")
		return nil
	}
	return &id
}
