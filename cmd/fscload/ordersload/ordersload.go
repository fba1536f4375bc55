// Package ordersload is `fscload orders`: it measures ordering and dispatch under
// load. On a fresh database it seeds a member, a scheme it takes part in, a kit (tablet
// + oximeter + 2 strips) and stock for every order it will place, starts the real
// application in-process on loopback, and then
//
//  1. places kit orders over HTTP (POST /api/v1/orders as a member user, each with its
//     own Idempotency-Key) from 1, 8 and 32 concurrent clients, and the same Place()
//     call in-process without HTTP at the same levels, printing orders/s, p50 and p99
//     and the HTTP/in-process ratio against the targets (≥ 200 orders/s and p99 <
//     100 ms at 32 clients over HTTP, HTTP ≥ 50 % of in-process);
//
//  2. ships 10,000 reserved orders over HTTP (POST /orders/{id}/ship) while the real
//     asynq worker books them with the HTTP carrier adapter against a fake carrier on
//     loopback, printing shipments/s until every one is booked, and checking that the
//     carrier booked each shipment exactly once.
//
// It writes only to a database whose name contains "load" or "bench" (or with -force),
// and only to an empty one unless -reset, which drops and recreates its public schema.
// To see where the time goes: -sqlstats times every statement per run,
// -no-consumable orders a kit of devices only (no ledger), -cpuprofile and
// -dispatch-cpuprofile write pprof files.
package ordersload

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/wire"
	"gorm.io/gorm"
)

// Summary is the line `fscload help` prints.
const Summary = "place kit orders over HTTP and in-process, then dispatch 10,000 shipments to a fake carrier"

type config struct {
	databaseURL    string
	redisURL       string
	orders         int
	maxDur         time.Duration
	levels         []int
	warmup         int
	shipments      int
	shipClients    int
	workers        int
	carrierLatency time.Duration
	reset, force   bool
	cpuProfile     string
	dispatchCPU    string
	skipPlace      bool
	noConsumable   bool
	sqlStats       bool
}

// rig is the application under load, the fake carrier it books with, and the SQL
// timing if asked for (nil otherwise).
type rig struct {
	*load.App
	carrier *fakeCarrier
	sql     *load.SQLStats
	rate    float64 // shipments/s end to end of the last dispatch run
}

// Run runs the subcommand with its arguments.
func Run(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("fscload orders", flag.ContinueOnError)
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL URL of a database for this command (required for the real figures)")
	fs.StringVar(&cfg.redisURL, "redis-url", "", "Redis for asynq (a database of its own); empty for an in-process Redis")
	fs.IntVar(&cfg.orders, "orders", 2000, "orders per concurrency level and mode")
	fs.DurationVar(&cfg.maxDur, "d", 60*time.Second, "at most this long per level and mode")
	levels := fs.String("levels", "1,8,32", "concurrent clients, comma-separated")
	fs.IntVar(&cfg.warmup, "warmup", 100, "orders placed first (per mode) and not counted")
	fs.IntVar(&cfg.shipments, "shipments", 10_000, "orders to ship and book in the dispatch run (0 to skip)")
	fs.IntVar(&cfg.shipClients, "ship-clients", 16, "concurrent HTTP clients calling POST /orders/{id}/ship")
	fs.IntVar(&cfg.workers, "workers", 32, "asynq worker concurrency in the dispatch run")
	fs.DurationVar(&cfg.carrierLatency, "carrier-latency", 0, "how long the fake carrier takes per booking")
	fs.BoolVar(&cfg.reset, "reset", false, "drop and recreate the database's public schema first")
	fs.BoolVar(&cfg.force, "force", false, "allow a database whose name has neither \"load\" nor \"bench\", or off this machine")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the order placement runs to this file")
	fs.StringVar(&cfg.dispatchCPU, "dispatch-cpuprofile", "", "write a CPU profile of the dispatch run to this file")
	fs.BoolVar(&cfg.skipPlace, "skip-place", false, "skip the order placement runs")
	fs.BoolVar(&cfg.noConsumable, "no-consumable", false, "a kit of devices only (no strips from the ledger), to see what the ledger costs")
	fs.BoolVar(&cfg.sqlStats, "sqlstats", false, "time every SQL statement the application runs and print the top ones per run")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fscload orders [flags]\n\n%s.\n\nFlags:\n", Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -levels %q", *levels)
		}
		cfg.levels = append(cfg.levels, n)
	}
	return run(ctx, cfg)
}

