package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
)

// TypeReconcileOutbox is the periodic task that runs Dispatcher.Reconcile.
const TypeReconcileOutbox = "jobs:reconcile-outbox"

// Periodic is a task the scheduler enqueues on a cron spec.
type Periodic struct {
	Spec string // cron spec or "@every 30s"
	Type string
	// Unique is how long the task id of one period is held after its run, so that
	// every worker running a scheduler still yields one run per period (see schedule).
	Unique time.Duration
}

// Worker processes tasks and runs the periodic schedule.
type Worker struct {
	server   *asynq.Server
	client   *asynq.Client
	mux      *asynq.ServeMux
	periodic []Periodic
	sched    *scheduler
}

// Registry is where a domain registers its task handlers and periodic tasks, each in
// its own RegisterJobs method, so the job mux is built in one place. *Worker is one.
type Registry interface {
	// Handle routes tasks of type typ to h.
	Handle(typ string, h asynq.HandlerFunc)
	// Every schedules a task of type typ on spec (see Periodic).
	Every(spec, typ string, unique time.Duration)
}

var _ Registry = (*Worker)(nil)

// WorkerConfig configures NewWorker.
type WorkerConfig struct {
	Concurrency int
	// BaseContext returns the context handlers start from: it must carry the database,
	// the system principal and the dispatcher.
	BaseContext func() context.Context
	// ShutdownTimeout is how long Shutdown waits for tasks in flight; 25 s if zero.
	ShutdownTimeout time.Duration
	// DelayedCheck is how often tasks scheduled for later (retries) are looked for;
	// asynq's 5 s if zero. Tests of short back-offs shorten it.
	DelayedCheck time.Duration
}

// NewWorker returns a worker whose handlers are registered on Mux().
func NewWorker(r *Redis, cfg WorkerConfig) *Worker {
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 10
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 25 * time.Second
	}
	srv := asynq.NewServer(r.ConnOpt(), asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1},
		BaseContext:              cfg.BaseContext,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		RetryDelayFunc:           backoff,
		DelayedTaskCheckInterval: cfg.DelayedCheck,
		Logger:                   slogAdapter{},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			slog.Warn("task failed", "type", t.Type(), "err", err)
		}),
	})
	return &Worker{server: srv, client: asynq.NewClientFromRedisClient(r.Client), mux: asynq.NewServeMux()}
}

// Mux is where handlers are registered before Start.
func (w *Worker) Mux() *asynq.ServeMux { return w.mux }

// Handle routes tasks of type typ to h.
func (w *Worker) Handle(typ string, h asynq.HandlerFunc) { w.mux.Handle(typ, h) }

// Every schedules task type typ on spec.
func (w *Worker) Every(spec, typ string, unique time.Duration) {
	w.periodic = append(w.periodic, Periodic{Spec: spec, Type: typ, Unique: unique})
}

// UseOutbox makes the worker honour d's outbox: a task whose row is done is skipped and
// a row is marked done when its task succeeds; and it runs the reconciler every 30 s,
// which hands over whatever a crash or a Redis outage left in the outbox.
func (w *Worker) UseOutbox(d *Dispatcher) {
	w.mux.Use(OutboxMiddleware(d.Root))
	w.mux.Handle(TypeReconcileOutbox, ReconcileHandler(d))
	w.Every("@every 30s", TypeReconcileOutbox, 25*time.Second)
}

// Start starts processing and the schedule. It returns an error if Redis refuses.
func (w *Worker) Start() error {
	sched, err := newScheduler(w.client, w.periodic)
	if err != nil {
		return err
	}
	if err := w.server.Start(w.mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	w.sched = sched
	sched.start()
	return nil
}

// Shutdown stops taking tasks and waits for those in flight.
func (w *Worker) Shutdown() {
	if w.sched != nil {
		w.sched.stop()
	}
	w.server.Shutdown()
}

// backoff doubles the wait after each failure, from 2 s up to 10 min, with jitter so
// that retries after an outage do not arrive together.
func backoff(n int, _ error, _ *asynq.Task) time.Duration {
	d := 2 * time.Second << min(n, 9)
	d = min(d, 10*time.Minute)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// ReconcileHandler returns the handler of TypeReconcileOutbox.
func ReconcileHandler(d *Dispatcher) asynq.HandlerFunc {
	return func(ctx context.Context, _ *asynq.Task) error {
		n, err := d.Reconcile(ctx, 1000)
		if n > 0 {
			slog.Info("outbox reconciled", "enqueued", n)
		}
		return err
	}
}

// slogAdapter lets asynq log through log/slog.
type slogAdapter struct{}

func (slogAdapter) Debug(args ...any) { slog.Debug(fmt.Sprint(args...), "component", "asynq") }
func (slogAdapter) Info(args ...any)  { slog.Info(fmt.Sprint(args...), "component", "asynq") }
func (slogAdapter) Warn(args ...any)  { slog.Warn(fmt.Sprint(args...), "component", "asynq") }
func (slogAdapter) Error(args ...any) { slog.Error(fmt.Sprint(args...), "component", "asynq") }
func (slogAdapter) Fatal(args ...any) { slog.Error(fmt.Sprint(args...), "component", "asynq") }
