// Package calendar counts SLA time for support: business minutes of the call centre, or
// plain elapsed minutes around the clock.
//
// The business calendar (API.md, "Support (pinned)") is open Monday to Friday
// 08:00–16:00 Europe/Copenhagen and closed on the Danish public holidays (nytårsdag,
// skærtorsdag, langfredag, 2. påskedag, Kristi himmelfartsdag, 2. pinsedag, juledag,
// 2. juledag; store bededag until 2023) and on grundlovsdag, juleaftensdag and
// nytårsaftensdag. The public holidays and Easter come from github.com/rickar/cal/v2/dk.
//
// Opening hours never contain a daylight-saving switch (Copenhagen switches at 02:00
// and 03:00 on Sundays), so within a day a business minute is a real minute. The zone
// database is embedded (time/tzdata): without it every due time would be off by an
// hour or two, silently.
//
// Times may be given in any location; results keep the location of the input.
package calendar

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // the business calendar must not depend on the host's zoneinfo
)

// Names of the calendars as stored in SLA policies and sent by the API.
const (
	NameBusiness = "business"
	Name24x7     = "24x7"
)

// Calendar counts SLA time.
type Calendar interface {
	// Name returns NameBusiness or Name24x7.
	Name() string
	// Add returns the earliest instant u ≥ t with Between(t, u) == minutes: so t itself
	// for minutes ≤ 0 (even when closed, so that pushing a due time on by a pause that
	// had no business time leaves it where it was), and for a count that runs out
	// exactly at closing time that closing time, not the next opening. From a closed
	// instant a positive count starts at the next opening. Add(Add(t, a), b) equals
	// Add(t, a+b). Counts are meant to be SLA-sized: one of many years costs time in
	// proportion to the years (the caller bounds what a policy may hold).
	Add(t time.Time, minutes int) time.Time
	// Between returns the calendar's minutes in [a, b), rounded down to whole
	// minutes; 0 if b is not after a.
	Between(a, b time.Time) int
	// IsOpen reports whether the calendar counts the minute starting at t.
	IsOpen(t time.Time) bool
	// NextOpening returns t if IsOpen(t), else the next instant at which it opens.
	NextOpening(t time.Time) time.Time
}

// ErrUnknown is returned (wrapped) by ByName for a name that is no calendar.
var ErrUnknown = errors.New("unknown calendar")

// ByName returns the calendar called name ("business" or "24x7"); any other name
// gives an error wrapping ErrUnknown.
func ByName(name string) (Calendar, error) {
	switch name {
	case NameBusiness:
		return Business{}, nil
	case Name24x7:
		return TwentyFourSeven{}, nil
	}
	return nil, fmt.Errorf("calendar %q: %w", name, ErrUnknown)
}

// TwentyFourSeven counts every elapsed minute, across nights, holidays and
// daylight-saving switches alike (240 minutes are always 4 real hours).
type TwentyFourSeven struct{}

// Name returns Name24x7.
func (TwentyFourSeven) Name() string { return Name24x7 }

// Add returns t plus minutes real minutes (t for minutes ≤ 0).
func (TwentyFourSeven) Add(t time.Time, minutes int) time.Time {
	if minutes <= 0 {
		return t
	}
	return t.Add(time.Duration(minutes) * time.Minute)
}

// Between returns the whole minutes from a to b, 0 if b is not after a.
func (TwentyFourSeven) Between(a, b time.Time) int {
	if !b.After(a) {
		return 0
	}
	return int(b.Sub(a) / time.Minute)
}

// IsOpen returns true.
func (TwentyFourSeven) IsOpen(time.Time) bool { return true }

// NextOpening returns t.
func (TwentyFourSeven) NextOpening(t time.Time) time.Time { return t }

// Business is the call centre's calendar. The zero value is ready to use and safe for
// concurrent use.
type Business struct{}

const (
	openingTime = 8 * time.Hour // 08:00 local
	dayLen      = 8 * time.Hour // until 16:00
	dayMinutes  = int(dayLen / time.Minute)
)

var copenhagen = mustLoad("Europe/Copenhagen")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("calendar: zone %s: %v", name, err)) // cannot happen with time/tzdata
	}
	return l
}

// Name returns NameBusiness.
func (Business) Name() string { return NameBusiness }

