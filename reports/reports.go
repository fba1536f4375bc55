// Package reports is where every krone goes back to the members: allocation keys and
// cost pools, monthly billing runs with statements explained line by line, their
// Excel and OIOUBL exports, and the centre's operational reports. It reads the other
// domains' tables with its own queries (device events, shipments, tickets, contracts,
// prices, participants, member figures) and is imported by no domain.
//
// The rules live here, one place each: device-days (devicedays.go), the split of a
// pool (pools.go, on internal/money), the computation of a run (compute.go), the
// freeze of a finalised run (migrations.go, triggers on both dialects).
package reports

import (
	// The tables this package reads are created by their domains' migrations.
	_ "github.com/fsc/backoffice/orders"
	_ "github.com/fsc/backoffice/support"

	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
)

// Field error codes of this package. The comment says what the Args are.
var (
	CodePeriod       = apperr.NewCode("billing_period")        // no args: must be YYYY-MM
	CodePeriodFuture = apperr.NewCode("billing_period_future") // the current month: a period after it
)

// Centre is the supplier on the e-invoices (FSC_CENTRE_NAME, FSC_CENTRE_GLN,
// FSC_CENTRE_CVR) and the VAT rate in basis points (FSC_VAT_RATE_BP, 2500 if zero).
type Centre struct {
	Name      string
	GLN       string
	CVR       string
	VATRateBP int64
}

// Service is billing and the reports. The zero value works; Centre names the
// supplier of the invoices.
type Service struct {
	Centre Centre
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time
}

// NewService returns a Service with centre as the invoices' supplier.
func NewService(centre Centre) *Service {
	if centre.VATRateBP == 0 {
		centre.VATRateBP = 2500
	}
	if centre.Name == "" {
		centre.Name = "Fælles Servicecenter"
	}
	return &Service{Centre: centre}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Period is a calendar month "YYYY-MM".
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod parses "YYYY-MM"; it returns false for anything else.
func ParsePeriod(s string) (Period, bool) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, false
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Period{}, false
	}
	return Period{t.Year(), t.Month()}, true
}

// PeriodOf is the month of day d.
func PeriodOf(d civil.Date) Period {
	p, _ := ParsePeriod(d.String()[:7])
	return p
}

func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// First is the period's first day.
func (p Period) First() civil.Date {
	return civil.MustParse(fmt.Sprintf("%04d-%02d-01", p.Year, int(p.Month)))
}

// Last is the period's last day.
func (p Period) Last() civil.Date { return p.First().AddMonths(1).AddDays(-1) }

// Days is the number of days in the period.
func (p Period) Days() int64 { return int64(p.First().DaysUntil(p.Last())) + 1 }

// Next is the following month.
func (p Period) Next() Period { return PeriodOf(p.First().AddMonths(1)) }

// After reports whether p comes after q.
func (p Period) After(q Period) bool {
	return p.Year > q.Year || (p.Year == q.Year && p.Month > q.Month)
}

// checkPeriod adds a field error unless s is a "YYYY-MM" month not after this month
// (when notFuture), and returns the period.
func checkPeriod(fe *apperr.Fields, field, s string, today civil.Date, notFuture bool) Period {
	p, ok := ParsePeriod(s)
	if !ok {
		fe.Add(field, CodePeriod, "must be a month as YYYY-MM")
		return p
	}
	if cur := PeriodOf(today); notFuture && p.After(cur) {
		fe.Add(field, CodePeriodFuture, "must not be after the current month %s", cur)
	}
	return p
}

// text trims s in place and checks it: required, at most max characters, no control
// characters.
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

// conflict is a 409 that still names the field at fault.
func conflict(field string, code apperr.Code, format string, args ...any) error {
	fe := apperr.Field(field, code, format, args...)
	return &apperr.Error{Kind: apperr.KindConflict, Msg: fe.Message, Fields: []apperr.FieldError{fe}}
}

// lessCode orders member codes: numerically when both are digits (municipality
// numbers: "99" before "101"), else as strings. Ties in a split go to the lower code.
func lessCode(a, b string) bool {
	if isDigits(a) && isDigits(b) {
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			return len(a) < len(b)
		}
	}
	return a < b
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// dayEnd is the instant day d ends in Europe/Copenhagen (the next day's midnight), UTC.
func dayEnd(d civil.Date) time.Time {
	n := d.AddDays(1)
	t, _ := time.Parse("2006-01-02", n.String())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, civil.Copenhagen).UTC()
}

// dayStart is the instant day d begins in Europe/Copenhagen, UTC.
func dayStart(d civil.Date) time.Time { return dayEnd(d.AddDays(-1)) }

// asAppErr is errors.As for *apperr.Error.
func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }
