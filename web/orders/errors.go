package orders

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
)

// formErrorsOf turns the Invalid error err into messages for the inputs of fields, each
// labelled ord.f.<input>; it returns false for any other error, which the caller passes
// on.
func formErrorsOf(l i18n.Lang, err error, fields []ui.Field) (ui.FormErrors, bool) {
	labelled := make([]ui.Field, len(fields))
	for i, f := range fields {
		labelled[i] = ui.Field{Path: f.Path, ID: f.ID, Label: "ord.f." + f.ID}
	}
	return ui.FormErrorsSaid(l, err, func(id string, x apperr.FieldError) string { return sayFieldError(l, id, x) }, labelled...)
}

// sayFieldError says x for the input id in l, by its code: a required field (or a
// choice not made) by what to fill in (ord.req.<input>), else the order pages' wording
// of the code for that field (ord.rule.<field>.<code>, the field path without indices)
// or for any field (ord.rule.<code>), else the code's (error.<code>). A field error
// without a code was said by the page already.
func sayFieldError(l i18n.Lang, id string, x apperr.FieldError) string {
	switch {
	case x.Code.IsZero():
		return x.Message
	case x.Code == apperr.Required || (x.Code == apperr.OneOf && id != ""):
		if id != "" && l.Has("ord.req."+id) {
			return l.T("ord.req." + id)
		}
		return l.T("ord.rule.required")
	case x.Code == orders.CodeNotDeployed && len(x.Args) == 2:
		// Its state, said as the pages say states.
		x.Args = []string{x.Args[0], l.T("ord.state." + x.Args[1])}
	}
	return l.Say(x, l.FieldLabel, "ord.rule."+ui.Unindexed(x.Field)+"."+x.Code.String(), "ord.rule."+x.Code.String())
}