// Add implements Calendar.Add in business minutes.
func (Business) Add(t time.Time, minutes int) time.Time {
	if minutes <= 0 {
		return t
	}
	d, done, inHours := position(t)
	left := d.left(done)
	if minutes <= dayMinutes {
		if need := time.Duration(minutes) * time.Minute; need <= left {
			if inHours {
				return t.Add(need)
			}
			return d.at(done + need).In(t.Location())
		}
	}
	// The count goes past today. With minutes = a whole days + b minutes and
	// c = b minutes − left, the rest after today is a·dayLen + c > 0: it ends on the
	// (s+1)-th opening day after today, r into its opening hours, r in (0, dayLen].
	a := minutes / dayMinutes
	c := time.Duration(minutes%dayMinutes)*time.Minute - left
	q := (c - 1) / dayLen
	if (c-1)%dayLen < 0 {
		q-- // floor, not truncation
	}
	s, r := a+int(q), c-q*dayLen
	return d.nthOpenAfter(s).at(r).In(t.Location())
}

// Between implements Calendar.Between in business minutes.
func (Business) Between(a, b time.Time) int {
	if !b.After(a) {
		return 0
	}
	da, doneA, _ := position(a)
	db, doneB, _ := position(b)
	if da.y == db.y && da.i == db.i {
		return int((doneB - doneA) / time.Minute)
	}
	// Whole days are whole minutes, so they can be added after rounding the rest.
	return openDays(da.next(), db)*dayMinutes + int((da.left(doneA)+doneB)/time.Minute)
}

// IsOpen reports whether t is within opening hours (08:00 inclusive to 16:00
// exclusive on an opening day).
func (Business) IsOpen(t time.Time) bool {
	_, _, inHours := position(t)
	return inHours
}

// NextOpening returns t within opening hours, else 08:00 of the next opening day
// (today's if t is before 08:00 on one).
func (Business) NextOpening(t time.Time) time.Time {
	d, done, inHours := position(t)
	if inHours {
		return t
	}
	if d.yi.isOpen(d.i) && done == 0 {
		return d.at(0).In(t.Location())
	}
	return d.nthOpenAfter(0).at(0).In(t.Location())
}

// Closed reports whether the day of date, read in Europe/Copenhagen (so a date at
// midnight UTC counts as that date), is a weekend, public holiday or closing day.
func (Business) Closed(date time.Time) bool {
	d, _, _ := position(date)
	return !d.yi.isOpen(d.i)
}

// day is a calendar day in Copenhagen: a year and an index into it (0 = 1 January).
type day struct {
	y, i int
	yi   *yearInfo
}

// position returns t's day in Copenhagen, how much of that day's opening hours lies
// before t (0 on a closing day), and whether t is within opening hours.
func position(t time.Time) (d day, done time.Duration, inHours bool) {
	// One zone lookup; the wall clock is then read off a UTC time, which needs none.
	_, off := t.In(copenhagen).Zone()
	lt := t.Add(time.Duration(off) * time.Second).UTC()
	y, yd := lt.Year(), lt.YearDay()-1
	h, m, s := lt.Clock()
	wall := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(lt.Nanosecond())
	d = day{y: y, i: yd, yi: yearOf(y)}
	if !d.yi.isOpen(yd) {
		return d, 0, false
	}
	done = min(max(wall-openingTime, 0), dayLen)
	return d, done, wall >= openingTime && wall < openingTime+dayLen
}

// left returns the opening hours of d after done.
func (d day) left(done time.Duration) time.Duration {
	if !d.yi.isOpen(d.i) {
		return 0
	}
	return dayLen - done
}

// at returns the instant off into d's opening hours.
func (d day) at(off time.Duration) time.Time {
	return time.Unix(d.yi.opening(d.i), 0).Add(off)
}

func (d day) next() day {
	if d.i+1 < d.yi.days {
		return day{d.y, d.i + 1, d.yi}
	}
	return day{d.y + 1, 0, yearOf(d.y + 1)}
}

// nthOpenAfter returns the opening day that has s (0-based) opening days between d
// and it, skipping whole years by their counts.
func (d day) nthOpenAfter(s int) day {
	d = d.next()
	for {
		if d.i == 0 && s >= d.yi.total {
			s -= d.yi.total
		} else if j := d.yi.nthOpen(d.i, s); j >= 0 {
			return day{d.y, j, d.yi}
		} else {
			s -= d.yi.countOpen(d.i, d.yi.days)
		}
		d = day{d.y + 1, 0, yearOf(d.y + 1)}
	}
}

// openDays returns the number of opening days in [from, to); from must not be after to.
func openDays(from, to day) int {
	if from.y == to.y {
		return from.yi.countOpen(from.i, to.i)
	}
	n := from.yi.countOpen(from.i, from.yi.days)
	for y := from.y + 1; y < to.y; y++ {
		n += yearOf(y).total
	}
	return n + to.yi.countOpen(0, to.i)
}
