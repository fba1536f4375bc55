package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web"
	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

// app is the wiring of one process: connections, services, web server and worker.
type app struct {
	cfg        *Config
	db         *gorm.DB
	redis      *jobs.Redis
	dispatcher *jobs.Dispatcher
	auth       *auth.Service
	contracts  *contracts.Service
	inventory  *inventory.Service
	orders     *orders.Service
}

// open connects to the database and Redis and builds the services. The embedded
// default (SQLite) migrates itself; PostgreSQL must have been migrated by `fsc migrate`.
func open(ctx context.Context, cfg *Config) (*app, error) {
	g, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if db.DialectOf(g) == db.SQLite {
		if err := db.Migrate(g); err != nil {
			db.Close(g)
			return nil, err
		}
	} else if pending, err := db.Pending(g); err != nil || len(pending) > 0 {
		db.Close(g)
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("database has %d unapplied migrations (first: %s); run `fsc migrate`", len(pending), pending[0])
	}
	r, err := jobs.OpenRedis(ctx, cfg.RedisURL)
	if err != nil {
		db.Close(g)
		return nil, err
	}
	a := &app{cfg: cfg, db: g, redis: r}
	a.dispatcher = jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	a.contracts = contracts.NewService()
	a.inventory = inventory.NewService(a.contracts)
	a.orders = orders.NewService(a.inventory, a.contracts)
	a.inventory.StockArrived = a.orders.StockArrived
	if cfg.CarrierURL != "" {
		a.orders.Carrier = orders.NewHTTPCarrier(cfg.CarrierURL)
	}
	a.auth = auth.NewService(a.contracts, redis_rate.NewLimiter(r.Client))
	return a, nil
}

func (a *app) close() {
	a.dispatcher.Wait()
	a.redis.Close()
	db.Close(a.db)
}

// baseContext is where every job and start-up step begins: the database, the outbox
// dispatcher and the system principal.
func (a *app) baseContext() context.Context {
	ctx := db.NewContext(context.Background(), a.db)
	ctx = a.dispatcher.NewContext(ctx)
	return auth.WithPrincipal(ctx, auth.System)
}

// newWorker registers every task handler and periodic task.
func (a *app) newWorker() *jobs.Worker {
	w := jobs.NewWorker(a.redis, jobs.WorkerConfig{Concurrency: a.cfg.WorkerConcurrency, BaseContext: a.baseContext})
	mux := w.Mux()
	mux.Use(jobs.OutboxMiddleware(a.db))
	mux.Handle(jobs.TypeReconcileOutbox, jobs.ReconcileHandler(a.dispatcher))
	mux.HandleFunc(inventory.TypeImportDevices, a.inventory.HandleImport)
	w.Every("@every 30s", jobs.TypeReconcileOutbox, 25*time.Second)
	mux.HandleFunc(orders.TypeBookShipment, a.orders.HandleBookShipment)
	mux.HandleFunc(orders.TypeFillBackorders, func(ctx context.Context, _ *asynq.Task) error {
		_, err := a.orders.FillBackorders(ctx)
		return err
	})
	// Stock can also come back without a task (a crash before the outbox existed, a
	// manual fix in the database): sweep backorders now and then regardless.
	w.Every("@every 5m", orders.TypeFillBackorders, 4*time.Minute)
	mux.HandleFunc(inventory.TypeReorderCheck, a.inventory.HandleReorderCheck)
	w.Every("0 5 * * *", inventory.TypeReorderCheck, time.Hour) // early morning, before the warehouse opens
	return w
}

func (a *app) newWeb() *web.Server {
	return web.New(web.Deps{DB: a.db, Redis: a.redis, Dispatcher: a.dispatcher, Auth: a.auth,
		Contracts: a.contracts, Inventory: a.inventory, Orders: a.orders, CarrierSecret: a.cfg.CarrierSecret, SecureCookies: a.cfg.SecureCookies, Logger: slog.Default()})
}

func runMigrate(ctx context.Context, cfg *Config) error {
	g, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(g)
	pending, err := db.Pending(g)
	if err != nil {
		return err
	}
	if err := db.Migrate(g); err != nil {
		return err
	}
	slog.Info("migrations applied", "applied", len(pending), "total", len(db.Migrations()))
	return nil
}

func runDemo(ctx context.Context, cfg *Config) error {
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	logins, err := loadDemo(a.baseContext(), a)
	if err != nil {
		return err
	}
	printLogins(cfg, logins)
	return nil
}

// runServer runs the web server, the worker, or both (cmd "all"), until ctx ends, then
// finishes in-flight requests and tasks.
func runServer(ctx context.Context, cfg *Config, cmd string) error {
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	base := a.baseContext()
	if created, err := a.auth.EnsureAdmin(base, cfg.AdminEmail, cfg.AdminPassword); err != nil {
		return err
	} else if created {
		slog.Info("created first admin", "email", cfg.AdminEmail)
	}
	var logins []demoLogin
	if cmd == "all" && cfg.Demo {
		if logins, err = loadDemoOnce(base, a); err != nil {
			return err
		}
	}
	if a.redis.Embedded != nil && cmd == "serve" {
		slog.Warn("serve with an in-process Redis: no worker shares it, so jobs wait; set FSC_REDIS_URL or run `fsc`")
	}

	var w *jobs.Worker
	if cmd == "all" || cmd == "worker" {
		w = a.newWorker()
		if err := w.Start(); err != nil {
			return err
		}
		// The outbox may hold tasks from before a crash: hand them over now rather than
		// at the first periodic run.
		if n, err := a.dispatcher.Reconcile(base, 1000); err != nil {
			slog.Warn("initial outbox reconcile", "err", err)
		} else if n > 0 {
			slog.Info("outbox reconciled at start", "enqueued", n)
		}
	}
	var srv *web.Server
	errc := make(chan error, 1)
	if cmd == "all" || cmd == "serve" {
		srv = a.newWeb()
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", cfg.Addr, err)
		}
		go func() { errc <- srv.App.Listener(ln) }()
		printBanner(cfg, ln.Addr().String(), logins)
	}
	slog.Info("running", "command", cmd, "database", db.DialectOf(a.db), "redis", redisKind(a.redis))

	select {
	case <-ctx.Done():
		slog.Info("shutting down: finishing in-flight requests and tasks")
	case err := <-errc:
		if err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
	}
	if srv != nil {
		if err := srv.App.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil {
			slog.Warn("http shutdown", "err", err)
		}
	}
	if w != nil {
		w.Shutdown()
	}
	return nil
}

func redisKind(r *jobs.Redis) string {
	if r.Embedded != nil {
		return "in-process"
	}
	return "external"
}

func printBanner(cfg *Config, addr string, logins []demoLogin) {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n  Back office running at http://%s:%s/\n", host, port)
	if len(logins) > 0 {
		b.WriteString("\n  Demo logins (password for all: " + demoPassword + "):\n")
		for _, l := range logins {
			fmt.Fprintf(&b, "    %-12s %s\n", l.Role, l.Email)
		}
	}
	if cfg.AdminEmail != "" {
		fmt.Fprintf(&b, "\n  Admin from FSC_ADMIN_EMAIL: %s\n", cfg.AdminEmail)
	}
	b.WriteString("\n")
	fmt.Fprint(os.Stdout, b.String())
}

func printLogins(cfg *Config, logins []demoLogin) {
	printBanner(cfg, cfg.Addr, logins)
}
