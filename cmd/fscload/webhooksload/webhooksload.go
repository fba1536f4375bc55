// Package webhooksload is `fscload webhooks`: it measures webhook delivery against
// carrier booking on the same machine. On a fresh database it seeds what `fscload
// orders` seeds, then
//
//  1. runs the dispatch run of `fscload orders` (N reserved orders shipped over HTTP,
//     booked by the real worker through the HTTP carrier adapter against a fake
//     carrier on loopback): the carrier-booking rate, shipments/s end to end;
//  2. subscribes an integration's webhook to order.status_changed at a receiver on
//     loopback, and marks the N shipped orders delivered over HTTP (POST
//     /orders/{id}/deliver) from the same number of clients while a worker of the same
//     concurrency sends the N deliveries: deliveries/s end to end, from the first call
//     to the last delivery received.
//
// It checks that the receiver got N deliveries, each delivery id exactly once, each
// signed, one per order, and prints the ratio to the booking rate (target ≥ 50 %).
// It writes only to a database whose name contains "load" or "bench" (or with
// -force), and only to an empty one unless -reset.
package webhooksload

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/cmd/fscload/ordersload"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/webhook"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/orders"
)

// Summary is the line `fscload help` prints.
const Summary = "10,000 order status changes to a webhook receiver on loopback, against the carrier-booking rate"

type config struct {
	databaseURL, redisURL string
	n, workers, clients   int
	latency               time.Duration
	reset, force          bool
}

// Run runs the subcommand with its arguments.
func Run(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("fscload webhooks", flag.ContinueOnError)
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL URL of a database for this command (required)")
	fs.StringVar(&cfg.redisURL, "redis-url", "", "Redis for asynq (a database of its own); empty for an in-process Redis")
	fs.IntVar(&cfg.n, "n", 10_000, "orders shipped (the booking run) and then delivered (the webhook run)")
	fs.IntVar(&cfg.workers, "workers", 32, "asynq worker concurrency in both runs")
	fs.IntVar(&cfg.clients, "clients", 16, "concurrent HTTP clients calling ship, then deliver")
	fs.DurationVar(&cfg.latency, "receiver-latency", 0, "how long the webhook receiver takes per delivery")
	fs.BoolVar(&cfg.reset, "reset", false, "drop and recreate the database's public schema first")
	fs.BoolVar(&cfg.force, "force", false, "allow a database whose name has neither \"load\" nor \"bench\", or off this machine")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fscload webhooks [flags]\n\n%s.\n\nFlags:\n", Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.n < 1 {
		return errors.New("-n must be at least 1")
	}
	return run(ctx, cfg)
}

