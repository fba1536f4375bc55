package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

// markerKey is written to Redis by the reconciler once every undone outbox row has been
// offered to it. A Redis without it has lost what asynq held (or never held anything):
// every undone row must be offered again, however recently it was enqueued.
const markerKey = "fsc:outbox:marker"

// Reconcile hands asynq what the outbox holds and asynq may not: rows never enqueued,
// oldest first, at most limit of them; and rows enqueued but not done. With UseRedis,
// a Redis that lost its marker gets every undone row at once, and a row enqueued more
// than Lag ago is checked against asynq: offered again if asynq no longer has it,
// marked failed if asynq archived it. Without UseRedis, a row enqueued more than Stale
// ago is offered again blindly. Offers are idempotent (the task id is the row's), so
// reconcilers on several workers at once run nothing twice. It returns how many rows
// it offered and the first error; it stops at the first Redis error.
func (d *Dispatcher) Reconcile(ctx context.Context, limit int) (int, error) {
	if d.redis == nil {
		return d.offer(ctx, d.query(ctx, time.Now().UTC().Add(-d.Stale)).Limit(limit))
	}
	n, err := d.rowsNotInRedis(ctx)
	if err != nil {
		return n, err
	}
	m, err := d.offer(ctx, d.query(ctx, time.Time{}).Where("enqueued_at IS NULL").Limit(limit))
	n += m
	if err != nil {
		return n, err
	}
	m, err = d.check(ctx, limit)
	return n + m, err
}

// query selects the rows to reconcile: not done, not failed, and never enqueued or
// enqueued before `before` (zero: never enqueued only), oldest first.
func (d *Dispatcher) query(ctx context.Context, before time.Time) *gorm.DB {
	q := d.Root.WithContext(ctx).Model(&OutboxRow{}).Where("done_at IS NULL AND failed_at IS NULL")
	if !before.IsZero() {
		q = q.Where("enqueued_at IS NULL OR enqueued_at < ?", before)
	}
	return q.Order("id")
}

// offer enqueues every row q finds.
func (d *Dispatcher) offer(ctx context.Context, q *gorm.DB) (int, error) {
	var rows []OutboxRow
	if err := q.Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("reconcile outbox: %w", err)
	}
	for i := range rows {
		if err := d.Enqueue(ctx, &rows[i]); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}

// rowsNotInRedis offers every undone row, in batches, when Redis has lost the marker,
// then writes the marker. It returns how many it offered.
func (d *Dispatcher) rowsNotInRedis(ctx context.Context) (int, error) {
	switch n, err := d.redis.Exists(ctx, markerKey).Result(); {
	case err != nil:
		return 0, fmt.Errorf("reconcile outbox: read marker: %w", err)
	case n == 1:
		return 0, nil
	}
	// A client of its own: a client notes which queues it has listed in Redis and does
	// not list them again, so d.Client would leave the emptied Redis without its
	// queues, which the Inspector (asynqmon, metrics, this reconciler) reads.
	c := asynq.NewClientFromRedisClient(d.redis)
	total := 0
	for after := int64(0); ; {
		var rows []OutboxRow
		err := d.query(ctx, time.Time{}).Where("id > ?", after).Limit(500).Find(&rows).Error
		if err != nil {
			return total, fmt.Errorf("reconcile outbox: %w", err)
		}
		for i := range rows {
			if err := d.enqueueWith(ctx, c, &rows[i]); err != nil {
				return total, err
			}
			total++
		}
		if len(rows) < 500 {
			break
		}
		after = rows[len(rows)-1].ID
	}
	if err := d.redis.Set(ctx, markerKey, time.Now().UTC().Format(time.RFC3339), 0).Err(); err != nil {
		return total, fmt.Errorf("reconcile outbox: write marker: %w", err)
	}
	return total, nil
}

// check asks asynq about rows enqueued more than Lag ago and still not done, the
// longest unseen first: a task asynq no longer holds is offered again, an archived one
// marks its row failed, one still held has its row's enqueued_at renewed, so that each
// run looks at other rows. It returns how many it offered.
func (d *Dispatcher) check(ctx context.Context, limit int) (int, error) {
	var rows []OutboxRow
	err := d.Root.WithContext(ctx).Where("done_at IS NULL AND failed_at IS NULL AND enqueued_at < ?", time.Now().UTC().Add(-d.Lag)).
		Order("enqueued_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("reconcile outbox: %w", err)
	}
	n := 0
	for i := range rows {
		row := &rows[i]
		info, err := d.inspector.GetTaskInfo(row.Queue, TaskID(row.ID))
		switch {
		case errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound):
			if err := d.Enqueue(ctx, row); err != nil {
				return n, err
			}
			n++
		case err != nil:
			return n, fmt.Errorf("reconcile outbox %d: %w", row.ID, err)
		case info.State == asynq.TaskStateArchived:
			if err := markFailed(ctx, d.Root, row, info.LastErr); err != nil {
				return n, err
			}
		default:
			if err := d.Root.WithContext(ctx).Model(&OutboxRow{}).Where("id = ?", row.ID).
				Update("enqueued_at", time.Now().UTC()).Error; err != nil {
				return n, fmt.Errorf("reconcile outbox %d: %w", row.ID, err)
			}
		}
	}
	return n, nil
}
