package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"
)

// scheduler enqueues the periodic tasks. Every worker runs one, and they need no
// leader: each period's task gets a task id made of its type and the period's start,
// which every scheduler computes alike (an "@every" spec counts periods from the
// epoch, not from the process's start), so asynq takes the first enqueue of a period
// and refuses the others while it holds the task (Periodic.Unique after its run).
type scheduler struct {
	client *asynq.Client
	jobs   []scheduled
	quit   chan struct{}
	wg     sync.WaitGroup
}

type scheduled struct {
	Periodic
	sched cron.Schedule
}

// everyAligned is "@every d" with periods starting at multiples of d since the epoch.
type everyAligned struct{ d time.Duration }

func (e everyAligned) Next(t time.Time) time.Time { return t.Truncate(e.d).Add(e.d) }

func parseSpec(spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, err
	}
	if c, ok := s.(cron.ConstantDelaySchedule); ok {
		return everyAligned{c.Delay}, nil
	}
	return s, nil
}

func newScheduler(c *asynq.Client, ps []Periodic) (*scheduler, error) {
	s := &scheduler{client: c, quit: make(chan struct{})}
	for _, p := range ps {
		sc, err := parseSpec(p.Spec)
		if err != nil {
			return nil, fmt.Errorf("schedule %s %q: %w", p.Type, p.Spec, err)
		}
		s.jobs = append(s.jobs, scheduled{p, sc})
	}
	return s, nil
}

func (s *scheduler) start() {
	for _, j := range s.jobs {
		s.wg.Add(1)
		go s.run(j)
	}
}

func (s *scheduler) stop() {
	close(s.quit)
	s.wg.Wait()
}

// run enqueues j at each of its times until stop. A time missed (the process was
// suspended) is skipped, not caught up.
func (s *scheduler) run(j scheduled) {
	defer s.wg.Done()
	for {
		at := j.sched.Next(time.Now())
		t := time.NewTimer(time.Until(at))
		select {
		case <-s.quit:
			t.Stop()
			return
		case <-t.C:
		}
		s.enqueue(j, at)
	}
}

// PeriodicTaskID is the task id of the run of typ for the period starting at at.
func PeriodicTaskID(typ string, at time.Time) string {
	return "periodic:" + typ + ":" + strconv.FormatInt(at.Unix(), 10)
}

func (s *scheduler) enqueue(j scheduled, at time.Time) {
	opts := []asynq.Option{asynq.Queue(QueueLow), asynq.MaxRetry(0), asynq.TaskID(PeriodicTaskID(j.Type, at))}
	if j.Unique > 0 {
		opts = append(opts, asynq.Retention(j.Unique))
	}
	_, err := s.client.Enqueue(asynq.NewTask(j.Type, nil), opts...)
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		// Another worker's scheduler enqueued this period first.
	case err != nil:
		slog.Warn("schedule: enqueue failed; the next period will try again", "type", j.Type, "err", err)
	}
}
