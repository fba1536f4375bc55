// Package load is what the subcommands of fscload share: an HTTP client that logs in,
// the closed-loop driver with its latency histogram and percentiles, the real
// application started in-process on loopback, database guards, SQL timing, CPU
// sampling and profiles.
package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 µs to an hour with three significant
// digits: every percentile is within 0.1 % of the exact one, in constant memory
// however many calls a run makes.
const (
	lowest  = 1
	highest = int64(time.Hour / time.Microsecond)
	digits  = 3
)

// Result is what one closed-loop run measured.
type Result struct {
	Clients  int
	Hist     *hdrhistogram.Histogram // latencies of the calls that succeeded, in µs
	Errors   int64
	FirstErr string // the first error, for the report
	Elapsed  time.Duration
}

// N is the number of calls that succeeded.
func (r Result) N() int64 { return r.Hist.TotalCount() }

// Rate is the successful calls per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.N()) / r.Elapsed.Seconds()
}

// Pct returns the latency at quantile q (0.5 for the median, 1 for the maximum).
func (r Result) Pct(q float64) time.Duration {
	if r.Hist == nil || r.Hist.TotalCount() == 0 {
		return 0
	}
	if q >= 1 {
		return time.Duration(r.Hist.Max()) * time.Microsecond
	}
	return time.Duration(r.Hist.ValueAtQuantile(q*100)) * time.Microsecond
}

// Run calls fn from clients goroutines, each in a closed loop (its next call starts
// when the last one returned), until d has passed, limit calls were started, or ctx
// ends. Each goroutine has its own random source for fn. Latency is the time of the
// whole call, including any check fn makes of the answer; a call that returns an
// error counts as an error, not as a latency.
func Run(ctx context.Context, clients int, d time.Duration, limit int, fn func(r *rand.Rand) error) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var sent, errs atomic.Int64
	var mu sync.Mutex
	res := Result{Clients: clients, Hist: hdrhistogram.New(lowest, highest, digits)}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			mine := hdrhistogram.New(lowest, highest, digits)
			var first string
			for ctx.Err() == nil && sent.Add(1) <= int64(limit) {
				t0 := time.Now()
				if err := fn(rng); err != nil {
					if errs.Add(1) == 1 {
						first = err.Error()
					}
					continue
				}
				us := min(max(time.Since(t0).Microseconds(), lowest), highest)
				_ = mine.RecordValue(us) // in range by construction
			}
			mu.Lock()
			res.Hist.Merge(mine)
			if first != "" {
				res.FirstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Errors = errs.Load()
	return res
}

// Ms formats d in milliseconds with two decimals.
func Ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + "ms"
}

// Line prints one run: calls, rate and the percentiles, errors and the first error.
func Line(name string, r Result) {
	first := ""
	if r.FirstErr != "" {
		first = "first error: " + r.FirstErr
	}
	fmt.Printf("load: %-16s c=%-3d %7d req %8.0f req/s  p50 %-9s p90 %-9s p99 %-9s max %-9s errors %d %s\n",
		name, r.Clients, r.N(), r.Rate(), Ms(r.Pct(.5)), Ms(r.Pct(.9)), Ms(r.Pct(.99)), Ms(r.Pct(1)), r.Errors, first)
}
