package calendar

import (
	"testing"
	"time"
)

// closingDays2024to2030 is written out by hand from the Easter dates (31 Mar 2024,
// 20 Apr 2025, 5 Apr 2026, 28 Mar 2027, 16 Apr 2028, 1 Apr 2029, 21 Apr 2030; checked
// against Python's dateutil.easter) and the fixed dates; it does not use the package.
var closingDays2024to2030 = []struct{ date, name string }{
	{"2024-01-01", "Nytårsdag"}, {"2024-03-28", "Skærtorsdag"}, {"2024-03-29", "Langfredag"},
	{"2024-04-01", "Anden påskedag"}, {"2024-05-09", "Kristi Himmelfartsdag"},
	{"2024-05-20", "Anden Pinsedag"}, {"2024-06-05", "Grundlovsdag"},
	{"2024-12-24", "Juleaftensdag"}, {"2024-12-25", "Juledag"}, {"2024-12-26", "Anden juledag"},
	{"2024-12-31", "Nytårsaftensdag"},

	{"2025-01-01", "Nytårsdag"}, {"2025-04-17", "Skærtorsdag"}, {"2025-04-18", "Langfredag"},
	{"2025-04-21", "Anden påskedag"}, {"2025-05-29", "Kristi Himmelfartsdag"},
	{"2025-06-05", "Grundlovsdag"}, {"2025-06-09", "Anden Pinsedag"},
	{"2025-12-24", "Juleaftensdag"}, {"2025-12-25", "Juledag"}, {"2025-12-26", "Anden juledag"},
	{"2025-12-31", "Nytårsaftensdag"},

	{"2026-01-01", "Nytårsdag"}, {"2026-04-02", "Skærtorsdag"}, {"2026-04-03", "Langfredag"},
	{"2026-04-06", "Anden påskedag"}, {"2026-05-14", "Kristi Himmelfartsdag"},
	{"2026-05-25", "Anden Pinsedag"}, {"2026-06-05", "Grundlovsdag"},
	{"2026-12-24", "Juleaftensdag"}, {"2026-12-25", "Juledag"}, {"2026-12-26", "Anden juledag"},
	{"2026-12-31", "Nytårsaftensdag"},

	{"2027-01-01", "Nytårsdag"}, {"2027-03-25", "Skærtorsdag"}, {"2027-03-26", "Langfredag"},
	{"2027-03-29", "Anden påskedag"}, {"2027-05-06", "Kristi Himmelfartsdag"},
	{"2027-05-17", "Anden Pinsedag"}, {"2027-06-05", "Grundlovsdag"},
	{"2027-12-24", "Juleaftensdag"}, {"2027-12-25", "Juledag"}, {"2027-12-26", "Anden juledag"},
	{"2027-12-31", "Nytårsaftensdag"},

	{"2028-01-01", "Nytårsdag"}, {"2028-04-13", "Skærtorsdag"}, {"2028-04-14", "Langfredag"},
	{"2028-04-17", "Anden påskedag"}, {"2028-05-25", "Kristi Himmelfartsdag"},
	{"2028-06-05", "Anden Pinsedag og Grundlovsdag"},
	{"2028-12-24", "Juleaftensdag"}, {"2028-12-25", "Juledag"}, {"2028-12-26", "Anden juledag"},
	{"2028-12-31", "Nytårsaftensdag"},

	{"2029-01-01", "Nytårsdag"}, {"2029-03-29", "Skærtorsdag"}, {"2029-03-30", "Langfredag"},
	{"2029-04-02", "Anden påskedag"}, {"2029-05-10", "Kristi Himmelfartsdag"},
	{"2029-05-21", "Anden Pinsedag"}, {"2029-06-05", "Grundlovsdag"},
	{"2029-12-24", "Juleaftensdag"}, {"2029-12-25", "Juledag"}, {"2029-12-26", "Anden juledag"},
	{"2029-12-31", "Nytårsaftensdag"},

	{"2030-01-01", "Nytårsdag"}, {"2030-04-18", "Skærtorsdag"}, {"2030-04-19", "Langfredag"},
	{"2030-04-22", "Anden påskedag"}, {"2030-05-30", "Kristi Himmelfartsdag"},
	{"2030-06-05", "Grundlovsdag"}, {"2030-06-10", "Anden Pinsedag"},
	{"2030-12-24", "Juleaftensdag"}, {"2030-12-25", "Juledag"}, {"2030-12-26", "Anden juledag"},
	{"2030-12-31", "Nytårsaftensdag"},
}

