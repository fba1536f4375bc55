package reports

import (
	"errors"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/i18n"
)

// lineText says what statement line ln is, in l, from its code (bill.line.<code>); a
// line computed before codes says its English Description as it was stored.
func lineText(l i18n.Lang, ln reports.Line) string {
	return sayWords(l, "bill.line.", ln.Words(), ln.Description)
}

// unbilledText says why u was not billed, in l, from its code (bill.unbilled.<code>); an
// item computed before codes says its English Reason.
func unbilledText(l i18n.Lang, u reports.Unbilled) string {
	return sayWords(l, "bill.unbilled.", u.Words(), u.Reason)
}

// sayWords says w from the message prefix+code, each argument written its way: whole
// numbers and kroner the Danish way (as every figure on the pages), an event in words,
// an error by its code. Words without a code, or with one the catalogue lacks, say
// english.
func sayWords(l i18n.Lang, prefix string, w reports.Words, english string) string {
	kinds := w.Kinds()
	if w.Code == "" || len(kinds) != len(w.Args) || !l.Has(prefix+w.Code) {
		return english
	}
	args := make([]any, len(w.Args))
	for i, a := range w.Args {
		args[i] = a
		n, _ := strconv.ParseInt(a, 10, 64)
		switch kinds[i] {
		case reports.ArgCount:
			args[i] = i18n.Number(n)
		case reports.ArgOre:
			args[i] = i18n.Kroner(n)
		case reports.ArgEvent:
			if a != "" {
				args[i] = l.T("bill.events." + a)
			}
		case reports.ArgCode:
			// The argument before is an error's English text; its code says it.
			var c apperr.Code
			_ = c.UnmarshalText([]byte(a))
			args[i-1] = l.FieldMessage(apperr.FieldError{Code: c, Message: w.Args[i-1]})
		}
	}
	return l.T(prefix+w.Code, args...)
}

// errorText says err in l: each field error from its code, else the English message.
func errorText(l i18n.Lang, err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err.Error()
	}
	out := make([]string, len(ae.Fields))
	for i, fe := range ae.Fields {
		out[i] = l.FieldMessage(fe)
	}
	return strings.Join(out, "; ")
}
