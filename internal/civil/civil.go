// Package civil holds a calendar date without time or zone, stored and sent as
// "YYYY-MM-DD".
package civil

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
	// The zone database inside the binary: a slim container image without
	// /usr/share/zoneinfo would otherwise put every business date in UTC.
	_ "time/tzdata"
)

// Date is a calendar day. The zero Date is "no date".
type Date struct{ t time.Time }

const layout = "2006-01-02"

// Parse parses "YYYY-MM-DD". It returns an error for anything else.
func Parse(s string) (Date, error) {
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// MustParse is Parse for literals; it panics on a bad one.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Of returns the date of t in the Europe/Copenhagen business calendar.
func Of(t time.Time) Date {
	y, m, d := t.In(Copenhagen).Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Today returns today's date in Europe/Copenhagen.
func Today() Date { return Of(time.Now()) }

// Copenhagen is the business calendar's zone.
var Copenhagen = mustZone("Europe/Copenhagen")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("civil: zone %s: %v", name, err)) // cannot happen with time/tzdata
	}
	return l
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(layout)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AddDays returns d plus n days.
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// AddMonths returns d plus n months (n may be negative). A day past the end of the
// target month becomes its last day, so a contract running from 31 January renews on
// 29 February, not on 2 March as time.AddDate would have it. The zero Date stays zero.
func (d Date) AddMonths(n int) Date {
	if d.IsZero() {
		return d
	}
	y, m, day := d.t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return Date{first.AddDate(0, 0, min(day, last)-1)}
}

// MarshalJSON emits "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON accepts "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a date as \"YYYY-MM-DD\"")
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value stores the date as "YYYY-MM-DD" text (NULL for zero), which sorts and compares
// the same on every dialect.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads text or a time value.
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		y, m, dd := x.Date()
		*d = Date{time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)}
	case string:
		return d.scanString(x)
	case []byte:
		return d.scanString(string(x))
	default:
		return fmt.Errorf("civil.Date: cannot scan %T", v)
	}
	return nil
}

func (d *Date) scanString(s string) error {
	if len(s) >= 10 {
		s = s[:10]
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// DaysUntil returns the number of days from d to e: positive when e is later, 0 on the
// same day. Both are UTC midnights, so the difference of their Unix times is whole days
// (and, unlike time.Duration, does not overflow across the years 1–9999).
func (d Date) DaysUntil(e Date) int {
	return int((e.t.Unix() - d.t.Unix()) / 86400)
}