// oracle tells opening days and hours from the hand-written list alone.
type oracle map[int]bool // keyed by yyyymmdd

func dayKey(t time.Time) int {
	y, m, d := t.In(copenhagen).Date()
	return y*10000 + int(m)*100 + d
}

func newOracle() oracle {
	o := oracle{dayKey(date("2031-01-01")): true} // nytårsdag after the list's last day
	for _, c := range closingDays2024to2030 {
		o[dayKey(date(c.date))] = true
	}
	return o
}

func (o oracle) openDay(t time.Time) bool {
	wd := t.In(copenhagen).Weekday()
	return wd != time.Saturday && wd != time.Sunday && !o[dayKey(t)]
}

func (o oracle) open(t time.Time) bool {
	h := t.In(copenhagen).Hour()
	return o.openDay(t) && h >= 8 && h < 16
}

// nextOpenDay and prevOpenDay return noon of the nearest opening day after or before d.
func (o oracle) nextOpenDay(d time.Time, step int) time.Time {
	for d = d.AddDate(0, 0, step); !o.openDay(d); d = d.AddDate(0, 0, step) {
	}
	return d
}

func TestClosingDaysListed(t *testing.T) {
	i := 0
	for y := 2024; y <= 2030; y++ {
		for _, got := range ClosingDays(y) {
			if i >= len(closingDays2024to2030) {
				t.Fatalf("%d: extra closing day %s %s", y, got.Date, got.Name)
			}
			want := closingDays2024to2030[i]
			if got.Date.String() != want.date || got.Name != want.name {
				t.Errorf("closing day %d: got %s %q, want %s %q", i, got.Date, got.Name, want.date, want.name)
			}
			i++
		}
	}
	if i != len(closingDays2024to2030) {
		t.Errorf("got %d closing days in 2024–2030, want %d", i, len(closingDays2024to2030))
	}
}

// Every day of 2024–2030 is closed exactly when the hand-written list or the weekend
// says so.
func TestClosedEveryDay(t *testing.T) {
	o := newOracle()
	b := Business{}
	for d := date("2024-01-01").Add(12 * time.Hour); d.Year() <= 2030; d = d.AddDate(0, 0, 1) {
		if got, want := b.Closed(d), !o.openDay(d); got != want {
			t.Errorf("Closed(%s) = %v, want %v", d.Format("2006-01-02 Mon"), got, want)
		}
	}
}

// A ticket received on the opening day before each weekday closing day is due across
// it: 60 minutes from 15:00 run out at 16:00 that day, 120 on the next opening day.
func TestDueAcrossEachClosingDay(t *testing.T) {
	o := newOracle()
	b := Business{}
	for _, c := range closingDays2024to2030 {
		d := date(c.date).Add(12 * time.Hour)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		t.Run(c.date, func(t *testing.T) {
			before, after := o.nextOpenDay(d, -1), o.nextOpenDay(d, 1)
			at := time.Date(before.Year(), before.Month(), before.Day(), 15, 0, 0, 0, copenhagen)
			want := time.Date(after.Year(), after.Month(), after.Day(), 9, 0, 0, 0, copenhagen)
			closing := time.Date(before.Year(), before.Month(), before.Day(), 16, 0, 0, 0, copenhagen)
			if got := b.Add(at, 120); !got.Equal(want) {
				t.Errorf("Add(%v, 120) = %v, want %v", at, got, want)
			}
			if got := b.Add(at, 60); !got.Equal(closing) {
				t.Errorf("Add(%v, 60) = %v, want %v", at, got, closing)
			}
			if got := b.Between(at, want); got != 120 {
				t.Errorf("Between(%v, %v) = %d, want 120", at, want, got)
			}
			noon := date(c.date).Add(12 * time.Hour)
			if b.IsOpen(noon) {
				t.Errorf("IsOpen(%v) = true on %s", noon, c.name)
			}
			if got, wantNext := b.NextOpening(noon), want.Add(-time.Hour); !got.Equal(wantNext) {
				t.Errorf("NextOpening(%v) = %v, want %v", noon, got, wantNext)
			}
		})
	}
}

// Store bededag is closed up to 2023 and an ordinary Friday from 2024.
func TestStoreBededag(t *testing.T) {
	b := Business{}
	for _, tt := range []struct {
		date   string
		closed bool
	}{
		{"2022-05-13", true}, {"2023-05-05", true}, {"2024-04-26", false}, {"2025-05-16", false},
	} {
		if got := b.Closed(date(tt.date)); got != tt.closed {
			t.Errorf("Closed(%s) = %v, want %v", tt.date, got, tt.closed)
		}
	}
}
