package calendar

import (
	"errors"
	"testing"
	"time"
)

// cph is a wall-clock time in Copenhagen, for readable tables.
func cph(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, copenhagen)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, copenhagen)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddEdges(t *testing.T) {
	b := Business{}
	// Week of Monday 15 September 2025: no holidays.
	tests := []struct {
		name string
		at   time.Time
		n    int
		want time.Time
	}{
		{"inside hours", cph(2025, 9, 15, 10, 0), 60, cph(2025, 9, 15, 11, 0)},
		{"zero inside hours", cph(2025, 9, 15, 10, 0), 0, cph(2025, 9, 15, 10, 0)},
		{"zero on a Saturday stays", cph(2025, 9, 20, 10, 0), 0, cph(2025, 9, 20, 10, 0)},
		{"negative is zero", cph(2025, 9, 15, 10, 0), -5, cph(2025, 9, 15, 10, 0)},
		{"before 08:00", cph(2025, 9, 15, 7, 0), 60, cph(2025, 9, 15, 9, 0)},
		{"midnight", cph(2025, 9, 15, 0, 0), 1, cph(2025, 9, 15, 8, 1)},
		{"after 16:00", cph(2025, 9, 15, 17, 0), 60, cph(2025, 9, 16, 9, 0)},
		{"exactly 08:00", cph(2025, 9, 15, 8, 0), 60, cph(2025, 9, 15, 9, 0)},
		{"exactly 16:00", cph(2025, 9, 15, 16, 0), 60, cph(2025, 9, 16, 9, 0)},
		{"due exactly at closing", cph(2025, 9, 15, 15, 0), 60, cph(2025, 9, 15, 16, 0)},
		{"one past closing", cph(2025, 9, 15, 15, 0), 61, cph(2025, 9, 16, 8, 1)},
		{"whole day from 08:00", cph(2025, 9, 15, 8, 0), 480, cph(2025, 9, 15, 16, 0)},
		{"whole day from 07:00", cph(2025, 9, 15, 7, 0), 480, cph(2025, 9, 15, 16, 0)},
		{"whole day from 16:00", cph(2025, 9, 15, 16, 0), 480, cph(2025, 9, 16, 16, 0)},
		{"two days from 08:00", cph(2025, 9, 15, 8, 0), 960, cph(2025, 9, 16, 16, 0)},
		{"Friday afternoon", cph(2025, 9, 19, 15, 0), 120, cph(2025, 9, 22, 9, 0)},
		{"Friday closing to Monday closing", cph(2025, 9, 19, 16, 0), 480, cph(2025, 9, 22, 16, 0)},
		{"Saturday", cph(2025, 9, 20, 10, 0), 60, cph(2025, 9, 22, 9, 0)},
		{"Sunday night", cph(2025, 9, 21, 23, 59), 480, cph(2025, 9, 22, 16, 0)},
		{"five days", cph(2025, 9, 15, 10, 0), 2400, cph(2025, 9, 22, 10, 0)},
		{"five days from 08:00", cph(2025, 9, 15, 8, 0), 2400, cph(2025, 9, 19, 16, 0)},
		{"seconds carried", time.Date(2025, 9, 15, 10, 0, 30, 5, copenhagen), 60, time.Date(2025, 9, 15, 11, 0, 30, 5, copenhagen)},
		{"seconds over closing", time.Date(2025, 9, 15, 15, 59, 30, 0, copenhagen), 1, time.Date(2025, 9, 16, 8, 0, 30, 0, copenhagen)},
		{"year end", cph(2025, 12, 30, 15, 0), 120, cph(2026, 1, 2, 9, 0)},
		{"store bededag 2023 closed", cph(2023, 5, 4, 15, 0), 120, cph(2023, 5, 8, 9, 0)},
		{"store bededag 2024 open", cph(2024, 4, 25, 15, 0), 120, cph(2024, 4, 26, 9, 0)},
		{"past the year cache", cph(2469, 12, 30, 15, 0), 120, cph(2470, 1, 2, 9, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Add(tt.at, tt.n); !got.Equal(tt.want) {
				t.Errorf("Add(%v, %d) = %v, want %v", tt.at, tt.n, got, tt.want)
			}
		})
	}
}

