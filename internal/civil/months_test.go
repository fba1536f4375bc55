package civil_test

import (
	"testing"

	"github.com/fsc/backoffice/internal/civil"
)

// The month arithmetic of contract terms and notice deadlines.
func TestAddMonthsForContractTerms(t *testing.T) {
	d := civil.MustParse
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2025-05-31", -3, "2025-02-28"}, // notice deadline 3 months before 31 May
		{"2024-05-31", -3, "2024-02-29"}, // … in a leap year
		{"2025-01-31", 1, "2025-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-02-29", 48, "2028-02-29"},
		{"2025-03-31", -1, "2025-02-28"},
		{"2025-12-31", -6, "2025-06-30"},
		{"2025-04-30", 1, "2025-05-30"}, // the same day, not the month's last
		{"2025-11-15", 3, "2026-02-15"},
		{"2026-01-15", -13, "2024-12-15"},
		{"2025-06-30", 0, "2025-06-30"},
	} {
		if got := d(c.from).AddMonths(c.n).String(); got != c.want {
			t.Errorf("%s %+d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
	if !(civil.Date{}).AddMonths(-3).IsZero() {
		t.Error("zero date plus months must stay zero")
	}
}

func TestDaysUntil(t *testing.T) {
	d := civil.MustParse
	for _, c := range []struct {
		from, to string
		want     int
	}{
		{"2025-01-01", "2025-01-01", 0},
		{"2025-01-01", "2025-01-02", 1},
		{"2025-01-02", "2025-01-01", -1},
		{"2024-02-28", "2024-03-01", 2},
		{"2025-02-28", "2025-03-01", 1},
		{"2025-03-29", "2025-03-31", 2}, // across the change to summer time in Copenhagen
		{"2024-01-01", "2025-01-01", 366},
		{"0001-01-01", "9999-12-31", 3652058},
	} {
		if got := d(c.from).DaysUntil(d(c.to)); got != c.want {
			t.Errorf("%s → %s = %d days, want %d", c.from, c.to, got, c.want)
		}
		if got := d(c.from).AddDays(c.want); c.want < 1000 && got != d(c.to) {
			t.Errorf("%s + %d days = %s, want %s", c.from, c.want, got, c.to)
		}
	}
}
