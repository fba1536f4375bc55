// Package apperr defines the error kinds that domain code returns and that the web
// layer maps to HTTP status codes in one place.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	KindInternal     Kind = iota
	KindInvalid           // the input is wrong: 422 with field errors
	KindMalformed         // the input could not be parsed: 400
	KindNotFound          // absent or not visible to the caller: 404
	KindConflict          // the current state does not allow it: 409
	KindForbidden         // authenticated but not allowed: 403
	KindUnauthorized      // no or bad credentials: 401
	KindRateLimited       // too many attempts: 429
)

// FieldError names one bad field by its JSON path, e.g. "lines[0].serials[2]", and the
// rule it broke. Code and Args let every language say it from its catalogue; Message is
// the English text the API sends as a courtesy.
type FieldError struct {
	Field   string   `json:"field"`
	Code    Code     `json:"code"`
	Message string   `json:"message"`
	Args    []string `json:"args,omitempty"`
}

// Error is an error with a kind, a message meant for the client, optional field errors
// and an optional wrapped cause that stays server-side.
type Error struct {
	Kind   Kind
	Msg    string
	Fields []FieldError
	Err    error
	// Code and Args name the rule of an error that is not about one field (a
	// conflict), so that a page can say it from its catalogues as it says a field
	// error; the API sends Msg. Zero for an error without a code.
	Code Code
	Args []string
	// RetryAfter is, for KindRateLimited, how long until the caller may try again: the
	// Retry-After header says it, and so does Msg.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// NotFound reports that what is the subject of msg does not exist or is not visible.
func NotFound(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf(format, args...)}
}

// Conflict reports that the current state does not allow the operation.
func Conflict(format string, args ...any) error {
	return &Error{Kind: KindConflict, Msg: fmt.Sprintf(format, args...)}
}

// ConflictCode is Conflict with a code and its arguments (see Field), for a page to say
// the conflict in the user's language.
func ConflictCode(code Code, format string, args ...any) error {
	fe := Field("", code, format, args...)
	return &Error{Kind: KindConflict, Msg: fe.Message, Code: code, Args: fe.Args}
}

// Forbidden reports that the caller's role does not allow the operation.
func Forbidden(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Msg: fmt.Sprintf(format, args...)}
}

// Unauthorized reports missing or bad credentials.
func Unauthorized(format string, args ...any) error {
	return &Error{Kind: KindUnauthorized, Msg: fmt.Sprintf(format, args...)}
}

// RateLimited reports that the caller must wait before trying again.
func RateLimited(format string, args ...any) error {
	return &Error{Kind: KindRateLimited, Msg: fmt.Sprintf(format, args...)}
}

// RateLimitedFor reports too many attempts that may be tried again after wait; the
// message should say the same wait (format's args).
func RateLimitedFor(wait time.Duration, format string, args ...any) error {
	return &Error{Kind: KindRateLimited, Msg: fmt.Sprintf(format, args...), RetryAfter: wait}
}

// RetryAfterOf returns the wait of a rate-limited err, 0 when it names none.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.Kind == KindRateLimited {
		return e.RetryAfter
	}
	return 0
}

// Malformed reports input that could not be parsed at all.
func Malformed(err error, format string, args ...any) error {
	return &Error{Kind: KindMalformed, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Invalid reports one or more field errors.
func Invalid(fields ...FieldError) error {
	return &Error{Kind: KindInvalid, Msg: "validation failed", Fields: fields}
}

// Field returns one field error: code names the rule, format and args the English
// message; args are kept (as text) for the translations.
func Field(field string, code Code, format string, args ...any) FieldError {
	fe := FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
	if len(args) > 0 {
		fe.Args = make([]string, len(args))
		for i, a := range args {
			fe.Args[i] = fmt.Sprint(a)
		}
	}
	return fe
}

// KindOf returns the kind of the first *Error in err's chain, KindInternal if none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err carries kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Fields collects field errors; its Err returns nil when none were added, so a
// validator can check everything and report every bad field at once.
type Fields []FieldError

// Add records a field error; see Field.
func (f *Fields) Add(field string, code Code, format string, args ...any) {
	*f = append(*f, Field(field, code, format, args...))
}

// Err returns an Invalid error with all collected fields, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}
