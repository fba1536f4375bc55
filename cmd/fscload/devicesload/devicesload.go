// Package devicesload is `fscload devices`: it measures the device inventory at
// production scale. It seeds a PostgreSQL database with a million devices (once; later
// runs reuse them), starts the real application in-process on loopback, and measures
// under concurrent load
//
//   - the device list filtered by state and product: the first page and a page ~200
//     pages deep (keyset cursor),
//   - the lookup of a device by serial,
//   - GET /stock across all products,
//   - the reservation pick (inventory.PickDevices) as a service call,
//
// printing requests/s and p50/p90/p99/max per scenario, the EXPLAIN ANALYZE of the SQL
// each scenario runs (captured from the application, not re-typed), and a summary
// against the targets: list p99 < 20 ms, serial lookup p99 < 5 ms.
//
// It only writes to a database whose name contains "bench" or "load" (or with -force),
// and to SQLite only with a small -devices.
package devicesload

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/wire"
	"gorm.io/gorm"
)

// Summary is the line `fscload help` prints.
const Summary = "seed 1,000,000 devices on PostgreSQL and measure lists, lookups, stock and the reservation pick"

// Targets from the issue.
const (
	listTarget   = 20 * time.Millisecond
	serialTarget = 5 * time.Millisecond
	stockWatch   = 50 * time.Millisecond // not a target; above it we propose a change
	sqliteMax    = 50_000
)

const (
	adminEmail    = "bench-admin@fsc.example"
	adminPassword = "bench-password-2026"
)

type options struct {
	url      string
	devices  int
	conc     int
	dur      time.Duration
	warm     time.Duration
	maxReq   int
	reset    bool
	force    bool
	deep     int
	also     []int
	explain  bool
	fullPlan bool
	cpuProf  string
	only     string
}

// Run runs the subcommand with its arguments.
func Run(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("fscload devices", flag.ContinueOnError)
	fs.StringVar(&o.url, "database-url", os.Getenv("FSC_DATABASE_URL"), "postgres://… of the bench database (default: $FSC_DATABASE_URL)")
	fs.IntVar(&o.devices, "devices", 1_000_000, "devices to have in the database (seeds the difference)")
	fs.IntVar(&o.conc, "c", 16, "concurrent HTTP clients per scenario")
	fs.DurationVar(&o.dur, "d", 10*time.Second, "measuring time per scenario (at most 2m)")
	fs.DurationVar(&o.warm, "warmup", time.Second, "uncounted requests before each scenario")
	fs.IntVar(&o.maxReq, "n", 2_000_000, "at most this many requests per scenario")
	fs.BoolVar(&o.reset, "reset", false, "drop and recreate the bench schema first")
	fs.BoolVar(&o.force, "force", false, "allow seeding or -reset on a database whose name has neither \"bench\" nor \"load\"")
	fs.IntVar(&o.deep, "deep", 200, "how many pages deep the deep-page scenario walks")
	also := fs.String("also", "4,1", "also measure at these client counts, a third of -d each (1 = service time without queueing; \"\" for none)")
	fs.BoolVar(&o.explain, "explain", true, "EXPLAIN ANALYZE the SQL behind each scenario")
	fs.BoolVar(&o.fullPlan, "full-plan", true, "print whole plans, not only the top node")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of the measuring phase (client and server) to this file")
	fs.StringVar(&o.only, "only", "", "measure only scenarios whose name contains this")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fscload devices [flags]\n\n%s.\n\nFlags:\n", Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range strings.Split(*also, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return errors.New("-also wants client counts like 4,1")
		}
		o.also = append(o.also, n)
	}
	return run(ctx, o)
}

