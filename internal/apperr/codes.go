package apperr

import (
	"slices"
	"strings"
	"sync"
)

// Code is the stable name of a rule a field broke ("required", "serial_taken"). Pages
// translate it from their catalogues ("error.<code>", with the field error's Args as
// {{.Arg0}}, {{.Arg1}} …), so its meaning and the order of its Args never change.
//
// It is a struct, not a string type, so that a string literal can never pass for one.
type Code struct{ name string }

// String returns the code's name.
func (c Code) String() string { return c.name }

// IsZero reports whether c is the zero Code (no rule named).
func (c Code) IsZero() bool { return c.name == "" }

// MarshalText writes the name, so JSON carries "code": "serial_taken".
func (c Code) MarshalText() ([]byte, error) { return []byte(c.name), nil }

// UnmarshalText reads a name back (from stored errors, such as an import's).
func (c *Code) UnmarshalText(b []byte) error {
	c.name = string(b)
	return nil
}

var (
	codesMu sync.Mutex
	codes   = map[Code]bool{}
)

// NewCode declares a code. Every code is declared once, at package level, so that a test
// can check that each one has a translation in every language; declaring one twice
// panics.
func NewCode(name string) Code {
	codesMu.Lock()
	defer codesMu.Unlock()
	c := Code{name}
	if codes[c] {
		panic("apperr: code declared twice: " + name)
	}
	codes[c] = true
	return c
}

// Codes returns every declared code, sorted.
func Codes() []Code {
	codesMu.Lock()
	defer codesMu.Unlock()
	out := make([]Code, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Code) int { return strings.Compare(a.name, b.name) })
	return out
}

// The rules every domain shares. The comment says what the Args are.
var (
	Required     = NewCode("required")      // no args
	TooLong      = NewCode("too_long")      // max characters
	TooShort     = NewCode("too_short")     // min characters
	TooFew       = NewCode("too_few")       // min items
	TooMany      = NewCode("too_many")      // max items
	TooSmall     = NewCode("too_small")     // min value
	TooLarge     = NewCode("too_large")     // max value
	OutOfRange   = NewCode("out_of_range")  // min value, max value
	Negative     = NewCode("negative")      // no args: must not be negative
	NotPositive  = NewCode("not_positive")  // no args: must be a positive whole number
	OneOf        = NewCode("one_of")        // the allowed values, comma-separated
	Unknown      = NewCode("unknown")       // the id or key given: no such object
	Taken        = NewCode("taken")         // the value already in use
	Duplicate    = NewCode("duplicate")     // the value listed twice
	BadFormat    = NewCode("bad_format")    // no args: malformed in a way no other code says
	UnknownField = NewCode("unknown_field") // no args
	WrongType    = NewCode("wrong_type")    // the expected JSON type, in English
	NotDate      = NewCode("not_date")      // no args: must be YYYY-MM-DD
	NotTime      = NewCode("not_time")      // no args: must be an RFC 3339 time
	NotInteger   = NewCode("not_integer")   // no args: must be a whole number
	NotAfter     = NewCode("not_after")     // the field or date it must come after
	InPast       = NewCode("in_past")       // no args: must be today or later
	InFuture     = NewCode("in_future")     // no args: must not be in the future
	Either       = NewCode("either")        // the other field: send this or that, not both
	EitherNone   = NewCode("either_none")   // the other field: send one of this and that
	ControlChars = NewCode("control_chars") // no args: contains control characters
	Email        = NewCode("email")         // no args
	GLN          = NewCode("gln")           // no args: 13 digits with a GS1 check digit
	CPR          = NewCode("cpr")           // no args: looks like a CPR number
	Postcode     = NewCode("postcode")      // no args: a Danish postcode of four digits
	CodeChars    = NewCode("code_chars")    // no args: letters, digits, '.', '_', '-'
	NotAbove     = NewCode("not_above")     // the other field (JSON name) it must not exceed
	Changed      = NewCode("changed")       // no args: changed by someone else meanwhile; try again
)