func run(ctx context.Context, cfg config) error {
	g, err := openDB(cfg)
	if err != nil {
		return err
	}
	defer db.Close(g)
	a := &rig{carrier: newFakeCarrier(cfg.carrierLatency)}
	carrier := httptest.NewServer(a.carrier)
	defer carrier.Close()
	if a.App, err = load.StartApp(ctx, g, cfg.redisURL, wire.Options{CarrierURL: carrier.URL}); err != nil {
		return err
	}
	defer a.Close()
	if cfg.sqlStats {
		if a.sql, err = load.NewSQLStats(g); err != nil {
			return err
		}
	}
	placed := 0
	if !cfg.skipPlace {
		placed = 2 * (cfg.warmup + cfg.orders*len(cfg.levels))
	}
	stock := placed + max(cfg.shipments, 0) + 100
	w, err := seed(ctx, a, stock, cfg.noConsumable)
	if err != nil {
		return err
	}
	fmt.Printf("app: %s (GOMAXPROCS %d, %d CPUs), redis %s\n\n", a.Base, runtime.GOMAXPROCS(0), runtime.NumCPU(), a.RedisKind())
	if !cfg.skipPlace {
		if err := runPlacement(ctx, cfg, a, w); err != nil {
			return err
		}
		fmt.Println()
	}
	if cfg.shipments > 0 {
		return runDispatch(ctx, cfg, a, w)
	}
	return nil
}

// openDB opens and migrates the database after the guards: a database for measuring,
// on this machine, and empty (or emptied by -reset).
func openDB(cfg config) (*gorm.DB, error) {
	if cfg.databaseURL == "" {
		return nil, errors.New("-database-url is required (a PostgreSQL database for this command, e.g. fsc_orders_load)")
	}
	if !load.IsPostgres(cfg.databaseURL) {
		fmt.Println("warning: not PostgreSQL; the figures will not say much about production")
	}
	if err := load.CheckHost(cfg.databaseURL, cfg.force); err != nil {
		return nil, err
	}
	g, err := db.Open(cfg.databaseURL)
	if err != nil {
		return nil, err
	}
	if err := prepareDB(g, cfg); err != nil {
		db.Close(g)
		return nil, err
	}
	return g, nil
}

func prepareDB(g *gorm.DB, cfg config) error {
	name, err := load.DatabaseName(g)
	if err != nil {
		return err
	}
	if db.DialectOf(g) == db.Postgres && !load.Writable(name, cfg.force) {
		return fmt.Errorf("database %q: fscload orders writes only to a database whose name contains \"load\" or \"bench\" (or use -force)", name)
	}
	if cfg.reset {
		if err := load.ResetSchema(g); err != nil {
			return err
		}
	}
	if n, err := load.TableCount(g); err != nil {
		return err
	} else if n > 0 {
		return errors.New("the database is not empty; run with -reset to drop and recreate its public schema")
	}
	start := time.Now()
	if err := db.Migrate(g); err != nil {
		return err
	}
	fmt.Printf("database: %s, migrated in %s\n", db.DialectOf(g), time.Since(start).Round(time.Millisecond))
	return nil
}

// hammer calls fn from conc clients until n calls were made or d has passed.
func hammer(ctx context.Context, conc, n int, d time.Duration, fn func() error) load.Result {
	return load.Run(ctx, conc, d, n, func(*rand.Rand) error { return fn() })
}
