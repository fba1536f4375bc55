package jobs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/hibiken/asynq"
)

func redisDispatcher(t *testing.T, r *jobs.Redis, ctx context.Context) *jobs.Dispatcher {
	t.Helper()
	d := jobs.NewDispatcher(db.Root(ctx), asynq.NewClientFromRedisClient(r.Client))
	d.UseRedis(r.Client)
	t.Cleanup(d.Wait)
	return d
}

// A Redis that comes back empty (FLUSHDB here; a restart without persistence, a
// failover to an empty replica) lost the tasks of rows enqueued a moment ago; one run of
// the reconciler offers them again at once instead of 5 minutes later, and with the
// task id as dedupe nothing runs twice however often it runs.
func TestReconcileAfterRedisLostItsData(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	d := redisDispatcher(t, r, testenv.Context(t, g))
	ctx := d.NewContext(testenv.Context(t, g))

	// The worker's first reconcile writes the marker.
	if _, err := d.Reconcile(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if err := db.WithTx(ctx, func(ctx context.Context) error { return jobs.Later(ctx, "test:book", "", nil) }); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	row := onlyRow(t, g)
	if row.EnqueuedAt == nil || len(q.tasks()) != 1 {
		t.Fatal("the row was not enqueued after commit")
	}

	if err := r.Client.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if ts := q.tasks(); len(ts) != 0 {
		t.Fatalf("tasks after FLUSHDB = %v", ids(ts))
	}
	n, err := d.Reconcile(ctx, 100)
	if err != nil || n != 1 {
		t.Fatalf("Reconcile after the flush = %d, %v; want the row offered again", n, err)
	}
	if got := ids(q.tasks()); len(got) != 1 || got[0] != jobs.TaskID(row.ID) {
		t.Fatalf("tasks after Reconcile = %v, want %s back", got, jobs.TaskID(row.ID))
	}

	var runs atomic.Int32
	startWorker(t, r, g, map[string]asynq.HandlerFunc{"test:book": func(context.Context, *asynq.Task) error {
		runs.Add(1)
		return nil
	}})
	for range 3 {
		if _, err := d.Reconcile(ctx, 100); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the task ran and its row is done", func() bool { return pendingRows(t, g) == 0 })
	q.waitIdle()
	if got := runs.Load(); got != 1 {
		t.Fatalf("the task ran %d times, want 1", got)
	}
}

// Rows whose task asynq lost while the marker survived (part of Redis lost) are found by
// asking asynq about rows undone for longer than Lag: a lost task is offered again, a
// task still held is left alone.
func TestReconcileAsksAsynqAboutLaggingRows(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	ctx := testenv.Context(t, g)
	d := redisDispatcher(t, r, ctx)
	if _, err := d.Reconcile(ctx, 100); err != nil { // the marker
		t.Fatal(err)
	}
	lost, held := later(t, ctx, "test:lost"), later(t, ctx, "test:held")
	if n, err := d.Reconcile(ctx, 100); err != nil || n != 2 {
		t.Fatalf("first Reconcile = %d, %v; want both rows enqueued", n, err)
	}
	insp := asynq.NewInspectorFromRedisClient(r.Client)
	if err := insp.DeleteTask(jobs.QueueDefault, jobs.TaskID(lost)); err != nil {
		t.Fatal(err)
	}
	long := time.Now().UTC().Add(-2 * d.Lag)
	setRow(t, g, lost, "enqueued_at", long)
	setRow(t, g, held, "enqueued_at", long)

	n, err := d.Reconcile(ctx, 100)
	if err != nil || n != 1 {
		t.Fatalf("Reconcile = %d, %v; want the lost row offered again", n, err)
	}
	got := map[string]bool{}
	for _, ti := range q.tasks() {
		got[ti.ID] = true
	}
	if !got[jobs.TaskID(lost)] || !got[jobs.TaskID(held)] || len(got) != 2 {
		t.Fatalf("tasks = %v, want both rows' tasks once", got)
	}
	rows := allRows(t, g)
	if !rows[held].EnqueuedAt.After(long) {
		t.Fatal("the held row was not marked as seen held")
	}
}

// A task asynq archived (retries used up, or refused for good) marks its row failed, is
// logged, and is never offered again; a row archived before anything marked it is found
// by the reconciler.
func TestArchivedTaskMarksItsRowFailed(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	ctx := testenv.Context(t, g)
	d := redisDispatcher(t, r, ctx)
	var runs atomic.Int32
	startWorker(t, r, g, map[string]asynq.HandlerFunc{"test:refused": func(context.Context, *asynq.Task) error {
		runs.Add(1)
		return fmt.Errorf("carrier refused: %w", asynq.SkipRetry)
	}})
	id := later(t, ctx, "test:refused")
	if _, err := d.Reconcile(ctx, 100); err != nil {
		t.Fatal(err)
	}
	q.waitState(jobs.TaskID(id), asynq.TaskStateArchived)
	waitFor(t, "the row marked failed", func() bool { return allRows(t, g)[id].FailedAt != nil })
	if row := allRows(t, g)[id]; row.DoneAt != nil || row.LastError == "" {
		t.Fatalf("failed row = %+v, want not done, with the error", row)
	}

	// Long past Lag and Stale, the failed row is not offered again.
	d.Lag, d.Stale = 0, 0
	setRow(t, g, id, "enqueued_at", time.Now().UTC().Add(-time.Hour))
	for range 3 {
		if n, err := d.Reconcile(ctx, 100); err != nil || n != 0 {
			t.Fatalf("Reconcile = %d, %v; want the failed row left alone", n, err)
		}
	}

	// Archived before anything marked the row (a crash, or before this version): the
	// reconciler asks asynq and marks it.
	setRow(t, g, id, "failed_at", nil)
	if n, err := d.Reconcile(ctx, 100); err != nil || n != 0 {
		t.Fatalf("Reconcile = %d, %v; want nothing offered", n, err)
	}
	if row := allRows(t, g)[id]; row.FailedAt == nil {
		t.Fatal("the reconciler did not mark the archived task's row failed")
	}
	if got := runs.Load(); got != 1 {
		t.Fatalf("the refused task ran %d times, want 1", got)
	}
}
