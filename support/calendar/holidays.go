package calendar

import (
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/dk"

	"github.com/fsc/backoffice/internal/civil"
)

// closingRules are the days the call centre is closed besides weekends, in the order
// their names are given when two fall on one date (2. pinsedag is 5 June in 2028).
//
// The Danish public holidays come from rickar/cal's dk package, named one by one rather
// than through dk.Holidays so that a library upgrade cannot change the pinned calendar
// unnoticed. dk models store bededag as ending with 2023 (abolished from 2024 by law);
// the EndYear is set here again so that our rule holds whatever the library says.
// Grundlovsdag is in dk too, though it is not a public holiday by law; the centre closes
// on it, as on juleaftensdag and nytårsaftensdag, which dk does not have.
var closingRules = []*cal.Holiday{
	dk.Nytaarsdag,
	dk.Skaertorsdag,
	dk.Langfredag,
	dk.AndenPaaskedag,
	dk.StoreBededag.Clone(&cal.Holiday{EndYear: 2023}),
	dk.KristiHimmelfartsdag,
	dk.AndenPinsedag,
	dk.Juledag,
	dk.AndenJuledag,
	dk.Grundlovsdag,
	{Name: "Juleaftensdag", Month: time.December, Day: 24, Func: cal.CalcDayOfMonth},
	{Name: "Nytårsaftensdag", Month: time.December, Day: 31, Func: cal.CalcDayOfMonth},
}

// ClosingDay is a weekday-independent day off: a public holiday or one of the centre's
// own closing days.
type ClosingDay struct {
	Date civil.Date
	Name string // in Danish, e.g. "Juledag"; two names joined by " og " when they coincide
}

// ClosingDays returns the holidays and closing days of year in date order (weekends
// are not listed). It never fails.
func ClosingDays(year int) []ClosingDay {
	yi := yearOf(year)
	out := make([]ClosingDay, 0, len(yi.closing))
	for _, c := range yi.closing {
		d := time.Date(year, time.January, 1+c.yday, 12, 0, 0, 0, copenhagen)
		out = append(out, ClosingDay{Date: civil.Of(d), Name: c.name})
	}
	return out
}

// yearInfo is one year's opening days as a bitset, so that Add and Between skip whole
// days and years by counting bits instead of walking the calendar.
type yearInfo struct {
	open    [6]uint64 // bit i set: day i of the year (0 = 1 January) is an opening day
	days    int       // 365 or 366
	total   int       // number of opening days in the year
	closing []closingDay
	jan1    int64      // Unix seconds of 1 January 00:00 UTC: local days are counted from it
	zones   []zoneFrom // Copenhagen's UTC offset at 08:00, from the day it takes effect
}

type zoneFrom struct {
	yday   int
	offset int64 // seconds east of UTC
}

// opening returns the Unix seconds of 08:00 Copenhagen time on day i, without a zone
// lookup: the offsets were taken from the zone database when the year was built.
func (yi *yearInfo) opening(i int) int64 {
	off := yi.zones[0].offset
	for _, z := range yi.zones[1:] {
		if z.yday > i {
			break
		}
		off = z.offset
	}
	return yi.jan1 + int64(i)*86400 + int64(openingTime/time.Second) - off
}

type closingDay struct {
	yday int // 0 = 1 January
	name string
}

// Years in this range are computed once and kept; others (never met by real tickets)
// are computed on every use.
const (
	cacheFirst = 1970
	cacheLast  = 2469
)

var yearCache [cacheLast - cacheFirst + 1]atomic.Pointer[yearInfo]

func yearOf(y int) *yearInfo {
	if y < cacheFirst || y > cacheLast {
		return buildYear(y)
	}
	p := &yearCache[y-cacheFirst]
	if yi := p.Load(); yi != nil {
		return yi
	}
	// Two goroutines may build the same year; both results are equal, one is kept.
	yi := buildYear(y)
	p.CompareAndSwap(nil, yi)
	return p.Load()
}

func buildYear(y int) *yearInfo {
	yi := &yearInfo{days: time.Date(y, time.December, 31, 12, 0, 0, 0, time.UTC).YearDay()}
	for _, r := range closingRules {
		_, obs := r.Calc(y)
		if obs.IsZero() {
			continue
		}
		oy, om, od := obs.Date()
		if oy != y {
			continue
		}
		yi.addClosing(time.Date(oy, om, od, 12, 0, 0, 0, time.UTC).YearDay()-1, r.Name)
	}
	yi.jan1 = time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := 0; i < yi.days; i++ {
		_, off := time.Date(y, time.January, 1+i, 8, 0, 0, 0, copenhagen).Zone()
		if len(yi.zones) == 0 || yi.zones[len(yi.zones)-1].offset != int64(off) {
			yi.zones = append(yi.zones, zoneFrom{i, int64(off)})
		}
	}
	wd := time.Date(y, time.January, 1, 12, 0, 0, 0, time.UTC).Weekday()
	closed := map[int]bool{}
	for _, c := range yi.closing {
		closed[c.yday] = true
	}
	for i := 0; i < yi.days; i++ {
		if wd != time.Saturday && wd != time.Sunday && !closed[i] {
			yi.open[i/64] |= 1 << (i % 64)
			yi.total++
		}
		wd = (wd + 1) % 7
	}
	return yi
}

// addClosing keeps yi.closing sorted by day and merges names of coinciding days.
func (yi *yearInfo) addClosing(yday int, name string) {
	for i, c := range yi.closing {
		if c.yday == yday {
			yi.closing[i].name += " og " + name
			return
		}
		if c.yday > yday {
			yi.closing = append(yi.closing[:i], append([]closingDay{{yday, name}}, yi.closing[i:]...)...)
			return
		}
	}
	yi.closing = append(yi.closing, closingDay{yday, name})
}

func (yi *yearInfo) isOpen(i int) bool { return yi.open[i/64]&(1<<(i%64)) != 0 }

func (yi *yearInfo) closingName(i int) (string, bool) {
	for _, c := range yi.closing {
		if c.yday == i {
			return c.name, true
		}
	}
	return "", false
}

// countOpen returns the number of opening days with index in [from, to).
func (yi *yearInfo) countOpen(from, to int) int {
	if from == 0 && to >= yi.days {
		return yi.total
	}
	n := 0
	for from < to {
		w := from / 64
		word := yi.open[w] >> (from % 64)
		end := (w + 1) * 64
		if to < end {
			word &= (1 << (to - from)) - 1
			end = to
		}
		n += bits.OnesCount64(word)
		from = end
	}
	return n
}

// nthOpen returns the index of the opening day that has n (0-based) opening days
// before it counting from index from, or -1 if the year has no such day.
func (yi *yearInfo) nthOpen(from, n int) int {
	for w := from / 64; w < len(yi.open); w++ {
		word := yi.open[w]
		if w == from/64 {
			word &^= (1 << (from % 64)) - 1
		}
		c := bits.OnesCount64(word)
		if n >= c {
			n -= c
			continue
		}
		for ; n > 0; n-- {
			word &= word - 1 // drop the lowest set bit
		}
		return w*64 + bits.TrailingZeros64(word)
	}
	return -1
}
