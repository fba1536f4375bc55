package load

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/web"
	"gorm.io/gorm"
)

// CarrierSecret signs carrier webhooks in the in-process application.
const CarrierSecret = "load-carrier-secret"

// App is the real application, wired by internal/wire as cmd/fsc is, serving HTTP on a
// loopback port of its own.
type App struct {
	*wire.Services
	*Client
	web *web.Server
}

// StartApp wires the services on g and a Redis at redisURL ("" for an in-process one,
// enough when nothing waits for a worker) and serves them on 127.0.0.1. Logins are
// not rate-limited: a load run logs in more often than a person would.
func StartApp(ctx context.Context, g *gorm.DB, redisURL string, opts wire.Options) (*App, error) {
	r, err := jobs.OpenRedis(ctx, redisURL)
	if err != nil {
		return nil, err
	}
	opts.NoLoginLimit = true
	a := &App{Services: wire.New(g, r, opts)}
	a.web = web.New(web.Deps{DB: g, Redis: r, Dispatcher: a.Dispatcher, Auth: a.Auth, Contracts: a.Contracts,
		Inventory: a.Inventory, Orders: a.Orders, Support: a.Support, Webhooks: a.Webhooks, Reports: a.Reports, CarrierSecret: CarrierSecret,
		Logger: slog.Default()}) // fscload logs warnings only: no access log line per request
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.Close()
		return nil, err
	}
	go func() {
		if err := a.web.App.Listener(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			slog.Error("web", "err", err)
		}
	}()
	a.Client = NewClient("http://"+ln.Addr().String(), 256, time.Minute)
	return a, nil
}

// Close stops serving, waits for enqueues after commit, and closes Redis; the caller
// closes the database.
func (a *App) Close() {
	_ = a.web.App.ShutdownWithTimeout(5 * time.Second)
	a.Services.Close()
	a.Redis.Close()
}

// RedisKind says whether the application runs on an in-process or external Redis.
func (a *App) RedisKind() string {
	if a.Redis.Embedded != nil {
		return "in-process"
	}
	return "external"
}
