package load

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Run starts exactly limit calls across its clients, counts the failed ones as errors
// (keeping the first message) and the others as latencies.
func TestRunStopsAtLimitAndCountsErrors(t *testing.T) {
	var calls atomic.Int64
	r := Run(context.Background(), 4, time.Minute, 100, func(*rand.Rand) error {
		if calls.Add(1)%10 == 0 {
			return errors.New("every tenth fails")
		}
		return nil
	})
	if calls.Load() != 100 || r.N() != 90 || r.Errors != 10 || r.FirstErr != "every tenth fails" || r.Clients != 4 {
		t.Fatalf("calls %d, result N %d errors %d first %q clients %d; want 100, 90, 10", calls.Load(), r.N(), r.Errors, r.FirstErr, r.Clients)
	}
	if r.Rate() <= 0 {
		t.Fatalf("rate %f", r.Rate())
	}
}

// A run ends when its context does, however many calls are left.
func TestRunEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	r := Run(ctx, 2, time.Hour, 1<<30, func(*rand.Rand) error {
		if calls.Add(1) == 50 {
			cancel()
		}
		return nil
	})
	// The clients see the cancel at their next call, not in the same instant (under the
	// race detector a few dozen more calls were seen), so only "soon" is asserted.
	if n := r.N(); n < 50 || n > 1000 || r.Elapsed > 5*time.Second {
		t.Fatalf("%d calls in %s after cancelling at the 50th; want the run to stop soon after", n, r.Elapsed)
	}
}

// Percentiles of 1..1000 ms are within the histogram's 0.1 %; 1 is the maximum.
func TestPercentiles(t *testing.T) {
	r := Result{Hist: hdrhistogram.New(lowest, highest, digits), Elapsed: time.Second}
	for i := int64(1); i <= 1000; i++ {
		if err := r.Hist.RecordValue(i * 1000); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{.5, 500 * time.Millisecond}, {.9, 900 * time.Millisecond}, {.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := r.Pct(c.q)
		if d := got - c.want; d < -c.want/1000 || d > c.want/1000 {
			t.Errorf("p%g = %s, want %s ± 0.1%%", c.q*100, got, c.want)
		}
	}
	if r.Rate() != 1000 {
		t.Errorf("rate %f, want 1000", r.Rate())
	}
	if (Result{}).Pct(.5) != 0 {
		t.Error("an empty result has a latency")
	}
}
