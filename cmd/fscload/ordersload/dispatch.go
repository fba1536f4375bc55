package ordersload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/orders"
)

// fakeCarrier answers POST /shipments like the carrier: one booking per
// Idempotency-Key, the same tracking number for a repeat.
type fakeCarrier struct {
	mu       sync.Mutex
	tracking map[string]string
	booked   map[string]int
	calls    atomic.Int64
	bad      atomic.Int64
	latency  time.Duration
}

func (fc *fakeCarrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fc.calls.Add(1)
	key := r.Header.Get("Idempotency-Key")
	var b struct {
		Reference string         `json:"reference"`
		Direction string         `json:"direction"`
		Recipient orders.Address `json:"recipient"`
		Parcels   int            `json:"parcels"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if r.Method != "POST" || r.URL.Path != "/shipments" || key == "" || dec.Decode(&b) != nil || b.Reference == "" || b.Parcels < 1 {
		fc.bad.Add(1)
		http.Error(w, `{"error":"bad booking"}`, http.StatusBadRequest)
		return
	}
	if fc.latency > 0 {
		time.Sleep(fc.latency)
	}
	fc.mu.Lock()
	tr, ok := fc.tracking[key]
	if !ok {
		tr = fmt.Sprintf("TRK%09d", len(fc.tracking)+1)
		fc.tracking[key] = tr
		fc.booked[key]++
	}
	fc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"tracking_number":%q}`, tr)
}

func newFakeCarrier(latency time.Duration) *fakeCarrier {
	return &fakeCarrier{tracking: map[string]string{}, booked: map[string]int{}, latency: latency}
}

func runDispatch(ctx context.Context, cfg config, a *rig, w *world) error {
	n := cfg.shipments
	// Reserved orders to ship: those placed above, topped up in-process.
	var ids []int64
	if err := a.DB.Table("orders").Where("status = ?", orders.Reserved).Order("id").Limit(n).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if missing := n - len(ids); missing > 0 {
		start := time.Now()
		p := &placer{a: a, w: w, ctx: a.Context(ctx, w.memberUser)}
		p.seq.Store(10_000_000)
		if r := hammer(ctx, 16, missing, time.Hour, p.inProcess); r.Errors > 0 {
			return fmt.Errorf("placing orders to ship: %d errors, first: %s", r.Errors, r.FirstErr)
		}
		fmt.Printf("placed %d more orders to ship in %s\n", missing, time.Since(start).Round(time.Millisecond))
		ids = ids[:0]
		if err := a.DB.Table("orders").Where("status = ?", orders.Reserved).Order("id").Limit(n).Pluck("id", &ids).Error; err != nil {
			return err
		}
	}
	if len(ids) < n {
		return fmt.Errorf("only %d reserved orders to ship", len(ids))
	}

	// The real worker, with every handler cmd/fsc registers, books through the HTTP
	// carrier adapter against the fake carrier; it first hands over the outbox rows
	// written before (fill-backorders from the receipts).
	fc := a.carrier
	wk, err := a.StartWorker(cfg.workers)
	if err != nil {
		return err
	}
	defer wk.Shutdown()

	stop, err := load.CPUProfile(cfg.dispatchCPU)
	if err != nil {
		return err
	}
	defer stop()
	var next atomic.Int64
	start := time.Now()
	done := make(chan load.Result, 1)
	go func() {
		done <- hammer(ctx, cfg.shipClients, n, time.Hour, func() error {
			id := ids[next.Add(1)-1]
			st, b, err := a.Request("POST", fmt.Sprintf("/api/v1/orders/%d/ship", id), w.logisticsTok, nil, nil)
			if err != nil {
				return err
			}
			if st != 202 {
				return fmt.Errorf("ship order %d: %d %.200s", id, st, b)
			}
			return nil
		})
	}()
	var shipRes load.Result
	var shipDone bool
	var firstBooked time.Time
	var booked int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Minute)
	for booked < int64(n) {
		select {
		case shipRes = <-done:
			shipDone = true
			if shipRes.Errors > 0 {
				return fmt.Errorf("shipping: %d errors, first: %s", shipRes.Errors, shipRes.FirstErr)
			}
			fmt.Printf("  ship calls: %d in %.2fs, %.1f/s, p50 %s, p99 %s\n", shipRes.N(), shipRes.Elapsed.Seconds(), shipRes.Rate(),
				load.Ms(shipRes.Pct(.5)), load.Ms(shipRes.Pct(.99)))
		case <-tick.C:
			a.DB.Table("shipments").Where("status = ?", orders.ShipmentBooked).Count(&booked)
			if booked > 0 && firstBooked.IsZero() {
				firstBooked = time.Now()
			}
		case <-deadline:
			return fmt.Errorf("timed out: %d of %d shipments booked", booked, n)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	total := time.Since(start)
	a.rate = float64(n) / total.Seconds()
	if !shipDone {
		shipRes = <-done
		fmt.Printf("  ship calls: %d in %.2fs, %.1f/s, p50 %s, p99 %s\n", shipRes.N(), shipRes.Elapsed.Seconds(), shipRes.Rate(),
			load.Ms(shipRes.Pct(.5)), load.Ms(shipRes.Pct(.99)))
	}
	// Checks: one booking per shipment, every order shipped.
	fc.mu.Lock()
	twice := 0
	for _, c := range fc.booked {
		if c != 1 {
			twice++
		}
	}
	distinct := len(fc.tracking)
	fc.mu.Unlock()
	var shipped, failed, pendingOutbox int64
	a.DB.Table("orders").Where("status = ?", orders.Shipped).Count(&shipped)
	a.DB.Table("shipments").Where("status = ?", orders.ShipmentFailed).Count(&failed)
	a.DB.Table("outbox").Where("done_at IS NULL AND type = ?", orders.TypeBookShipment).Count(&pendingOutbox)
	fmt.Println()
	fmt.Printf("dispatch: %d shipments booked in %.2fs end to end: %.1f shipments/s (worker concurrency %d, %d ship clients, carrier latency %s)\n",
		n, total.Seconds(), float64(n)/total.Seconds(), cfg.workers, cfg.shipClients, cfg.carrierLatency)
	fmt.Printf("  carrier: %d calls, %d shipments booked, %d booked more than once, %d bad requests; orders shipped %d, shipments failed %d, booking tasks not done %d\n",
		fc.calls.Load(), distinct, twice, fc.bad.Load(), shipped, failed, pendingOutbox)
	if twice > 0 || distinct != n || fc.bad.Load() > 0 || failed > 0 {
		return errors.New("dispatch check failed")
	}
	return nil
}
