package orders

import (
	"regexp"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
)

// formErrorsOf turns the Invalid error err into messages for the inputs of fields; it
// returns false for any other error, which the caller passes on.
func formErrorsOf(l i18n.Lang, err error, fields []ui.Field) (ui.FormErrors, bool) {
	var fe ui.FormErrors
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid {
		return fe, false
	}
	placed := make([]bool, len(ae.Fields))
	for _, f := range fields {
		for i, x := range ae.Fields {
			if !placed[i] && (x.Field == f.Path || strings.HasPrefix(x.Field, f.Path+"[") || strings.HasPrefix(x.Field, f.Path+".")) {
				placed[i] = true
				fe.Add(ui.FormError{Field: x.Field, ID: f.ID, Label: l.T("ord.f." + f.ID), Message: sayFieldError(l, f.ID, x)})
			}
		}
	}
	for i, x := range ae.Fields {
		if !placed[i] {
			fe.Add(ui.FormError{Field: x.Field, Message: sayFieldError(l, "", x)})
		}
	}
	return fe, true
}

// serviceRules recognise the services' English field messages so that a page can say
// them in Danish; a message not recognised is shown as the service wrote it.
var serviceRules = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`looks like a CPR number`), "ord.rule.cpr"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "ord.rule.max"},
	{regexp.MustCompile(`Danish postcode`), "ord.rule.postcode"},
	{regexp.MustCompile(`^no kit with id`), "ord.rule.kit_unknown"},
	{regexp.MustCompile(`has not joined the kit's scheme on (\S+)`), "ord.rule.kit_scheme"},
	{regexp.MustCompile(`has no components`), "ord.rule.kit_empty"},
	{regexp.MustCompile(`^send either kit_id or lines`), "ord.req.kit_id"},
	{regexp.MustCompile(`used before with a different request body`), "ord.rule.resubmitted"},
	{regexp.MustCompile(`at least one device is required`), "ord.req.devices"},
	{regexp.MustCompile(`is listed twice`), "ord.rule.device_twice"},
	{regexp.MustCompile(`is not at a citizen of member`), "ord.rule.device_not_member"},
	{regexp.MustCompile(`^device (\S+) is (\S+), not deployed`), "ord.rule.device_not_deployed"},
	{regexp.MustCompile(`^no location with id`), "ord.rule.location_unknown"},
	{regexp.MustCompile(`^no member with id`), "ord.rule.member_unknown"},
	{regexp.MustCompile(`^must be one of`), "ord.rule.choose"},
}

// sayFieldError says x in l: a required field by what to fill in ("ord.req.<id>"),
// a known rule by its translation, else the service's own words.
func sayFieldError(l i18n.Lang, id string, x apperr.FieldError) string {
	if x.Code == apperr.Required || x.Message == "is required" || (strings.HasPrefix(x.Message, "must be one of") && id != "") {
		if l.Has("ord.req."+id) && id != "" {
			return l.T("ord.req." + id)
		}
		return l.T("ord.rule.required")
	}
	switch x.Code {
	case apperr.InPast:
		return l.T("ord.rule.date_past")
	case apperr.TooLong:
		return l.T("ord.rule.max", x.Args[0])
	case apperr.Postcode:
		return l.T("ord.rule.postcode")
	case apperr.CPR:
		return l.T("ord.rule.cpr")
	}
	for _, r := range serviceRules {
		m := r.re.FindStringSubmatch(x.Message)
		if m == nil {
			continue
		}
		switch r.key {
		case "ord.rule.device_not_deployed":
			return l.T(r.key, m[1], l.T("ord.state."+m[2]))
		case "ord.req.kit_id":
			return l.T(r.key)
		}
		args := make([]any, 0, len(m)-1)
		for _, a := range m[1:] {
			args = append(args, a)
		}
		return l.T(r.key, args...)
	}
	return x.Message
}

// conflictText is the alert for a refused action: the page's own words, not the
// service's English.
func conflictText(l i18n.Lang, key string) error {
	return &apperr.Error{Kind: apperr.KindConflict, Msg: l.T(key)}
}
