package support_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/support"
)

// go test -run XXX -bench BenchmarkCreateTicket ./support/ (with FSC_TEST_DATABASE_URL
// for PostgreSQL).
func BenchmarkCreateTicket(b *testing.B) {
	f := setup(b)
	d := f.deploy(b, f.tablet, f.a, "borger-b")
	in := f.phone(support.Normal, nil)
	in.DeviceID, in.Category = &d.ID, support.DeviceFault
	for b.Loop() {
		if _, err := f.svc.Create(f.agent, in, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// Alarms for a device that already has its open ticket: the de-duplicating path that
// a chattering platform takes, one at a time and from 32 clients at once.
func BenchmarkAlarmDedupe(b *testing.B) {
	f := setup(b)
	d := f.deploy(b, f.tablet, f.a, "borger-b")
	at := f.now().Add(-time.Minute)
	if _, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityWarning, at)); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			r, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityWarning, at))
			if err != nil || r.Created {
				b.Fatalf("%+v %v", r, err)
			}
		}
	})
	b.Run("32-clients", func(b *testing.B) {
		once(b, 32, 2000, func() error {
			_, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityWarning, at))
			return err
		})
	})
}

// The agent's queue with 1,000,000 tickets on PostgreSQL: the first page sorted by due
// time and filtered by status. Seeded with one INSERT … SELECT generate_series; the
// plan (EXPLAIN ANALYZE) must be a scan of the (status, next_due_at, id) index.
//
//	FSC_TEST_DATABASE_URL=… go test -run XXX -bench BenchmarkQueue1M -benchtime 2000x ./support/
func BenchmarkQueue1M(b *testing.B) {
	if !testenv.OnPostgres() {
		b.Skip("PostgreSQL only (FSC_TEST_DATABASE_URL)")
	}
	n := 1000000
	if s := os.Getenv("FSC_BENCH_TICKETS"); s != "" {
		fmt.Sscan(s, &n)
	}
	f := setup(b)
	start := time.Now()
	conn := db.Conn(f.agent)
	err := conn.Exec(`INSERT INTO tickets (number, status, member_id, channel, category, priority, subject, received_at,
  calendar, first_response_due, resolution_due, first_response_warn, resolution_warn, first_response_at, resolved_at,
  paused_since, closed_at, next_due_at, created_by, created_at, updated_at)
SELECT 'B-' || g, s.status, CASE WHEN g % 2 = 0 THEN CAST(? AS bigint) ELSE CAST(? AS bigint) END, 'phone', 'usage',
  (ARRAY['low','normal','high','critical'])[1 + g % 4], 'seeded ticket ' || g, x.r, 'business',
  x.r + interval '4 hours', x.r + interval '3 days', x.r + interval '3 hours', x.r + interval '2 days',
  CASE WHEN s.status <> 'new' THEN x.r + interval '1 hour' END,
  CASE WHEN s.status IN ('resolved','closed') THEN x.r + interval '1 day' END,
  CASE WHEN s.status = 'pending' THEN x.r + interval '2 hours' END,
  CASE WHEN s.status = 'closed' THEN x.r + interval '2 days' END,
  CASE WHEN s.status = 'new' THEN x.r + interval '4 hours' ELSE x.r + interval '3 days' END,
  'seed', x.r, x.r
FROM generate_series(1, CAST(? AS int)) g,
  LATERAL (SELECT timestamptz '2025-12-01 00:00:00+00' + (((g::bigint * 7919) % CAST(? AS bigint)) * interval '17 seconds') AS r) x,
  LATERAL (SELECT CASE WHEN g % 100 < 88 THEN 'closed' WHEN g % 100 < 92 THEN 'resolved' WHEN g % 100 < 95 THEN 'open'
    WHEN g % 100 < 97 THEN 'new' WHEN g % 100 < 99 THEN 'pending' ELSE 'escalated' END AS status) s`,
		f.a.ID, f.b.ID, n, n).Error
	if err != nil {
		b.Fatal(err)
	}
	must(b, conn.Exec("ANALYZE tickets").Error)
	b.Logf("seeded %d tickets in %s", n, time.Since(start).Round(time.Millisecond))

	flt := support.Filter{Status: support.Open, Limit: 50}
	var plan []string
	must(b, conn.Raw("EXPLAIN (ANALYZE, BUFFERS) "+support.QueueSQL(conn, flt, f.now())).Scan(&plan).Error)
	b.Logf("plan of the first page:\n%s", strings.Join(plan, "\n"))
	if !strings.Contains(strings.Join(plan, "\n"), "Index Scan using idx_tickets_status_queue") {
		b.Fatalf("the first page is no scan of the status queue index:\n%s", strings.Join(plan, "\n"))
	}
	b.Run("first-page", func(b *testing.B) {
		for b.Loop() {
			ts, next, err := f.svc.List(f.agent, flt)
			if err != nil || len(ts) != 50 || next == nil {
				b.Fatalf("%d tickets, %v", len(ts), err)
			}
		}
	})
	b.Run("first-page-16-clients", func(b *testing.B) {
		once(b, 16, 4000, func() error {
			_, _, err := f.svc.List(f.agent, flt)
			return err
		})
	})
	b.Run("active-queue-page-20", func(b *testing.B) {
		af := support.Filter{Active: true, Limit: 50}
		for b.Loop() {
			var cur *support.Cursor
			for i := 0; i < 20; i++ {
				af.After = cur
				_, next, err := f.svc.List(f.agent, af)
				if err != nil || next == nil {
					b.Fatal(err)
				}
				cur = next
			}
		}
	})
}

// once runs op total times from clients goroutines, once whatever b.N, and reports
// the throughput and the latencies' median and 99th percentile.
func once(b *testing.B, clients, total int, op func() error) {
	b.Helper()
	var lat []time.Duration
	var rate float64
	for b.Loop() {
		if lat == nil {
			lat, rate = parallel(b, clients, total, op)
		}
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(rate, "ops/s")
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // the figures are per call above, not per b.N
}

// parallel runs op total times from clients goroutines and returns each call's
// latency and the calls per second.
func parallel(b *testing.B, clients, total int, op func() error) ([]time.Duration, float64) {
	b.Helper()
	lat := make([]time.Duration, total)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	var firstErr error
	begin := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= total {
					return
				}
				t0 := time.Now()
				err := op()
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return lat, float64(total) / time.Since(begin).Seconds()
}
