package contracts

import (
	"strings"
	"unicode"

	"github.com/fsc/backoffice/internal/apperr"
)

// Field error codes of vendors, contracts, prices and figures. The comment says what
// the Args are.
var (
	CodeCVR                     = apperr.NewCode("cvr")                       // no args: 8 digits passing the modulus-11 check
	CodeEndsBeforeStarts        = apperr.NewCode("ends_before_starts")        // the start date it must not be before
	CodeRequiredForKind         = apperr.NewCode("required_for_kind")         // the price kind that needs it
	CodeOnlyForKind             = apperr.NewCode("only_for_kind")             // the price kind it is allowed for
	CodeNotPDF                  = apperr.NewCode("not_pdf")                   // no args: the file does not start with %PDF-
	CodeNoContractPrice         = apperr.NewCode("no_contract_price")         // contract id, product id, day
	CodeResolutionUnderResponse = apperr.NewCode("resolution_under_response") // no args: fewer resolution than response hours
)

// conflict is a 409 that still names the field at fault, so a form can mark it.
func conflict(field string, code apperr.Code, format string, args ...any) error {
	fe := apperr.Field(field, code, format, args...)
	return &apperr.Error{Kind: apperr.KindConflict, Msg: fe.Message, Fields: []apperr.FieldError{fe}}
}

// text trims s in place and checks it: required when min > 0, at most max characters,
// no control characters. Every free-text field of this package goes through it.
func text(fe *apperr.Fields, field string, s *string, required bool, max int) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "" && required:
		fe.Add(field, apperr.Required, "is required")
	case len([]rune(*s)) > max:
		fe.Add(field, apperr.TooLong, "must be at most %d characters", max)
	case strings.ContainsFunc(*s, unicode.IsControl):
		fe.Add(field, apperr.ControlChars, "must not contain control characters")
	}
}

// optText is text for an optional patch field.
func optText(fe *apperr.Fields, field string, s *string, required bool, max int) {
	if s != nil {
		text(fe, field, s, required, max)
	}
}
