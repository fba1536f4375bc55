package jobs_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

var errBoom = errors.New("boom")

// A crash between commit and enqueue must lose no job: the row is committed, nothing
// reaches Redis, the reconciler enqueues it, and the job runs exactly once however
// often the reconciler runs.
func TestOutboxSurvivesCrashBetweenCommitAndEnqueue(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	ctx := testenv.Context(t, g)
	q := newQueues(t, r)

	// No dispatcher in ctx: as if the process died right after commit.
	err := db.WithTx(ctx, func(ctx context.Context) error {
		return jobs.Later(ctx, "test:hello", "", map[string]int{"n": 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	if ts := q.tasks(); len(ts) != 0 {
		t.Fatalf("tasks before the reconciler = %v, want none", ids(ts))
	}
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))

	var runs atomic.Int32
	startWorker(t, r, g, map[string]asynq.HandlerFunc{"test:hello": func(ctx context.Context, t *asynq.Task) error {
		runs.Add(1)
		return nil
	}})

	for range 3 {
		if _, err := d.Reconcile(ctx, 100); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the job ran and its row is done", func() bool { return runs.Load() >= 1 && pendingRows(t, g) == 0 })

	// The done mark lost (a crash after the handler) and the row stale again: the
	// reconciler offers it once more, and asynq, still holding the task id, refuses it.
	if err := g.Model(&jobs.OutboxRow{}).Where("1 = 1").Update("done_at", nil).Error; err != nil {
		t.Fatal(err)
	}
	d.Stale = 0
	if n, err := d.Reconcile(ctx, 100); err != nil || n != 1 {
		t.Fatalf("Reconcile = %d, %v; want the row offered again", n, err)
	}
	q.waitIdle()
	if got := runs.Load(); got != 1 {
		t.Fatalf("job ran %d times, want 1", got)
	}
	if ts := q.tasks(); len(ts) != 1 || ts[0].State != asynq.TaskStateCompleted {
		t.Fatalf("tasks = %v, want the one completed task", ids(ts))
	}
}

// A rolled-back transaction leaves no outbox row and enqueues nothing; the same path
// committed is seen by the same inspection, so its empty answer means something.
func TestOutboxRollbackEnqueuesNothing(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	ctx := d.NewContext(testenv.Context(t, g))
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := jobs.Later(ctx, "test:hello", "", nil); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("WithTx = %v, want the rollback's cause", err)
	}
	d.Wait()
	if n := rowCount(t, g); n != 0 {
		t.Fatalf("outbox rows = %d, want 0", n)
	}
	if ts := q.tasks(); len(ts) != 0 {
		t.Fatalf("tasks after rollback = %v, want none", ids(ts))
	}

	if err := db.WithTx(ctx, func(ctx context.Context) error { return jobs.Later(ctx, "test:hello", "", nil) }); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	row := onlyRow(t, g)
	if ts := q.tasks(); len(ts) != 1 || ts[0].ID != jobs.TaskID(row.ID) {
		t.Fatalf("tasks after commit = %v, want [%s]", ids(ts), jobs.TaskID(row.ID))
	}
}

// After commit the task is enqueued at once, once, under the row's task id, in the
// row's queue with the row's payload.
func TestOutboxEnqueuesOnceAfterCommit(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	ctx := d.NewContext(testenv.Context(t, g))
	committed := false
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := jobs.Later(ctx, "test:hello", jobs.QueueCritical, map[string]int{"order": 7}); err != nil {
			return err
		}
		d.Wait()
		if ts := q.tasks(); len(ts) != 0 {
			t.Errorf("tasks before commit = %v, want none", ids(ts))
		}
		committed = true
		return nil
	})
	if err != nil || !committed {
		t.Fatal(err)
	}
	d.Wait()
	row := onlyRow(t, g)
	if row.EnqueuedAt == nil || row.DoneAt != nil || row.Queue != jobs.QueueCritical {
		t.Fatalf("row = %+v, want enqueued, not done, queue critical", row)
	}
	// Offered again (the reconciler thinking it stale): still one task.
	d.Stale = 0
	if n, err := d.Reconcile(ctx, 100); err != nil || n != 1 {
		t.Fatalf("Reconcile = %d, %v", n, err)
	}
	if err := d.Enqueue(ctx, &row); err != nil {
		t.Fatalf("a second Enqueue of the same row: %v", err)
	}
	ts := q.tasks()
	if len(ts) != 1 {
		t.Fatalf("tasks = %v, want exactly one", ids(ts))
	}
	ti := ts[0]
	if ti.ID != "outbox:"+strconv.FormatInt(row.ID, 10) || ti.ID != jobs.TaskID(row.ID) || ti.Queue != jobs.QueueCritical || ti.Type != "test:hello" || string(ti.Payload) != `{"order":7}` {
		t.Fatalf("task = id %s queue %s type %s payload %s", ti.ID, ti.Queue, ti.Type, ti.Payload)
	}
}