func TestLongSLA(t *testing.T) {
	b := Business{}
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		// 16 Apr: 6 h; 17, 18, 21 Apr closed; 22–25 Apr: 4 days; 28 Apr: 2 h.
		{"Easter 2025", cph(2025, 4, 16, 10, 0), cph(2025, 4, 28, 10, 0)},
		// 27 Mar is the day before skærtorsdag; Easter Monday 1 Apr and DST on 31 Mar.
		{"Easter 2024", cph(2024, 3, 27, 8, 0), cph(2024, 4, 5, 16, 0)},
		// 22, 23, 29, 30 Dec and 2 Jan open; 24–26, 31 Dec and 1 Jan closed.
		{"Christmas 2025", cph(2025, 12, 22, 10, 0), cph(2026, 1, 5, 10, 0)},
		{"Christmas 2026", cph(2026, 12, 23, 15, 0), cph(2027, 1, 5, 15, 0)},
		{"Christmas 2029 from closing", cph(2029, 12, 21, 16, 0), cph(2030, 1, 4, 16, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Add(tt.at, 2400); !got.Equal(tt.want) {
				t.Errorf("Add(%v, 2400) = %v, want %v", tt.at, got, tt.want)
			}
			if got := b.Between(tt.at, tt.want); got != 2400 {
				t.Errorf("Between = %d, want 2400", got)
			}
		})
	}
}

// Instants are given in UTC so that the offsets themselves are checked.
func TestDaylightSaving(t *testing.T) {
	b := Business{}
	tests := []struct {
		name string
		at   string
		n    int
		want string
	}{
		{"spring 2024 over Easter", "2024-03-27T14:00:00Z", 120, "2024-04-02T07:00:00Z"},
		{"spring 2025 Friday to Monday", "2025-03-28T14:00:00Z", 120, "2025-03-31T07:00:00Z"},
		{"spring 2025 on the Sunday", "2025-03-30T02:30:00Z", 60, "2025-03-31T07:00:00Z"},
		{"spring 2026 due at closing", "2026-03-27T14:30:00Z", 30, "2026-03-27T15:00:00Z"},
		{"spring 2026 one past closing", "2026-03-27T14:30:00Z", 31, "2026-03-30T06:01:00Z"},
		{"spring 2027 five days", "2027-03-19T09:00:00Z", 2400, "2027-03-31T08:00:00Z"},
		{"autumn 2024 due at closing", "2024-10-25T13:59:00Z", 1, "2024-10-25T14:00:00Z"},
		{"autumn 2024 one past closing", "2024-10-25T13:59:00Z", 2, "2024-10-28T07:01:00Z"},
		{"autumn 2025 Friday to Monday", "2025-10-24T13:00:00Z", 120, "2025-10-27T08:00:00Z"},
		{"autumn 2025 on the Sunday", "2025-10-26T01:30:00Z", 60, "2025-10-27T08:00:00Z"},
		{"autumn 2026 whole day", "2026-10-23T08:00:00Z", 480, "2026-10-26T09:00:00Z"},
		{"autumn 2027 five days", "2027-10-29T10:00:00Z", 2400, "2027-11-05T11:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, want := utc(tt.at), utc(tt.want)
			got := b.Add(at, tt.n)
			if !got.Equal(want) {
				t.Errorf("Add(%s, %d) = %s, want %s", tt.at, tt.n, got.UTC().Format(time.RFC3339), tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("location %v, want the input's (UTC)", got.Location())
			}
			if got := b.Between(at, want); got != tt.n {
				t.Errorf("Between = %d, want %d", got, tt.n)
			}
		})
	}
}

