package ui

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisStorage is fiber.Storage on Redis, so CSRF tokens are shared by every `fsc
// serve` instance behind a load balancer.
type redisStorage struct {
	c      redis.UniversalClient
	prefix string
}

func (r redisStorage) Get(key string) ([]byte, error) {
	b, err := r.c.Get(context.Background(), r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

func (r redisStorage) Set(key string, val []byte, exp time.Duration) error {
	return r.c.Set(context.Background(), r.prefix+key, val, exp).Err()
}

func (r redisStorage) Delete(key string) error {
	return r.c.Del(context.Background(), r.prefix+key).Err()
}

// Reset is not supported: it would have to scan the whole keyspace.
func (r redisStorage) Reset() error { return nil }

// Close leaves the shared client open; its owner closes it.
func (r redisStorage) Close() error { return nil }