// Outside a transaction Later enqueues at once; a payload that cannot be marshalled
// writes nothing.
func TestLaterOutsideTransactionAndBadPayload(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	ctx := d.NewContext(testenv.Context(t, g))
	if err := jobs.Later(ctx, "test:bad", "", map[string]any{"c": make(chan int)}); err == nil {
		t.Fatal("Later accepted a payload that cannot be marshalled")
	}
	if n := rowCount(t, g); n != 0 {
		t.Fatalf("rows after a bad payload = %d", n)
	}
	if err := jobs.Later(ctx, "test:hello", "", nil); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	row := onlyRow(t, g)
	if ts := q.tasks(); len(ts) != 1 || ts[0].ID != jobs.TaskID(row.ID) || ts[0].Queue != jobs.QueueDefault {
		t.Fatalf("tasks = %v, want the row's in the default queue", ids(ts))
	}
}

// The reconciler enqueues rows never enqueued and rows enqueued long ago but not done,
// oldest first and at most limit of them; it skips done rows and rows enqueued lately.
func TestReconcile(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	ctx := testenv.Context(t, g)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	now := time.Now().UTC()
	long := now.Add(-2 * d.Stale)
	never := later(t, ctx, "test:never")
	done := later(t, ctx, "test:done")
	recent := later(t, ctx, "test:recent")
	stale := later(t, ctx, "test:stale") // enqueued long ago, its task lost with Redis
	setRow(t, g, done, "done_at", now)
	setRow(t, g, recent, "enqueued_at", now)
	setRow(t, g, stale, "enqueued_at", long)

	n, err := d.Reconcile(ctx, 100)
	if err != nil || n != 2 {
		t.Fatalf("Reconcile = %d, %v; want 2", n, err)
	}
	if got, want := ids(q.tasks()), []string{jobs.TaskID(never), jobs.TaskID(stale)}; !slices.Equal(got, want) {
		t.Fatalf("tasks = %v, want %v", got, want)
	}
	rows := allRows(t, g)
	if rows[never].EnqueuedAt == nil || rows[stale].EnqueuedAt == nil || !rows[stale].EnqueuedAt.After(long) {
		t.Fatalf("reconciled rows not marked enqueued now: %+v %+v", rows[never], rows[stale])
	}
	if rows[done].EnqueuedAt != nil {
		t.Fatal("the done row was marked enqueued")
	}
	// Run again at once: nothing is stale any more.
	if n, err := d.Reconcile(ctx, 100); err != nil || n != 0 {
		t.Fatalf("second Reconcile = %d, %v; want 0", n, err)
	}

	// At most limit rows, oldest first.
	a, b, c := later(t, ctx, "test:a"), later(t, ctx, "test:b"), later(t, ctx, "test:c")
	if n, err := d.Reconcile(ctx, 2); err != nil || n != 2 {
		t.Fatalf("Reconcile(limit 2) = %d, %v", n, err)
	}
	rows = allRows(t, g)
	if rows[a].EnqueuedAt == nil || rows[b].EnqueuedAt == nil || rows[c].EnqueuedAt != nil {
		t.Fatal("Reconcile(limit 2) did not take the two oldest")
	}
	if n, err := d.Reconcile(ctx, 2); err != nil || n != 1 {
		t.Fatalf("next Reconcile = %d, %v; want the last one", n, err)
	}
}