func TestTwentyFourSeven(t *testing.T) {
	c := TwentyFourSeven{}
	tests := []struct {
		name string
		at   string
		n    int
		want string
	}{
		// 00:30 CEST + 4 h is 03:30 CET: three hours on the wall, four real ones.
		{"autumn switch", "2024-10-26T22:30:00Z", 240, "2024-10-27T02:30:00Z"},
		{"spring switch", "2025-03-30T00:30:00Z", 240, "2025-03-30T04:30:00Z"},
		{"over Christmas", "2025-12-24T10:00:00Z", 30, "2025-12-24T10:30:00Z"},
		{"zero", "2025-12-24T10:00:00Z", 0, "2025-12-24T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, want := utc(tt.at), utc(tt.want)
			if got := c.Add(at, tt.n); !got.Equal(want) {
				t.Errorf("Add = %v, want %v", got, want)
			}
			if got := c.Between(at, want); got != tt.n {
				t.Errorf("Between = %d, want %d", got, tt.n)
			}
		})
	}
	autumn := utc("2024-10-26T22:30:00Z").In(copenhagen)
	if got := c.Add(autumn, 240).Sub(autumn); got != 4*time.Hour {
		t.Errorf("240 minutes across the October switch took %v, want 4h", got)
	}
	if c.Between(utc("2025-01-02T10:00:00Z"), utc("2025-01-01T10:00:00Z")) != 0 {
		t.Error("Between backwards is not 0")
	}
	if !c.IsOpen(cph(2025, 12, 25, 3, 0)) || !c.NextOpening(cph(2025, 12, 25, 3, 0)).Equal(cph(2025, 12, 25, 3, 0)) {
		t.Error("24x7 is not always open")
	}
}

