package jobs_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/hibiken/asynq"
)

// Every worker runs the schedule, and a periodic task still runs once per period:
// schedulers started at different moments agree on the periods and on each period's
// task id. (asynq's own scheduler counted periods from each process's start and its
// unique lock ended with the run, so two workers ran an "@every" task twice a period.)
func TestPeriodicTaskRunsOncePerPeriodWithTwoWorkers(t *testing.T) {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	var mu sync.Mutex
	var runs []time.Time
	ids := map[string]int{}
	handler := func(ctx context.Context, _ *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		mu.Lock()
		runs = append(runs, time.Now())
		ids[id]++
		mu.Unlock()
		return nil
	}
	for i := range 2 {
		w := jobs.NewWorker(r, jobs.WorkerConfig{Concurrency: 2, BaseContext: func() context.Context { return db.NewContext(context.Background(), g) }})
		w.Handle("test:tick", handler)
		w.Every("@every 2s", "test:tick", 1500*time.Millisecond)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Shutdown)
		if i == 0 {
			// The second worker starts a second into the first one's period, as
			// processes do (not a wait for anything: asynq's scheduler counted
			// periods in whole seconds from each start).
			time.Sleep(time.Second)
		}
	}
	const want = 3
	waitFor(t, "three runs", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) >= want
	})
	mu.Lock()
	defer mu.Unlock()
	// Each run is the run of one period of the 2 s grid both schedulers share, and no
	// period ran twice. (Asserting on when the runs happened fails on a loaded machine,
	// whose timers fire late; the periods the runs name do not.)
	if len(ids) != len(runs) {
		t.Fatalf("%d runs but %d distinct periods: %v", len(runs), len(ids), ids)
	}
	for id, n := range ids {
		secs, err := strconv.ParseInt(id[strings.LastIndex(id, ":")+1:], 10, 64)
		if err != nil || !strings.HasPrefix(id, "periodic:test:tick:") {
			t.Fatalf("task id %q is not a period's id", id)
		}
		if secs%2 != 0 {
			t.Fatalf("task %s is for a period starting off the 2 s grid: the schedulers counted periods from their own start", id)
		}
		if n != 1 {
			t.Fatalf("task %s ran %d times", id, n)
		}
	}
}
