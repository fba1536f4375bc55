// Package wire is the composition root: it builds the domain services with every hook
// between them, the outbox dispatcher, and the job worker with every domain's handlers
// and schedule, once, for cmd/fsc, the load tools and the tests.
//
// It is the one package under internal/ that imports the domains; no domain imports it,
// and it imports no web package (a web server is built from a *Services by its caller).
// It opens nothing: the caller owns the database and Redis and closes them.
package wire

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/webhook"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/support"
	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Options are the settings that change how the services are built.
type Options struct {
	// CarrierURL is the base URL of the carrier's API; "" books with the manual
	// carrier. Carrier, when set, wins: a fake carrier in tests and load runs.
	CarrierURL string
	Carrier    orders.Carrier
	// NoLoginLimit turns login rate limiting off, for load tools that log many users
	// in from one address. Production and tests keep it on.
	NoLoginLimit bool
	// ShutdownTimeout is how long a worker's Shutdown waits for tasks in flight; 25 s
	// if zero.
	ShutdownTimeout time.Duration
	// CitizenRetention is how long orders keeps a citizen's data after the last device
	// came back (0: orders.DefaultCitizenRetention).
	CitizenRetention time.Duration
	// WebhookAllowPrivate lets webhooks point at loopback and private addresses
	// (FSC_WEBHOOK_ALLOW_PRIVATE; the tests set it).
	WebhookAllowPrivate bool
	// Centre is the supplier of the billing e-invoices.
	Centre reports.Centre
}

// Services are the wired services of one process and the connections they use.
type Services struct {
	DB         *gorm.DB
	Redis      *jobs.Redis
	Dispatcher *jobs.Dispatcher
	Auth       *auth.Service
	Contracts  *contracts.Service
	Inventory  *inventory.Service
	Orders     *orders.Service
	Support    *support.Service
	Webhooks   *webhook.Service
	Reports    *reports.Service

	opts      Options
	stopWatch func()
}

// New builds every service on g and r with its hooks: stock arriving in inventory
// fills orders' backorders, orders books with the carrier of opts, contracts checks
// price products against inventory, support escalates under contracts' SLA terms and
// swaps through orders, auth rate-limits logins on r, and state changes hand their
// outbox rows to asynq right after commit.
func New(g *gorm.DB, r *jobs.Redis, opts Options) *Services {
	s := &Services{DB: g, Redis: r, opts: opts}
	s.Dispatcher = jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	s.Dispatcher.UseRedis(r.Client)
	s.Contracts = contracts.NewService()
	s.Inventory = inventory.NewService(s.Contracts)
	s.Contracts.Products = s.Inventory
	s.Orders = orders.NewService(s.Inventory, s.Contracts)
	s.Inventory.StockArrived = s.Orders.StockArrived
	s.Inventory.Holders = s.Orders
	s.Orders.CitizenRetention = opts.CitizenRetention
	s.Support = support.NewService(s.Contracts, s.Inventory, s.Orders)
	s.Support.Vendors = s.Contracts
	s.Webhooks = webhook.NewService()
	s.Webhooks.AllowPrivate, s.Webhooks.Queue = opts.WebhookAllowPrivate, s.Dispatcher.Client
	s.Reports = reports.NewService(opts.Centre)
	switch {
	case opts.Carrier != nil:
		s.Orders.Carrier = opts.Carrier
	case opts.CarrierURL != "":
		s.Orders.Carrier = orders.NewHTTPCarrier(opts.CarrierURL)
	}
	var limiter *redis_rate.Limiter
	if !opts.NoLoginLimit {
		limiter = redis_rate.NewLimiter(r.Client)
	}
	s.Auth = auth.NewService(s.Contracts, limiter)
	s.stopWatch = s.Auth.Watch(r.Client, forgetChannel(r))
	return s
}

// forgetChannel is where the instances on one Redis database tell each other to forget
// cached sessions. Channels are shared by all of a server's databases, so the
// database's number is part of the name.
func forgetChannel(r *jobs.Redis) string {
	n := 0
	if c, ok := r.Client.(*redis.Client); ok {
		n = c.Options().DB
	}
	return "fsc:auth:forget:" + strconv.Itoa(n)
}

// Context returns ctx carrying the database, the dispatcher and principal p: where a
// service call outside an HTTP request starts.
func (s *Services) Context(ctx context.Context, p auth.Principal) context.Context {
	ctx = s.Dispatcher.NewContext(db.NewContext(ctx, s.DB))
	return auth.WithPrincipal(ctx, p)
}

// BaseContext is where every job and start-up step begins: the database, the
// dispatcher and the system principal.
func (s *Services) BaseContext() context.Context {
	return s.Context(context.Background(), auth.System)
}

// NewWorker returns a worker, not yet started, running concurrency tasks at once with
// the outbox middleware and reconciler and every domain's handlers and schedule.
func (s *Services) NewWorker(concurrency int) *jobs.Worker {
	w := jobs.NewWorker(s.Redis, jobs.WorkerConfig{Concurrency: concurrency, BaseContext: s.BaseContext,
		ShutdownTimeout: s.opts.ShutdownTimeout})
	w.UseOutbox(s.Dispatcher)
	s.Contracts.RegisterJobs(w)
	s.Inventory.RegisterJobs(w)
	s.Orders.RegisterJobs(w)
	s.Support.RegisterJobs(w)
	s.Webhooks.RegisterJobs(w)
	s.Reports.RegisterJobs(w)
	return w
}

// StartWorker starts NewWorker(concurrency) and hands over at once what the outbox
// holds from before (a crash, a Redis outage, rows written without a dispatcher),
// rather than at the first periodic reconcile. The caller calls Shutdown.
func (s *Services) StartWorker(concurrency int) (*jobs.Worker, error) {
	w := s.NewWorker(concurrency)
	if err := w.Start(); err != nil {
		return nil, err
	}
	if n, err := s.Dispatcher.Reconcile(s.BaseContext(), 1000); err != nil {
		slog.Warn("initial outbox reconcile", "err", err)
	} else if n > 0 {
		slog.Info("outbox reconciled at start", "enqueued", n)
	}
	return w, nil
}

// Close ends the session-forget subscription and waits for the enqueues after commit
// still in flight. It closes neither the database nor Redis: their opener does, after
// Close.
func (s *Services) Close() {
	s.stopWatch()
	s.Dispatcher.Wait()
}