// With Redis unreachable nothing is marked enqueued, and the request that committed is
// not failed; the reconciler delivers once Redis is back.
func TestOutboxWhileRedisIsDown(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	deadClient := asynq.NewClientFromRedisClient(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialerRetryTimeout: time.Millisecond}))
	t.Cleanup(func() { deadClient.Close() })
	dead := jobs.NewDispatcher(g, deadClient)
	ctx := dead.NewContext(testenv.Context(t, g))
	if err := db.WithTx(ctx, func(ctx context.Context) error { return jobs.Later(ctx, "test:hello", "", nil) }); err != nil {
		t.Fatalf("commit with Redis down: %v", err)
	}
	dead.Wait()
	if row := onlyRow(t, g); row.EnqueuedAt != nil {
		t.Fatal("row marked enqueued although Redis was unreachable")
	}
	if n, err := dead.Reconcile(ctx, 100); err == nil || n != 0 {
		t.Fatalf("Reconcile with Redis down = %d, %v; want an error", n, err)
	}
	live := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	if n, err := live.Reconcile(ctx, 100); err != nil || n != 1 {
		t.Fatalf("Reconcile with Redis back = %d, %v", n, err)
	}
	if row := onlyRow(t, g); row.EnqueuedAt == nil || len(q.tasks()) != 1 {
		t.Fatal("the row was not delivered once Redis was back")
	}
}

// The middleware runs a task's handler only while its outbox row is not done, marks
// the row done when the handler succeeds, leaves it when the handler fails, drops a
// task whose row is gone, and lets tasks without a row through untouched.
func TestOutboxMiddleware(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	q := newQueues(t, r)
	ctx := testenv.Context(t, g)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))

	var mu sync.Mutex
	runs := map[string]int{}
	count := func(ctx context.Context) {
		id, _ := asynq.GetTaskID(ctx)
		mu.Lock()
		runs[id]++
		mu.Unlock()
	}
	startWorker(t, r, g, map[string]asynq.HandlerFunc{
		"test:ok":   func(ctx context.Context, _ *asynq.Task) error { count(ctx); return nil },
		"test:fail": func(ctx context.Context, _ *asynq.Task) error { count(ctx); return errBoom },
	})

	ok, done, fail := later(t, ctx, "test:ok"), later(t, ctx, "test:ok"), later(t, ctx, "test:fail")
	setRow(t, g, done, "done_at", time.Now().UTC())
	rows := allRows(t, g)
	doneAt := *rows[done].DoneAt
	for _, id := range []int64{ok, done, fail} {
		row := rows[id]
		if err := d.Enqueue(ctx, &row); err != nil {
			t.Fatal(err)
		}
	}
	gone := jobs.OutboxRow{ID: fail + 100, Type: "test:ok", Payload: "null", Queue: jobs.QueueDefault}
	if err := d.Enqueue(ctx, &gone); err != nil {
		t.Fatal(err)
	}
	plain, err := asynq.NewClientFromRedisClient(r.Client).Enqueue(asynq.NewTask("test:ok", nil), asynq.TaskID("plain-1"), asynq.Retention(time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name  string
		id    string
		state asynq.TaskState
		runs  int
	}{
		{"succeeds", jobs.TaskID(ok), asynq.TaskStateCompleted, 1},
		{"already done", jobs.TaskID(done), asynq.TaskStateCompleted, 0},
		{"fails", jobs.TaskID(fail), asynq.TaskStateRetry, 1},
		{"row gone", jobs.TaskID(gone.ID), asynq.TaskStateArchived, 0},
		{"not from the outbox", plain.ID, asynq.TaskStateCompleted, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			q.waitState(c.id, c.state)
			mu.Lock()
			n := runs[c.id]
			mu.Unlock()
			if n != c.runs {
				t.Fatalf("handler ran %d times, want %d", n, c.runs)
			}
		})
	}
	rows = allRows(t, g)
	if rows[ok].DoneAt == nil {
		t.Error("succeeded task's row not marked done")
	}
	if rows[fail].DoneAt != nil {
		t.Error("failed task's row marked done")
	}
	if !rows[done].DoneAt.Equal(doneAt) {
		t.Error("done row's mark changed")
	}
}

