// Package jobs runs background work on asynq: the Redis connection (or an in-process
// Redis for the embedded default), the transactional outbox that hands tasks to asynq
// only after their transaction committed, the reconciler that re-enqueues what a crash
// or a Redis outage left behind, and the worker and scheduler.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Redis is an open Redis connection, and the in-process server behind it if any.
type Redis struct {
	Client   redis.UniversalClient
	Embedded *miniredis.Miniredis
	stop     chan struct{}
}

// OpenRedis connects to url ("redis://host:port/db"), or starts an in-process Redis when
// url is "". It returns an error if the server cannot be reached.
func OpenRedis(ctx context.Context, url string) (*Redis, error) {
	if url == "" {
		return startEmbedded()
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	c := redis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis %s: %w", opt.Addr, err)
	}
	return &Redis{Client: c}, nil
}

func startEmbedded() (*Redis, error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, fmt.Errorf("start in-process redis: %w", err)
	}
	r := &Redis{Client: redis.NewClient(&redis.Options{Addr: m.Addr()}), Embedded: m, stop: make(chan struct{})}
	// miniredis never expires keys on its own; without this, asynq's unique-task and
	// lease keys would live forever.
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-r.stop:
				return
			case now := <-t.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	slog.Info("started in-process redis", "addr", m.Addr())
	return r, nil
}

// ConnOpt returns options for asynq parts that open their own connection (worker,
// scheduler, asynqmon), so shutting them down never closes the shared client.
func (r *Redis) ConnOpt() asynq.RedisClientOpt {
	o := r.Client.(*redis.Client).Options()
	return asynq.RedisClientOpt{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig}
}

// Close closes the connection and stops an in-process server.
func (r *Redis) Close() {
	r.Client.Close()
	if r.Embedded != nil {
		close(r.stop)
		r.Embedded.Close()
	}
}
