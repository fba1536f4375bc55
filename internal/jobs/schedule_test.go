package jobs_test

import (
	"context"
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
	// Once a period, three runs span two periods (4 s); the slack is for a loaded
	// machine's timers.
	if span := runs[want-1].Sub(runs[0]); span < 3500*time.Millisecond {
		t.Fatalf("%d runs within %s: the two workers' schedulers ran the task more than once a period (task ids %v)", want, span, ids)
	}
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("task %s ran %d times", id, n)
		}
	}
}
