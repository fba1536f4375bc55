package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/hibiken/asynq"
)

// A crash between commit and enqueue must lose no job: the row is committed, nothing
// reaches Redis, the reconciler enqueues it, and the job runs exactly once however
// often the reconciler runs.
func TestOutboxSurvivesCrashBetweenCommitAndEnqueue(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	ctx := testenv.Context(t, g)

	// No dispatcher in ctx: as if the process died right after commit.
	err := db.WithTx(ctx, func(ctx context.Context) error {
		return jobs.Later(ctx, "test:hello", "", map[string]int{"n": 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(r.Client)
	d := jobs.NewDispatcher(g, client)

	var runs atomic.Int32
	w := jobs.NewWorker(r, jobs.WorkerConfig{Concurrency: 2, BaseContext: func() context.Context { return db.NewContext(context.Background(), g) }})
	w.Mux().Use(jobs.OutboxMiddleware(g))
	w.Mux().HandleFunc("test:hello", func(ctx context.Context, t *asynq.Task) error {
		runs.Add(1)
		return nil
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Shutdown()

	for i := 0; i < 3; i++ {
		if _, err := d.Reconcile(ctx, 100); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return runs.Load() >= 1 && outboxDone(t, ctx) })
	// Even a row that looks stale again is not run twice.
	d.Stale = 0
	if _, err := d.Reconcile(ctx, 100); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := runs.Load(); got != 1 {
		t.Fatalf("job ran %d times, want 1", got)
	}
}

// A rolled-back transaction leaves no outbox row and enqueues nothing.
func TestOutboxRollbackEnqueuesNothing(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	ctx := d.NewContext(testenv.Context(t, g))
	_ = db.WithTx(ctx, func(ctx context.Context) error {
		if err := jobs.Later(ctx, "test:hello", "", nil); err != nil {
			return err
		}
		return context.Canceled
	})
	d.Wait()
	var n int64
	db.Conn(ctx).Model(&jobs.OutboxRow{}).Count(&n)
	if n != 0 {
		t.Fatalf("outbox rows = %d, want 0", n)
	}
	info, err := asynq.NewInspectorFromRedisClient(r.Client).GetQueueInfo(jobs.QueueDefault)
	if err == nil && info.Size != 0 {
		t.Fatalf("queue size = %d, want 0", info.Size)
	}
}

// After commit the task is enqueued at once under the row's task id.
func TestOutboxEnqueuesAfterCommit(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	ctx := d.NewContext(testenv.Context(t, g))
	if err := db.WithTx(ctx, func(ctx context.Context) error { return jobs.Later(ctx, "test:hello", "", nil) }); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	var row jobs.OutboxRow
	if err := db.Conn(ctx).First(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.EnqueuedAt == nil {
		t.Fatal("row not marked enqueued")
	}
	ti, err := asynq.NewInspectorFromRedisClient(r.Client).GetTaskInfo(jobs.QueueDefault, jobs.TaskID(row.ID))
	if err != nil {
		t.Fatalf("task not in queue: %v", err)
	}
	if ti.Type != "test:hello" {
		t.Fatalf("type = %q", ti.Type)
	}
}

func outboxDone(t *testing.T, ctx context.Context) bool {
	var n int64
	db.Conn(ctx).Model(&jobs.OutboxRow{}).Where("done_at IS NULL").Count(&n)
	return n == 0
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
