package db_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

var skipLocked = clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}

// The lock clause is added on PostgreSQL only, and the query runs on both dialects.
func TestLockingClausePerDialect(t *testing.T) {
	g, ctx := setup(t)
	for _, n := range []string{"a", "b"} {
		if err := insert(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name   string
		lock   func(*gorm.DB) *gorm.DB
		suffix string
	}{
		{"ForUpdate", db.ForUpdate, "FOR UPDATE"},
		{"SKIP LOCKED", func(q *gorm.DB) *gorm.DB { return db.Locking(q, skipLocked) }, "FOR UPDATE SKIP LOCKED"},
		{"FOR SHARE", func(q *gorm.DB) *gorm.DB { return db.Locking(q, clause.Locking{Strength: "SHARE"}) }, "FOR SHARE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql := g.ToSQL(func(tx *gorm.DB) *gorm.DB {
				return c.lock(tx.Model(&item{}).Where("id > ?", 0)).Find(&[]item{})
			})
			has := strings.HasSuffix(strings.TrimSpace(sql), c.suffix)
			if has != testenv.OnPostgres() {
				t.Fatalf("%s on %s: %s", c.name, db.DialectOf(g), sql)
			}
			err := db.WithTx(ctx, func(ctx context.Context) error {
				var got []item
				if err := c.lock(db.Conn(ctx).Model(&item{})).Order("id").Find(&got).Error; err != nil {
					return err
				}
				if len(got) != 2 {
					t.Errorf("locked select returned %d rows, want 2", len(got))
				}
				return nil
			})
			if err != nil {
				t.Fatalf("locked select on %s: %v", db.DialectOf(g), err)
			}
		})
	}
}

// On PostgreSQL a row locked FOR UPDATE makes a second transaction wait for it, and
// SKIP LOCKED passes over it instead.
func TestForUpdateBlocksAndSkipLockedSkipsOnPostgres(t *testing.T) {
	if !testenv.OnPostgres() {
		t.Skip("row locks are PostgreSQL's; SQLite serialises writers instead")
	}
	g, ctx := setup(t)
	for _, n := range []string{"a", "b", "c"} {
		if err := insert(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	var first item
	if err := g.Where("name = ?", "a").Take(&first).Error; err != nil {
		t.Fatal(err)
	}

	locked, release, holderDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		holderDone <- db.WithTx(ctx, func(ctx context.Context) error {
			var it item
			if err := db.ForUpdate(db.Conn(ctx)).Take(&it, first.ID).Error; err != nil {
				return err
			}
			close(locked)
			<-release
			return db.Conn(ctx).Model(&it).Update("kind", "b").Error
		})
	}()
	select {
	case <-locked:
	case err := <-holderDone:
		t.Fatalf("holder: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("holder did not lock within 10s")
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()

	// SKIP LOCKED sees the other two rows at once.
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var got []string
		if err := db.Locking(db.Conn(ctx).Model(&item{}), skipLocked).Order("name").Pluck("name", &got).Error; err != nil {
			return err
		}
		if !slices.Equal(got, []string{"b", "c"}) {
			t.Errorf("SKIP LOCKED returned %v, want [b c]", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// FOR UPDATE waits: its backend shows up as waiting for a lock, and its query does
	// not return until the holder commits.
	pid, waiterDone := make(chan int, 1), make(chan item, 1)
	waiterErr := make(chan error, 1)
	go func() {
		waiterErr <- db.WithTx(ctx, func(ctx context.Context) error {
			var p int
			if err := db.Conn(ctx).Raw("SELECT pg_backend_pid()").Scan(&p).Error; err != nil {
				return err
			}
			pid <- p
			var it item
			if err := db.ForUpdate(db.Conn(ctx)).Take(&it, first.ID).Error; err != nil {
				return err
			}
			waiterDone <- it
			return nil
		})
	}()
	var waiter int
	select {
	case waiter = <-pid:
	case err := <-waiterErr:
		t.Fatalf("waiter: %v", err)
	}
	waitUntil(t, "second FOR UPDATE waiting for the row lock", func() bool {
		select {
		case <-waiterDone:
			t.Fatal("second FOR UPDATE returned while the row was locked")
		default:
		}
		var n int64
		if err := g.Raw("SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'", waiter).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n == 1
	})
	close(release)
	released = true
	if err := <-holderDone; err != nil {
		t.Fatalf("holder: %v", err)
	}
	select {
	case it := <-waiterDone:
		if it.Kind != "b" {
			t.Fatalf("waiter read kind %q, want the holder's committed %q", it.Kind, "b")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiter still blocked 10s after the holder committed")
	}
	if err := <-waiterErr; err != nil {
		t.Fatalf("waiter: %v", err)
	}
}

// Lock makes check-then-write steps take turns across connections (processes): a
// second transaction taking the same lock waits until the first has committed, and
// then sees what it wrote. On PostgreSQL its backend is seen waiting for the advisory
// lock; on SQLite the transaction itself waits for the write lock.
func TestLockSerialisesTransactionsAcrossConnections(t *testing.T) {
	url := testenv.URL(t)
	var gs [2]*gorm.DB
	for i := range gs {
		g, err := db.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(g) })
		gs[i] = g
	}
	g := gs[0]
	if err := g.AutoMigrate(&item{}); err != nil {
		t.Fatal(err)
	}
	ctx, otherCtx := testenv.Context(t, g), testenv.Context(t, gs[1])

	if err := db.Lock(ctx, "test"); err == nil {
		t.Fatal("Lock outside a transaction did not fail")
	}
	locked, release, holderDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		holderDone <- db.WithTx(ctx, func(ctx context.Context) error {
			if err := db.Lock(ctx, "test"); err != nil {
				return err
			}
			if err := insert(ctx, "holder"); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	select {
	case <-locked:
	case err := <-holderDone:
		t.Fatalf("holder: %v", err)
	}
	pid, seen, waiterErr := make(chan int, 1), make(chan int64, 1), make(chan error, 1)
	go func() {
		waiterErr <- db.WithTx(otherCtx, func(ctx context.Context) error {
			if testenv.OnPostgres() {
				var p int
				if err := db.Conn(ctx).Raw("SELECT pg_backend_pid()").Scan(&p).Error; err != nil {
					return err
				}
				pid <- p
			}
			if err := db.Lock(ctx, "test"); err != nil {
				return err
			}
			var n int64
			err := db.Conn(ctx).Model(&item{}).Where("name = ?", "holder").Count(&n).Error
			seen <- n
			return err
		})
	}()
	if testenv.OnPostgres() {
		waiter := <-pid
		waitUntil(t, "the second transaction waiting for the advisory lock", func() bool {
			var n int64
			if err := g.Raw("SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock' AND wait_event = 'advisory'", waiter).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n == 1
		})
	}
	close(release)
	if err := <-holderDone; err != nil {
		t.Fatalf("holder: %v", err)
	}
	if err := <-waiterErr; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if n := <-seen; n != 1 {
		t.Fatalf("the waiter saw %d rows of the holder, want its committed one", n)
	}
}
