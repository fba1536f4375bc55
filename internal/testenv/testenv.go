// Package testenv gives each test its own database and Redis: SQLite and an in-process
// Redis by default, PostgreSQL and a real Redis when FSC_TEST_DATABASE_URL and
// FSC_TEST_REDIS_URL are set (make test runs the suite both ways).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

func init() { auth.BcryptCost = bcrypt.MinCost }

// PostgresURL returns the PostgreSQL server tests use, or "" for SQLite.
func PostgresURL() string { return os.Getenv("FSC_TEST_DATABASE_URL") }

// RedisURL returns the Redis server tests use, or "" for an in-process one.
func RedisURL() string { return os.Getenv("FSC_TEST_REDIS_URL") }

// OnPostgres reports whether this run's tests use PostgreSQL.
func OnPostgres() bool { return PostgresURL() != "" }

func randName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// URL returns the URL of a fresh, empty database for t (a schema of its own on
// PostgreSQL, a file on SQLite), dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		return "sqlite://" + filepath.Join(t.TempDir(), "fsc.db")
	}
	admin, err := db.Open(base)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	schema := randName("t_")
	err = admin.Exec("CREATE SCHEMA " + schema).Error
	db.Close(admin)
	if err != nil {
		t.Fatalf("testenv: create schema: %v", err)
	}
	t.Cleanup(func() {
		if admin, err := db.Open(base); err == nil {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close(admin)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// DB returns a fresh database for t with every registered migration applied.
func DB(t testing.TB) *gorm.DB {
	t.Helper()
	g, err := db.Open(URL(t))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { db.Close(g) })
	// Test packages run in parallel against one server; keep each test's pool small so
	// they fit under max_connections together.
	if sqlDB, err := g.DB(); err == nil && OnPostgres() {
		sqlDB.SetMaxOpenConns(12)
		sqlDB.SetMaxIdleConns(12)
	}
	if err := db.Migrate(g); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return g
}

// DBBefore returns a fresh database for t migrated up to, not including, migration
// step: a test of that step writes rows in the old shape, then runs db.Migrate.
func DBBefore(t testing.TB, step string) *gorm.DB {
	t.Helper()
	g, err := db.Open(URL(t))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { db.Close(g) })
	ms := db.Migrations()
	i := slices.IndexFunc(ms, func(m *gormigrate.Migration) bool { return m.ID == step })
	if i < 1 {
		t.Fatalf("testenv: migration %s is not registered after another", step)
	}
	opts := *gormigrate.DefaultOptions
	opts.TableName = "schema_migrations"
	if err := gormigrate.New(g, &opts, ms).MigrateTo(ms[i-1].ID); err != nil {
		t.Fatalf("testenv: migrate to the step before %s: %v", step, err)
	}
	return g
}

// Context returns a context carrying g, cancelled when t ends.
func Context(t testing.TB, g *gorm.DB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return db.NewContext(ctx, g)
}

// As returns ctx acting as p.
func As(ctx context.Context, p auth.Principal) context.Context { return auth.WithPrincipal(ctx, p) }

// Redis returns a Redis for t alone: an in-process one, or one of the real server's
// numbered databases, locked for t and flushed before use.
func Redis(t testing.TB) *jobs.Redis {
	t.Helper()
	ctx := context.Background()
	if RedisURL() == "" {
		r, err := jobs.OpenRedis(ctx, "")
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		t.Cleanup(r.Close)
		return r
	}
	opt, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("testenv: redis url: %v", err)
	}
	lockOpt := *opt
	lockOpt.DB = 0
	lock := redis.NewClient(&lockOpt)
	t.Cleanup(func() { lock.Close() })
	// Packages run in parallel processes; each test takes one of databases 1..15.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("fsc-test:lock:%d", n)
			ok, err := lock.SetNX(ctx, key, os.Getpid(), 10*time.Minute).Result()
			if err != nil {
				t.Fatalf("testenv: redis: %v", err)
			}
			if !ok {
				continue
			}
			o := *opt
			o.DB = n
			c := redis.NewClient(&o)
			if err := c.FlushDB(ctx).Err(); err != nil {
				t.Fatalf("testenv: flush redis db %d: %v", n, err)
			}
			t.Cleanup(func() {
				c.FlushDB(ctx)
				c.Close()
				lock.Del(ctx, key)
			})
			return &jobs.Redis{Client: c}
		}
		if time.Now().After(deadline) {
			t.Fatal("testenv: no free redis database for 5 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
