package inventory

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
)

// say says fe, a field error of the inventory service, on the page form (its template
// name): the page's own wording of the code for that field when the catalogue has one
// (form.<form>.<field>.<code>, the field path without its indices:
// form.inv_kit_form.components.product_id.listed_twice), else the code's (error.<code>),
// else the service's English. label names the fields that the message refers to
// ({{.LabelN}}), in lower case inside the sentence. A field error without a code was
// said by the page itself.
func say(l i18n.Lang, form string, fe apperr.FieldError, label func(string) string) string {
	if fe.Code.IsZero() {
		return fe.Message
	}
	if fe.Code == inventory.CodeListedTwice && len(fe.Args) == 2 {
		// Its second argument is the index of the other item of the same list.
		if list, _, ok := strings.Cut(fe.Field, "["); ok {
			fe.Args = []string{fe.Args[0], list + "[" + fe.Args[1] + "]"}
		}
	}
	inner := func(path string) string { return lower(label(path)) }
	return l.Say(fe, inner, "form."+form+"."+ui.Unindexed(fe.Field)+"."+fe.Code.String())
}

func lower(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// localize returns err with its field names replaced by label's and its messages in
// the user's language (see say), for the layout's error box on the page form. A
// conflict with a code is said from the catalogue too; other errors pass unchanged.
func localize(l i18n.Lang, form string, err error, label func(string) string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		return err
	}
	out := &apperr.Error{Kind: ae.Kind, Msg: ae.Msg}
	if !ae.Code.IsZero() {
		out.Msg = say(l, form, apperr.FieldError{Code: ae.Code, Args: ae.Args, Message: ae.Msg}, label)
	}
	for _, f := range ae.Fields {
		out.Fields = append(out.Fields, apperr.FieldError{Field: label(f.Field), Message: say(l, form, f, label)})
	}
	return out
}

// labelsFor returns a label function over fixed fields (a message key each); fields
// not listed are shown through rest, when given, or as themselves.
func labelsFor(l i18n.Lang, keys map[string]string, rest func(string) (string, bool)) func(string) string {
	return func(field string) string {
		if k, ok := keys[field]; ok {
			return l.T(k)
		}
		if rest != nil {
			if s, ok := rest(field); ok {
				return s
			}
		}
		return l.FieldLabel(field)
	}
}

var fieldIndexRE = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.([a-z_]+)(?:\[(\d+)\])?)?$`)

// fieldIndex splits "lines[0].serials[3]" into "lines", 0, "serials", 3 (-1 when absent).
func fieldIndex(field string) (name string, i int, sub string, j int, ok bool) {
	m := fieldIndexRE.FindStringSubmatch(field)
	if m == nil {
		return "", 0, "", 0, false
	}
	i, _ = strconv.Atoi(m[2])
	j = -1
	if m[4] != "" {
		j, _ = strconv.Atoi(m[4])
	}
	return m[1], i, m[3], j, true
}
