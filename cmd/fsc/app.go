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
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/web"
)

// app is one process: its connections and the services wired on them.
type app struct {
	*wire.Services
	cfg *Config
}

// open connects to the database and Redis and builds the services. The embedded
// default (SQLite) migrates itself; PostgreSQL is migrated by `fsc migrate`, which an
// instance started beside it waits for (up to cfg.MigrateWait), as orchestrators start
// everything at once.
func open(ctx context.Context, cfg *Config) (*app, error) {
	g, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if db.DialectOf(g) == db.SQLite {
		err = db.Migrate(g)
	} else {
		err = db.WaitMigrated(ctx, g, cfg.MigrateWait, 500*time.Millisecond)
	}
	if err != nil {
		db.Close(g)
		return nil, err
	}
	r, err := jobs.OpenRedis(ctx, cfg.RedisURL)
	if err != nil {
		db.Close(g)
		return nil, err
	}
	s := wire.New(g, r, wire.Options{CarrierURL: cfg.CarrierURL, ShutdownTimeout: cfg.ShutdownTimeout, CitizenRetention: cfg.CitizenRetention,
		WebhookAllowPrivate: cfg.WebhookAllowPrivate, Centre: cfg.centre()})
	if cfg.ContractNoticeDays <= 0 || cfg.ContractNoticeDays > contracts.MaxExpiringDays {
		s.Close()
		r.Close()
		db.Close(g)
		return nil, fmt.Errorf("FSC_CONTRACT_NOTICE_DAYS %d: want 1 to %d", cfg.ContractNoticeDays, contracts.MaxExpiringDays)
	}
	s.Contracts.NoticeDays = cfg.ContractNoticeDays
	return &app{Services: s, cfg: cfg}, nil
}

func (a *app) close() {
	a.Services.Close()
	a.Redis.Close()
	db.Close(a.DB)
}

func (a *app) newWeb() *web.Server {
	return web.New(web.Deps{DB: a.DB, Redis: a.Redis, Dispatcher: a.Dispatcher, Auth: a.Auth,
		Contracts: a.Contracts, Inventory: a.Inventory, Orders: a.Orders, Support: a.Support, Webhooks: a.Webhooks, Reports: a.Reports, CarrierSecret: a.cfg.CarrierSecret, SecureCookies: a.cfg.SecureCookies, Logger: slog.Default()})
}

func runMigrate(ctx context.Context, cfg *Config) error {
	g, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(g)
	applied, err := db.Apply(g)
	if err != nil {
		return err
	}
	slog.Info("migrations applied", "applied", len(applied), "total", len(db.Migrations()))
	return nil
}

// runBackup runs `fsc backup FILE` or `fsc restore FILE`.
func runBackup(ctx context.Context, cfg *Config, cmd, file string, force bool) error {
	if cmd == "backup" {
		if err := db.Backup(ctx, cfg.DatabaseURL, file); err != nil {
			return err
		}
		slog.Info("backup written", "file", file)
		return nil
	}
	if err := db.Restore(ctx, cfg.DatabaseURL, file, force); err != nil {
		return err
	}
	slog.Info("backup restored; run `fsc migrate` if this binary is newer than the backup", "file", file)
	return nil
}

func runDemo(ctx context.Context, cfg *Config) error {
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	logins, err := loadDemo(a.BaseContext(), a)
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
	base := a.BaseContext()
	if created, err := a.Auth.EnsureAdmin(base, cfg.AdminEmail, cfg.AdminPassword); err != nil {
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
	if a.Redis.Embedded != nil && cmd == "serve" {
		slog.Warn("serve with an in-process Redis: no worker shares it, so jobs wait; set FSC_REDIS_URL or run `fsc`")
	}

	var w *jobs.Worker
	if cmd == "all" || cmd == "worker" {
		if w, err = a.StartWorker(cfg.WorkerConcurrency); err != nil {
			return err
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
	slog.Info("running", "command", cmd, "database", db.DialectOf(a.DB), "redis", redisKind(a.Redis))

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