// receiver counts deliveries by id and checks each signature.
type receiver struct {
	secret  string
	latency time.Duration
	mu      sync.Mutex
	byID    map[string]int
	orders  map[int64]int
	calls   atomic.Int64
	bad     atomic.Int64
	last    atomic.Int64 // unix nanoseconds of the last new delivery
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.calls.Add(1)
	b, _ := io.ReadAll(r.Body)
	var body struct {
		ID   int64 `json:"id"`
		Data struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"data"`
	}
	if !webhook.Verify(rc.secret, r.Header.Get(webhook.HeaderSignature), b) || json.Unmarshal(b, &body) != nil ||
		r.Header.Get(webhook.HeaderDelivery) != fmt.Sprint(body.ID) || body.Data.Status != string(orders.Delivered) {
		rc.bad.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if rc.latency > 0 {
		time.Sleep(rc.latency)
	}
	rc.mu.Lock()
	rc.byID[r.Header.Get(webhook.HeaderDelivery)]++
	rc.orders[body.Data.ID]++
	rc.mu.Unlock()
	rc.last.Store(time.Now().UnixNano())
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) distinct() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.byID)
}

func run(ctx context.Context, cfg config) error {
	g, err := ordersload.OpenDB(cfg.databaseURL, cfg.reset, cfg.force)
	if err != nil {
		return err
	}
	defer db.Close(g)
	b, err := ordersload.StartBench(ctx, g, cfg.redisURL, cfg.n+100, wire.Options{WebhookAllowPrivate: true})
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Printf("app: %s (GOMAXPROCS %d, %d CPUs), redis %s\n\n", b.Base, runtime.GOMAXPROCS(0), runtime.NumCPU(), b.RedisKind())

	fmt.Printf("1. carrier booking: %d orders shipped and booked\n", cfg.n)
	bookRate, err := b.Dispatch(ctx, cfg.n, cfg.workers, cfg.clients)
	if err != nil {
		return err
	}

	fmt.Printf("\n2. webhooks: %d orders delivered, one order.status_changed delivery each\n", cfg.n)
	rc := &receiver{secret: "load-webhook-secret-0123456789", latency: cfg.latency, byID: map[string]int{}, orders: map[int64]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	admin := b.Context(ctx, auth.Principal{Name: "load-admin", Role: auth.RoleAdmin})
	if _, err := b.Webhooks.Create(admin, webhook.NewSubscription{URL: srv.URL + "/hook", Events: []string{webhook.OrderStatusChanged}, Secret: rc.secret}); err != nil {
		return err
	}
	var ids []int64
	if err := b.DB.Table("orders").Where("status = ?", orders.Shipped).Order("id").Limit(cfg.n).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if len(ids) < cfg.n {
		return fmt.Errorf("only %d shipped orders to deliver", len(ids))
	}
	wk, err := b.StartWorker(cfg.workers)
	if err != nil {
		return err
	}
	defer wk.Shutdown()
	var next atomic.Int64
	start := time.Now()
	done := make(chan load.Result, 1)
	tok := b.LogisticsToken()
	go func() {
		done <- load.Run(ctx, cfg.clients, time.Hour, cfg.n, func(*rand.Rand) error {
			id := ids[next.Add(1)-1]
			st, body, err := b.Request("POST", fmt.Sprintf("/api/v1/orders/%d/deliver", id), tok, nil, nil)
			if err != nil {
				return err
			}
			if st != 200 {
				return fmt.Errorf("deliver order %d: %d %.200s", id, st, body)
			}
			return nil
		})
	}()
	var calls load.Result
	callsDone := false
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Minute)
	for rc.distinct() < cfg.n {
		select {
		case calls = <-done:
			callsDone = true
			if calls.Errors > 0 {
				return fmt.Errorf("deliver calls: %d errors, first: %s", calls.Errors, calls.FirstErr)
			}
		case <-tick.C:
		case <-deadline:
			return fmt.Errorf("timed out: %d of %d deliveries received", rc.distinct(), cfg.n)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	total := time.Unix(0, rc.last.Load()).Sub(start)
	if !callsDone {
		calls = <-done
	}
	fmt.Printf("  deliver calls: %d in %.2fs, %.1f/s, p50 %s, p99 %s\n", calls.N(), calls.Elapsed.Seconds(), calls.Rate(),
		load.Ms(calls.Pct(.5)), load.Ms(calls.Pct(.99)))
	// Late duplicates would arrive within a moment: let the worker settle.
	time.Sleep(500 * time.Millisecond)
	var delivered, other int64
	b.DB.Table("webhook_deliveries").Where("status = ?", webhook.Delivered).Count(&delivered)
	b.DB.Table("webhook_deliveries").Where("status <> ?", webhook.Delivered).Count(&other)
	rc.mu.Lock()
	twice, ordersTwice := 0, 0
	for _, c := range rc.byID {
		if c != 1 {
			twice++
		}
	}
	for _, c := range rc.orders {
		if c != 1 {
			ordersTwice++
		}
	}
	distinct, distinctOrders := len(rc.byID), len(rc.orders)
	rc.mu.Unlock()
	rate := float64(cfg.n) / total.Seconds()
	fmt.Printf("  receiver: %d calls, %d delivery ids, %d received more than once, %d orders (%d more than once), %d bad; rows delivered %d, other %d\n",
		rc.calls.Load(), distinct, twice, distinctOrders, ordersTwice, rc.bad.Load(), delivered, other)
	fmt.Println()
	fmt.Printf("carrier bookings: %8.1f shipments/s end to end (worker concurrency %d, %d clients)\n", bookRate, cfg.workers, cfg.clients)
	fmt.Printf("webhooks:         %8.1f deliveries/s end to end (worker concurrency %d, %d clients, receiver latency %s)\n", rate, cfg.workers, cfg.clients, cfg.latency)
	ratio := rate / bookRate
	verdict := "PASS"
	if ratio < 0.5 {
		verdict = "MISS"
	}
	fmt.Printf("target: deliveries ≥ 50%% of the booking rate: %.0f%% %s\n", 100*ratio, verdict)
	if twice > 0 || distinct != cfg.n || distinctOrders != cfg.n || ordersTwice > 0 || rc.bad.Load() > 0 || delivered != int64(cfg.n) || other > 0 {
		return errors.New("webhook check failed")
	}
	return nil
}
