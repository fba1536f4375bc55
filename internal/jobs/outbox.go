package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// OutboxRow is a task written in the same transaction as the state change that needs
// it. EnqueuedAt is set once asynq has it (and again whenever the reconciler finds
// asynq still holding it); DoneAt once its handler succeeded; FailedAt, with LastError,
// once asynq gave up on it (retries used up, or a handler refusing for good), after
// which nothing offers it again.
type OutboxRow struct {
	ID         int64  `gorm:"primaryKey"`
	Type       string `gorm:"not null"`
	Payload    string `gorm:"not null;type:text"`
	Queue      string `gorm:"not null"`
	CreatedAt  time.Time
	EnqueuedAt *time.Time
	DoneAt     *time.Time
	FailedAt   *time.Time
	LastError  string
}

// TableName keeps the table name stable.
func (OutboxRow) TableName() string { return "outbox" }

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202611220030_jobs_outbox",
		Migrate: func(tx *gorm.DB) error {
			type outbox struct {
				ID         int64  `gorm:"primaryKey"`
				Type       string `gorm:"not null"`
				Payload    string `gorm:"not null;type:text"`
				Queue      string `gorm:"not null"`
				CreatedAt  time.Time
				EnqueuedAt *time.Time
				DoneAt     *time.Time `gorm:"index:idx_outbox_pending,priority:1"`
			}
			return tx.Table("outbox").Migrator().CreateTable(&outbox{})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("outbox") },
	}, &gormigrate.Migration{
		ID: "202612100020_jobs_outbox_failed",
		Migrate: func(tx *gorm.DB) error {
			type outbox struct {
				FailedAt  *time.Time
				LastError string `gorm:"not null;default:''"`
			}
			m := tx.Table("outbox").Migrator()
			if err := m.AddColumn(&outbox{}, "FailedAt"); err != nil {
				return err
			}
			return m.AddColumn(&outbox{}, "LastError")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn("outbox", "last_error"); err != nil {
				return err
			}
			return tx.Migrator().DropColumn("outbox", "failed_at")
		},
	})
}

// Queue names, by urgency.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

const taskIDPrefix = "outbox:"

// Later writes a task of type typ with payload (marshalled as JSON) to the outbox in the
// transaction carried by ctx; it is handed to asynq after that transaction commits. An
// empty queue means QueueDefault. It returns an error if the payload cannot be
// marshalled or the row cannot be written, which rolls the transaction back.
func Later(ctx context.Context, typ, queue string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("outbox %s: marshal: %w", typ, err)
	}
	if queue == "" {
		queue = QueueDefault
	}
	row := &OutboxRow{Type: typ, Payload: string(b), Queue: queue}
	if err := db.Conn(ctx).Create(row).Error; err != nil {
		return fmt.Errorf("outbox %s: %w", typ, err)
	}
	if d, ok := ctx.Value(dispatcherKey{}).(*Dispatcher); ok {
		db.AfterCommit(ctx, func() { d.enqueueSoon(row) })
	}
	return nil
}

type dispatcherKey struct{}

// Dispatcher enqueues committed outbox rows to asynq, each under a task id derived from
// its row id, so no row is ever enqueued twice.
type Dispatcher struct {
	Client *asynq.Client
	Root   *gorm.DB
	// Stale is how long an enqueued row may go without being done before the reconciler
	// offers it to asynq again (asynq refuses it if it still holds the task). It applies
	// without UseRedis, which replaces blind offers by asking asynq.
	Stale time.Duration
	// Lag is how long an enqueued row may go without being done before a reconciler
	// with UseRedis asks asynq whether it still holds the task.
	Lag time.Duration

	redis     redis.UniversalClient // nil before UseRedis
	inspector *asynq.Inspector
	wg        sync.WaitGroup
}

// NewDispatcher returns a Dispatcher for g and c.
func NewDispatcher(g *gorm.DB, c *asynq.Client) *Dispatcher {
	return &Dispatcher{Client: c, Root: g, Stale: 5 * time.Minute, Lag: 30 * time.Second}
}

// UseRedis lets the reconciler see what asynq holds in r, the Redis behind Client:
// a Redis that lost its data (flushed, restarted without persistence, failed over to
// an empty replica) is noticed by a missing marker key and every undone row offered at
// once, and a row enqueued longer than Lag ago is re-offered only if asynq no longer
// holds its task, and marked failed if asynq archived it.
func (d *Dispatcher) UseRedis(r redis.UniversalClient) {
	d.redis, d.inspector = r, asynq.NewInspectorFromRedisClient(r)
}

// NewContext returns ctx carrying d, so that Later enqueues right after commit. Without
// it, rows wait for the reconciler.
func (d *Dispatcher) NewContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, dispatcherKey{}, d)
}