// --- helpers ---

// queues inspects every queue through asynq's Inspector and fails the test on any
// error, so an unreadable queue never passes for an empty one.
type queues struct {
	t    *testing.T
	insp *asynq.Inspector
}

func newQueues(t *testing.T, r *jobs.Redis) *queues {
	return &queues{t: t, insp: asynq.NewInspectorFromRedisClient(r.Client)}
}

// tasks returns every task in every queue, in any state, ordered by id.
func (q *queues) tasks() []*asynq.TaskInfo {
	q.t.Helper()
	names, err := q.insp.Queues()
	if err != nil {
		q.t.Fatalf("list queues: %v", err)
	}
	var out []*asynq.TaskInfo
	for _, name := range names {
		for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
			q.insp.ListPendingTasks, q.insp.ListActiveTasks, q.insp.ListScheduledTasks,
			q.insp.ListRetryTasks, q.insp.ListArchivedTasks, q.insp.ListCompletedTasks,
		} {
			ts, err := list(name, asynq.PageSize(1000))
			if err != nil {
				q.t.Fatalf("list tasks of queue %s: %v", name, err)
			}
			out = append(out, ts...)
		}
	}
	slices.SortFunc(out, func(a, b *asynq.TaskInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// waitIdle waits until no task is pending, active, scheduled or retrying, so whatever
// was accepted has run.
func (q *queues) waitIdle() {
	q.t.Helper()
	waitFor(q.t, "queues idle", func() bool {
		for _, ti := range q.tasks() {
			if ti.State != asynq.TaskStateCompleted && ti.State != asynq.TaskStateArchived {
				return false
			}
		}
		return true
	})
}

func (q *queues) waitState(id string, want asynq.TaskState) {
	q.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		last := "absent"
		for _, ti := range q.tasks() {
			if ti.ID == id {
				last = ti.State.String()
			}
		}
		if last == want.String() {
			return
		}
		if time.Now().After(deadline) {
			q.t.Fatalf("task %s is %s after 15s, want %s", id, last, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ids(ts []*asynq.TaskInfo) []string {
	var out []string
	for _, ti := range ts {
		out = append(out, ti.ID)
	}
	return out
}

func startWorker(t *testing.T, r *jobs.Redis, g *gorm.DB, handlers map[string]asynq.HandlerFunc) {
	t.Helper()
	w := jobs.NewWorker(r, jobs.WorkerConfig{Concurrency: 2, BaseContext: func() context.Context { return db.NewContext(context.Background(), g) }})
	w.Mux().Use(jobs.OutboxMiddleware(g))
	for typ, h := range handlers {
		w.Mux().HandleFunc(typ, h)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
}

// later commits an outbox row of type typ without a dispatcher and returns its id.
func later(t *testing.T, ctx context.Context, typ string) int64 {
	t.Helper()
	if err := db.WithTx(ctx, func(ctx context.Context) error { return jobs.Later(ctx, typ, "", nil) }); err != nil {
		t.Fatal(err)
	}
	var row jobs.OutboxRow
	if err := db.Conn(ctx).Where("type = ?", typ).Order("id DESC").Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row.ID
}

func setRow(t *testing.T, g *gorm.DB, id int64, col string, v any) {
	t.Helper()
	if err := g.Model(&jobs.OutboxRow{}).Where("id = ?", id).Update(col, v).Error; err != nil {
		t.Fatal(err)
	}
}

func allRows(t *testing.T, g *gorm.DB) map[int64]jobs.OutboxRow {
	t.Helper()
	var rows []jobs.OutboxRow
	if err := g.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[int64]jobs.OutboxRow{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

func onlyRow(t *testing.T, g *gorm.DB) jobs.OutboxRow {
	t.Helper()
	var rows []jobs.OutboxRow
	if err := g.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("outbox rows = %d, want 1", len(rows))
	}
	return rows[0]
}

func rowCount(t *testing.T, g *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := g.Model(&jobs.OutboxRow{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func pendingRows(t *testing.T, g *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := g.Model(&jobs.OutboxRow{}).Where("done_at IS NULL").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds, failing t after 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
