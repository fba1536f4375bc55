package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

var (
	fuzzFrom = date("2024-01-01").Unix()
	fuzzTo   = date("2030-12-01").Unix() // leaves room for the longest count within 2030
)

// instant maps any int64 to an instant of 2024–2030, to the second.
func instant(x int64) time.Time {
	span := fuzzTo - fuzzFrom
	return time.Unix(fuzzFrom+((x%span)+span)%span, 0)
}

// checkAdd checks the properties that define Add for one instant and count.
func checkAdd(t *testing.T, b Business, at time.Time, n int) {
	t.Helper()
	due := b.Add(at, n)
	if due.Before(at) {
		t.Fatalf("Add(%v, %d) = %v is before it", at, n, due)
	}
	if got := b.Between(at, due); got != n {
		t.Fatalf("Between(%v, Add(%v, %d) = %v) = %d", at, at, n, due, got)
	}
	if n == 0 {
		if !due.Equal(at) {
			t.Fatalf("Add(%v, 0) = %v", at, due)
		}
		return
	}
	// Earliest: a nanosecond earlier the n-th minute is not complete yet.
	if got := b.Between(at, due.Add(-time.Nanosecond)); got != n-1 {
		t.Fatalf("Between(%v, Add(…, %d) − 1ns) = %d, want %d", at, n, got, n-1)
	}
	// A due time is inside opening hours or exactly at closing time.
	if h, m, s := due.In(copenhagen).Clock(); !b.IsOpen(due) && !(h == 16 && m == 0 && s == 0 && due.Nanosecond() == 0) {
		t.Fatalf("Add(%v, %d) = %v is outside opening hours", at, n, due)
	}
	if !b.IsOpen(at) {
		if got := b.Add(b.NextOpening(at), n); !got.Equal(due) {
			t.Fatalf("from closed %v: Add = %v, from next opening %v", at, due, got)
		}
	} else if got := at.Add(time.Duration(n) * time.Minute); b.Between(at, got) == n && !got.Equal(due) {
		t.Fatalf("Add(%v, %d) = %v, but plain minutes within the day give %v", at, n, due, got)
	}
	if next := b.Add(at, n+1); !next.After(due) {
		t.Fatalf("Add not increasing in n: %d → %v, %d → %v", n, due, n+1, next)
	}
	k := n / 3
	if got := b.Add(b.Add(at, k), n-k); !got.Equal(due) {
		t.Fatalf("Add(Add(t, %d), %d) = %v, Add(t, %d) = %v", k, n-k, got, n, due)
	}
}

// walkAdd and walkBetween count minute by minute with the hand-written closing days.
func walkAdd(o oracle, at time.Time, n int) time.Time {
	u := at
	for ; n > 0; u = u.Add(time.Minute) {
		if o.open(u) {
			n--
		}
	}
	return u
}

func walkBetween(o oracle, a, b time.Time) int {
	n := 0
	for u := a; u.Before(b); u = u.Add(time.Minute) {
		if o.open(u) {
			n++
		}
	}
	return n
}

func FuzzAdd(f *testing.F) {
	for _, s := range []struct {
		x int64
		n int
	}{
		{0, 0}, {1, 1}, {3600 * 8, 480}, {86400*89 + 3600*14 + 59, 2400}, {123456789, 61},
		{date("2024-03-27").Unix() - fuzzFrom + 15*3600, 120},
		{date("2025-12-23").Unix() - fuzzFrom + 16*3600, 1440},
	} {
		f.Add(s.x, s.n)
	}
	o, b := newOracle(), Business{}
	f.Fuzz(func(t *testing.T, x int64, n int) {
		n = ((n % 5000) + 5000) % 5000
		at := instant(x)
		checkAdd(t, b, at, n)
		if n < 600 { // walking is slow; small counts still cross nights, weekends and holidays
			at = at.Truncate(time.Minute)
			if got, want := b.Add(at, n), walkAdd(o, at, n); !got.Equal(want) {
				t.Fatalf("Add(%v, %d) = %v, walking gives %v", at, n, got, want)
			}
		}
	})
}

// TestRandomAgainstWalk checks random instants and counts against minute-by-minute
// counting in the hand-written calendar, plus the defining properties.
func TestRandomAgainstWalk(t *testing.T) {
	o, b := newOracle(), Business{}
	r := rand.New(rand.NewPCG(1, 2))
	cases := 200
	if testing.Short() {
		cases = 50
	}
	for range cases {
		at := instant(r.Int64()).Truncate(time.Minute)
		n := r.IntN(1500)
		if r.IntN(4) == 0 {
			n = []int{0, 1, 30, 60, 240, 480, 960, 1440}[r.IntN(8)]
		}
		checkAdd(t, b, at, n)
		if got, want := b.Add(at, n), walkAdd(o, at, n); !got.Equal(want) {
			t.Fatalf("Add(%v, %d) = %v, walking gives %v", at, n, got, want)
		}
		end := at.Add(time.Duration(r.IntN(6*24*60)) * time.Minute)
		if got, want := b.Between(at, end), walkBetween(o, at, end); got != want {
			t.Fatalf("Between(%v, %v) = %d, walking gives %d", at, end, got, want)
		}
		mid := at.Add(end.Sub(at) / 2).Truncate(time.Minute)
		if b.Between(at, mid)+b.Between(mid, end) != b.Between(at, end) {
			t.Fatalf("Between(%v, %v) does not split at %v", at, end, mid)
		}
	}
	for range 5000 {
		checkAdd(t, b, instant(r.Int64()).Add(time.Duration(r.Int64N(int64(time.Second)))), r.IntN(20000))
	}
}

// BenchmarkAdd adds SLA-sized counts to instants spread over 2025.
func BenchmarkAdd(b *testing.B) {
	cal := Business{}
	r := rand.New(rand.NewPCG(3, 4))
	ats := make([]time.Time, 1024)
	for i := range ats {
		ats[i] = time.Unix(date("2025-01-01").Unix()+r.Int64N(365*86400), 0)
	}
	ns := []int{30, 60, 240, 480, 1440, 2400}
	i := 0
	for b.Loop() {
		cal.Add(ats[i%len(ats)], ns[i%len(ns)])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "calls/s")
}

func BenchmarkBetween(b *testing.B) {
	cal := Business{}
	r := rand.New(rand.NewPCG(5, 6))
	ats := make([]time.Time, 1024)
	for i := range ats {
		ats[i] = time.Unix(date("2025-01-01").Unix()+r.Int64N(365*86400), 0)
	}
	i := 0
	for b.Loop() {
		a := ats[i%len(ats)]
		cal.Between(a, a.Add(time.Duration(i%(14*24))*time.Hour))
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "calls/s")
}