func TestBetween(t *testing.T) {
	b := Business{}
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same instant", cph(2025, 9, 15, 10, 0), cph(2025, 9, 15, 10, 0), 0},
		{"backwards", cph(2025, 9, 16, 10, 0), cph(2025, 9, 15, 10, 0), 0},
		{"within a day", cph(2025, 9, 15, 10, 0), cph(2025, 9, 15, 11, 30), 90},
		{"before opening to after closing", cph(2025, 9, 15, 6, 0), cph(2025, 9, 15, 18, 0), 480},
		{"both before opening", cph(2025, 9, 15, 6, 0), cph(2025, 9, 15, 7, 0), 0},
		{"overnight", cph(2025, 9, 15, 15, 0), cph(2025, 9, 16, 9, 0), 120},
		{"weekend only", cph(2025, 9, 20, 0, 0), cph(2025, 9, 22, 8, 0), 0},
		{"over a weekend", cph(2025, 9, 19, 15, 0), cph(2025, 9, 22, 9, 0), 120},
		{"on a holiday", cph(2025, 12, 25, 9, 0), cph(2025, 12, 25, 15, 0), 0},
		{"over Christmas", cph(2025, 12, 23, 15, 0), cph(2025, 12, 29, 9, 0), 120},
		{"over grundlovsdag", cph(2025, 6, 4, 15, 0), cph(2025, 6, 6, 9, 0), 120},
		{"floor of seconds", time.Date(2025, 9, 15, 10, 0, 30, 0, copenhagen), cph(2025, 9, 15, 10, 1), 0},
		{"whole minute with seconds", time.Date(2025, 9, 15, 10, 0, 30, 0, copenhagen), time.Date(2025, 9, 15, 10, 1, 30, 0, copenhagen), 1},
		{"seconds across a night", time.Date(2025, 9, 15, 15, 59, 30, 0, copenhagen), time.Date(2025, 9, 16, 8, 0, 29, 0, copenhagen), 0},
		// 2025 has 261 weekdays, 11 of them closing days.
		{"year 2025", cph(2025, 1, 1, 0, 0), cph(2026, 1, 1, 0, 0), 250 * 480},
		{"two years across the cache edge", cph(2469, 1, 1, 0, 0), cph(2471, 1, 1, 0, 0), (openDaysByWalking(2469) + openDaysByWalking(2470)) * 480},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Between(tt.a, tt.b); got != tt.want {
				t.Errorf("Between(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// openDaysByWalking counts a year's opening days one day at a time, to check the
// year skipping of Between against.
func openDaysByWalking(y int) int {
	n := 0
	for d := time.Date(y, 1, 1, 12, 0, 0, 0, copenhagen); d.Year() == y; d = d.AddDate(0, 0, 1) {
		if !(Business{}).Closed(d) {
			n++
		}
	}
	return n
}

func TestOpeningAndClosed(t *testing.T) {
	b := Business{}
	open := []time.Time{cph(2025, 9, 15, 8, 0), cph(2025, 9, 15, 15, 59), cph(2024, 4, 26, 10, 0)}
	shut := []time.Time{cph(2025, 9, 15, 7, 59), cph(2025, 9, 15, 16, 0), cph(2025, 9, 20, 10, 0), cph(2025, 12, 24, 10, 0), cph(2023, 5, 5, 10, 0)}
	for _, at := range open {
		if !b.IsOpen(at) {
			t.Errorf("IsOpen(%v) = false", at)
		}
		if got := b.NextOpening(at); !got.Equal(at) {
			t.Errorf("NextOpening(%v) = %v, want itself", at, got)
		}
	}
	for _, at := range shut {
		if b.IsOpen(at) {
			t.Errorf("IsOpen(%v) = true", at)
		}
	}
	next := []struct{ at, want time.Time }{
		{cph(2025, 9, 15, 7, 59), cph(2025, 9, 15, 8, 0)},
		{cph(2025, 9, 15, 16, 0), cph(2025, 9, 16, 8, 0)},
		{cph(2025, 9, 19, 16, 0), cph(2025, 9, 22, 8, 0)},
		{cph(2025, 12, 23, 16, 30), cph(2025, 12, 29, 8, 0)},
		{cph(2025, 12, 31, 9, 0), cph(2026, 1, 2, 8, 0)},
	}
	for _, tt := range next {
		if got := b.NextOpening(tt.at); !got.Equal(tt.want) {
			t.Errorf("NextOpening(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	if !b.Closed(time.Date(2025, 12, 24, 0, 0, 0, 0, time.UTC)) || b.Closed(time.Date(2025, 12, 23, 0, 0, 0, 0, time.UTC)) {
		t.Error("Closed of a UTC midnight date does not read that date")
	}
	if !b.Closed(date("2025-09-20")) || b.Closed(date("2025-09-19")) {
		t.Error("Closed of a weekend")
	}
}

func TestByName(t *testing.T) {
	for _, name := range []string{NameBusiness, Name24x7} {
		c, err := ByName(name)
		if err != nil {
			t.Fatalf("ByName(%q): %v", name, err)
		}
		if c.Name() != name {
			t.Errorf("ByName(%q).Name() = %q", name, c.Name())
		}
	}
	for _, name := range []string{"", "Business", "24/7", "weekdays"} {
		if _, err := ByName(name); !errors.Is(err, ErrUnknown) {
			t.Errorf("ByName(%q) error = %v, want ErrUnknown", name, err)
		}
	}
}

func TestKeepsInputLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 9, 19, 9, 0, 0, 0, ny) // 15:00 in Copenhagen
	got := Business{}.Add(at, 120)
	if got.Location() != ny || !got.Equal(cph(2025, 9, 22, 9, 0)) {
		t.Errorf("Add = %v, want Monday 09:00 Copenhagen in New York time", got)
	}
	if got := (Business{}).NextOpening(at.Add(2 * time.Hour)); got.Location() != ny {
		t.Errorf("NextOpening location %v", got.Location())
	}
}

// Years are built on first use by whichever goroutine gets there; run with -race.
func TestConcurrentUse(t *testing.T) {
	b := Business{}
	want := make([]time.Time, 100)
	results := make([][]time.Time, 4)
	done := make(chan int)
	for g := range results {
		go func() {
			results[g] = make([]time.Time, len(want))
			for i := range want {
				results[g][i] = b.Add(cph(2300+i, 12, 20, 10, 0), 2400)
			}
			done <- g
		}()
	}
	for range results {
		<-done
	}
	for i := range want {
		want[i] = b.Add(cph(2300+i, 12, 20, 10, 0), 2400)
	}
	for g := range results {
		for i, got := range results[g] {
			if !got.Equal(want[i]) {
				t.Errorf("goroutine %d, year %d: %v, want %v", g, 2300+i, got, want[i])
			}
		}
	}
}