func run(ctx context.Context, o options) error {
	if o.url == "" {
		return errors.New("no database: pass -database-url postgres://… or set FSC_DATABASE_URL")
	}
	if !load.IsPostgres(o.url) && o.devices > sqliteMax {
		return fmt.Errorf("refusing to seed %d devices into SQLite: the benchmark is for PostgreSQL (postgres://…); use -devices %d or fewer for a smoke run", o.devices, sqliteMax)
	}
	if o.devices < 1000 || o.conc < 1 || o.dur <= 0 {
		return errors.New("need -devices >= 1000, -c >= 1 and -d > 0")
	}
	o.dur = min(o.dur, 2*time.Minute)

	g, err := db.Open(o.url)
	if err != nil {
		return err
	}
	defer db.Close(g)
	name, err := load.DatabaseName(g)
	if err != nil {
		return err
	}
	writable := load.Writable(name, o.force)
	fmt.Printf("fscload devices: database %s (%s), %d devices wanted, %d clients, %s per scenario\n",
		name, db.DialectOf(g), o.devices, o.conc, o.dur)
	if err := migrate(g, name, writable, o.reset); err != nil {
		return err
	}
	fx, err := seed(ctx, g, o.devices, writable)
	if err != nil {
		return err
	}

	capture := &sqlCapture{}
	if err := capture.install(g); err != nil {
		return err
	}
	a, err := startApp(ctx, g)
	if err != nil {
		return err
	}
	defer a.Close()

	sc, err := prepare(ctx, g, a, fx, o)
	if err != nil {
		return err
	}
	if o.only != "" {
		sc = slices.DeleteFunc(sc, func(s scenario) bool { return !strings.Contains(s.Name, o.only) })
	}
	if o.explain {
		for i := range sc {
			if err := explainScenario(ctx, g, a, capture, &sc[i], o.fullPlan); err != nil {
				return err
			}
		}
	}
	stop, err := load.CPUProfile(o.cpuProf)
	if err != nil {
		return err
	}
	defer stop()
	pgName := ""
	if db.DialectOf(g) == db.Postgres {
		pgName = name
	}
	for i := range sc {
		measure(ctx, a, &sc[i], o, pgName)
	}
	summary(sc, o)
	return nil
}

// migrate resets the schema if asked and applies pending migrations, on a database
// fscload may write to.
func migrate(g *gorm.DB, name string, writable, reset bool) error {
	if reset {
		if !writable {
			return fmt.Errorf("refusing -reset on database %q: its name contains neither \"bench\" nor \"load\" (use -force)", name)
		}
		if err := load.ResetSchema(g); err != nil {
			return err
		}
		fmt.Println("reset: schema dropped and recreated")
	}
	pending, err := db.Pending(g)
	if err != nil {
		return err
	}
	if len(pending) > 0 && !writable {
		return fmt.Errorf("database %q has %d unapplied migrations and its name contains neither \"bench\" nor \"load\"; refusing to migrate it (use -force)", name, len(pending))
	}
	start := time.Now()
	if err := db.Migrate(g); err != nil {
		return err
	}
	fmt.Printf("migrate: done in %s\n", since(start))
	return nil
}

// startApp starts the application and logs in as the bench admin, whom it creates if
// missing. Nothing here waits for a worker, so Redis is in-process.
func startApp(ctx context.Context, g *gorm.DB) (*load.App, error) {
	a, err := load.StartApp(ctx, g, "", wire.Options{})
	if err != nil {
		return nil, err
	}
	if err := ensureAdmin(ctx, a); err != nil {
		a.Close()
		return nil, err
	}
	fmt.Printf("app: listening on %s, logged in as %s\n", a.Base, adminEmail)
	return a, nil
}

func ensureAdmin(ctx context.Context, a *load.App) error {
	var err error
	if a.Token, err = a.Login(adminEmail, adminPassword); err == nil {
		return nil // a reused database
	}
	sys := a.Context(ctx, auth.System)
	created, err := a.Auth.EnsureAdmin(sys, adminEmail, adminPassword)
	if err == nil && !created { // other users exist: add ours beside them
		_, err = a.Auth.CreateUser(sys, auth.NewUser{Email: adminEmail, Name: "Bench admin", Password: adminPassword, Role: auth.RoleAdmin})
	}
	if err != nil {
		return fmt.Errorf("bench admin: %w (a reused database with another password? run with -reset)", err)
	}
	a.Token, err = a.Login(adminEmail, adminPassword)
	return err
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