// enqueueSoon enqueues row in the background, so a slow or absent Redis never holds up
// the request that committed it; the reconciler covers any failure.
func (d *Dispatcher) enqueueSoon(row *OutboxRow) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := d.Enqueue(ctx, row); err != nil {
			slog.Warn("enqueue after commit failed; the reconciler will retry", "outbox_id", row.ID, "type", row.Type, "err", err)
		}
	}()
}

// Wait blocks until background enqueues have finished.
func (d *Dispatcher) Wait() { d.wg.Wait() }

// TaskID is the asynq task id of outbox row id.
func TaskID(id int64) string { return taskIDPrefix + strconv.FormatInt(id, 10) }

// Enqueue hands row to asynq and marks it enqueued. A task id asynq already holds counts
// as success. It returns the error of Redis or of the database.
func (d *Dispatcher) Enqueue(ctx context.Context, row *OutboxRow) error {
	return d.enqueueWith(ctx, d.Client, row)
}

func (d *Dispatcher) enqueueWith(ctx context.Context, c *asynq.Client, row *OutboxRow) error {
	t := asynq.NewTask(row.Type, []byte(row.Payload))
	_, err := c.EnqueueContext(ctx, t, asynq.TaskID(TaskID(row.ID)), asynq.Queue(row.Queue),
		asynq.MaxRetry(12), asynq.Retention(24*time.Hour))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue outbox %d: %w", row.ID, err)
	}
	now := time.Now().UTC()
	if err := d.Root.WithContext(ctx).Model(&OutboxRow{}).Where("id = ?", row.ID).Update("enqueued_at", now).Error; err != nil {
		return fmt.Errorf("mark outbox %d enqueued: %w", row.ID, err)
	}
	return nil
}

// outboxID returns the outbox row id of the task being handled, if it came from one.
func outboxID(ctx context.Context) (int64, bool) {
	tid, ok := asynq.GetTaskID(ctx)
	if !ok || !strings.HasPrefix(tid, taskIDPrefix) {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(tid, taskIDPrefix), 10, 64)
	return id, err == nil
}

// OutboxMiddleware skips tasks whose outbox row is already done and marks the row done
// when the handler succeeds, so a re-enqueued task does not run its work again. When
// asynq is about to archive a task (its last retry failed, or the handler refused it
// for good) the row is marked failed, logged, and never offered again.
func OutboxMiddleware(g *gorm.DB) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			id, ok := outboxID(ctx)
			if !ok {
				return next.ProcessTask(ctx, t)
			}
			var row OutboxRow
			if err := g.WithContext(ctx).Take(&row, id).Error; err != nil {
				if db.IsNotFound(err) {
					return fmt.Errorf("outbox row %d missing: %w", id, asynq.SkipRetry)
				}
				return fmt.Errorf("load outbox %d: %w", id, err)
			}
			if row.DoneAt != nil {
				return nil
			}
			if err := next.ProcessTask(ctx, t); err != nil {
				if lastTry(ctx, err) {
					if ferr := markFailed(ctx, g, &row, err.Error()); ferr != nil {
						slog.Warn("mark outbox row failed", "outbox_id", id, "err", ferr)
					}
				}
				return err
			}
			now := time.Now().UTC()
			return g.WithContext(ctx).Model(&OutboxRow{}).Where("id = ? AND done_at IS NULL", id).
				Updates(map[string]any{"done_at": now, "failed_at": nil}).Error
		})
	}
}

// lastTry reports whether asynq archives a task that failed with err instead of
// retrying it.
func lastTry(ctx context.Context, err error) bool {
	if errors.Is(err, asynq.SkipRetry) {
		return true
	}
	retried, ok1 := asynq.GetRetryCount(ctx)
	maxRetry, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && retried >= maxRetry
}

// markFailed records that asynq gave up on row's task; an error log says so, because
// whatever the task was to do (a booking, a fill) will not happen without a person.
func markFailed(ctx context.Context, g *gorm.DB, row *OutboxRow, why string) error {
	// The column is text: no NUL (PostgreSQL refuses it), valid UTF-8, bounded.
	why = strings.ReplaceAll(why, "\x00", "")
	if len(why) > 2000 {
		why = strings.ToValidUTF8(why[:2000], "")
	}
	slog.Error("outbox task failed for good; it is not retried: fix the cause, then run it again from the archived tasks",
		"outbox_id", row.ID, "type", row.Type, "queue", row.Queue, "err", why)
	now := time.Now().UTC()
	return g.WithContext(ctx).Model(&OutboxRow{}).Where("id = ? AND done_at IS NULL", row.ID).
		Updates(map[string]any{"failed_at": now, "last_error": why}).Error
}
