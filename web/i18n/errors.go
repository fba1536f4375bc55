package i18n

import (
	"strconv"

	"github.com/fsc/backoffice/internal/apperr"
)

// FieldLabel returns the label of a field path ("delivery.postcode") from
// "field.<path>", or the path itself when the catalogue has none.
func (l Lang) FieldLabel(path string) string {
	if l.Has("field." + path) {
		return l.T("field." + path)
	}
	return path
}

// FieldMessage says the field error fe in the language, naming other fields by their
// "field.<path>" labels; see Say.
func (l Lang) FieldMessage(fe apperr.FieldError) string { return l.Say(fe, l.FieldLabel) }

// Say says the field error fe in the language: the first of keys (a form's own wording
// of this error, most specific first) that the catalogue has, else "error.<code>", else
// the service's English message. The message gets fe.Args as {{.Arg0}} …, and each
// argument said as a field label as {{.Label0}} …, through label, for the codes whose
// argument names another field ("must not exceed the number of inhabitants"). A first
// argument that is a whole number is also the plural count.
func (l Lang) Say(fe apperr.FieldError, label func(path string) string, keys ...string) string {
	key := ""
	for _, k := range keys {
		if l.Has(k) {
			key = k
			break
		}
	}
	if key == "" && !fe.Code.IsZero() && l.Has(ErrorKey(fe.Code)) {
		key = ErrorKey(fe.Code)
	}
	if key == "" {
		return fe.Message
	}
	data := make(map[string]any, 2*len(fe.Args))
	for i, a := range fe.Args {
		n := strconv.Itoa(i)
		data["Arg"+n] = a
		if label != nil {
			data["Label"+n] = label(a)
		} else {
			data["Label"+n] = a
		}
	}
	var count any
	if len(fe.Args) > 0 {
		if _, err := strconv.ParseInt(fe.Args[0], 10, 64); err == nil {
			count = fe.Args[0]
		}
	}
	return l.localize(key, data, count)
}

// ErrorKey is the catalogue key of code: "error.<code>".
func ErrorKey(code apperr.Code) string { return "error." + code.String() }
