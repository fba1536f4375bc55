package ordersload

import (
	"context"
	"net/http/httptest"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/internal/wire"
	"gorm.io/gorm"
)

// Bench is the setting of `fscload orders` for another subcommand that needs orders
// to move (fscload webhooks): the application on loopback, booking through the HTTP
// carrier adapter with the fake carrier, seeded with a member, its kit and stock.
type Bench struct {
	*load.App
	r       *rig
	w       *world
	carrier *httptest.Server
}

// OpenDB opens and migrates databaseURL after the guards of `fscload orders`: a
// database named for measuring, on this machine, and empty (or emptied by reset).
func OpenDB(databaseURL string, reset, force bool) (*gorm.DB, error) {
	return openDB(config{databaseURL: databaseURL, reset: reset, force: force})
}

// StartBench starts the application on g with Redis at redisURL and opts (its
// carrier is the fake one), seeded with stock kits.
func StartBench(ctx context.Context, g *gorm.DB, redisURL string, stock int, opts wire.Options) (*Bench, error) {
	a := &rig{carrier: newFakeCarrier(0)}
	srv := httptest.NewServer(a.carrier)
	opts.CarrierURL, opts.Carrier = srv.URL, nil
	var err error
	if a.App, err = load.StartApp(ctx, g, redisURL, opts); err != nil {
		srv.Close()
		return nil, err
	}
	w, err := seed(ctx, a, stock, false)
	if err != nil {
		a.Close()
		srv.Close()
		return nil, err
	}
	return &Bench{App: a.App, r: a, w: w, carrier: srv}, nil
}

// LogisticsToken is a bearer token of a logistics user.
func (b *Bench) LogisticsToken() string { return b.w.logisticsTok }

// Dispatch runs the dispatch run of `fscload orders` (n reserved orders shipped over
// HTTP from clients, booked by a worker of the given concurrency, placing the orders
// first) and returns its shipments per second end to end. The worker it starts is
// stopped when it returns.
func (b *Bench) Dispatch(ctx context.Context, n, workers, clients int) (float64, error) {
	err := runDispatch(ctx, config{shipments: n, workers: workers, shipClients: clients}, b.r, b.w)
	return b.r.rate, err
}

// Close stops the application and the fake carrier; the caller closes the database.
func (b *Bench) Close() {
	b.App.Close()
	b.carrier.Close()
}
