package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"gorm.io/gorm"
)

// item is a table of the tests' own, with a unique name and a check on kind.
type item struct {
	ID   int64  `gorm:"primaryKey"`
	Name string `gorm:"not null;uniqueIndex"`
	Kind string `gorm:"not null;default:a;check:chk_items_kind,kind IN ('a','b')"`
}

func setup(t *testing.T) (*gorm.DB, context.Context) {
	t.Helper()
	g := testenv.DB(t)
	if err := g.AutoMigrate(&item{}); err != nil {
		t.Fatal(err)
	}
	return g, testenv.Context(t, g)
}

func insert(ctx context.Context, name string) error {
	return db.Conn(ctx).Create(&item{Name: name}).Error
}

// names reads the committed rows through the root connection.
func names(t *testing.T, g *gorm.DB) []string {
	t.Helper()
	var out []string
	if err := g.Model(&item{}).Order("name").Pluck("name", &out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

var errBoom = errors.New("boom")

func TestWithTxCommitsOrRollsBack(t *testing.T) {
	for _, c := range []struct {
		name    string
		fn      func(ctx context.Context) error
		wantErr error
		want    []string
	}{
		{"nil commits", func(ctx context.Context) error {
			if err := insert(ctx, "x"); err != nil {
				return err
			}
			return insert(ctx, "y")
		}, nil, []string{"x", "y"}},
		{"an error rolls back every write", func(ctx context.Context) error {
			if err := insert(ctx, "x"); err != nil {
				return err
			}
			if err := insert(ctx, "y"); err != nil {
				return err
			}
			return fmt.Errorf("later step: %w", errBoom)
		}, errBoom, nil},
		{"a failed statement rolls back the earlier ones", func(ctx context.Context) error {
			if err := insert(ctx, "x"); err != nil {
				return err
			}
			return insert(ctx, "x")
		}, gorm.ErrDuplicatedKey, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, ctx := setup(t)
			err := db.WithTx(ctx, c.fn)
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("WithTx = %v, want %v", err, c.wantErr)
			}
			if got := names(t, g); !slices.Equal(got, c.want) {
				t.Fatalf("rows after WithTx = %v, want %v", got, c.want)
			}
		})
	}
}

func TestWithTxRollsBackOnPanic(t *testing.T) {
	g, ctx := setup(t)
	ran := false
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the panic to pass through", r)
			}
		}()
		_ = db.WithTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { ran = true })
			if err := insert(ctx, "x"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if got := names(t, g); len(got) != 0 {
		t.Fatalf("rows after panic = %v, want none", got)
	}
	if ran {
		t.Fatal("AfterCommit ran after a panic")
	}
}

// A nested WithTx joins the outer transaction: no savepoint, so only the outer outcome
// decides, whatever the inner one returned.
func TestWithTxNestedJoinsOuter(t *testing.T) {
	for _, c := range []struct {
		name     string
		inner    error
		passUp   bool  // outer returns the inner error
		outerErr error // outer fails after the inner call
		want     []string
	}{
		{"both succeed", nil, true, nil, []string{"inner", "outer"}},
		{"inner error passed up rolls back both", errBoom, true, nil, nil},
		{"inner error swallowed commits both", errBoom, false, nil, []string{"inner", "outer"}},
		{"outer error after inner success rolls back both", nil, true, errBoom, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, ctx := setup(t)
			err := db.WithTx(ctx, func(ctx context.Context) error {
				if err := insert(ctx, "outer"); err != nil {
					return err
				}
				outerConn := db.Conn(ctx).Statement.ConnPool
				err := db.WithTx(ctx, func(ctx context.Context) error {
					if db.Conn(ctx).Statement.ConnPool != outerConn {
						t.Error("inner WithTx runs on another connection than the outer one")
					}
					if err := insert(ctx, "inner"); err != nil {
						return err
					}
					return c.inner
				})
				if err != nil && c.passUp {
					return err
				}
				return c.outerErr
			})
			if (c.inner != nil && c.passUp || c.outerErr != nil) != (err != nil) {
				t.Fatalf("WithTx = %v", err)
			}
			if got := names(t, g); !slices.Equal(got, c.want) {
				t.Fatalf("rows = %v, want %v", got, c.want)
			}
		})
	}
}

func TestAfterCommitOutsideTransactionRunsAtOnce(t *testing.T) {
	_, ctx := setup(t)
	ran := 0
	db.AfterCommit(ctx, func() { ran++ })
	if ran != 1 {
		t.Fatalf("ran %d times, want 1 at once", ran)
	}
}

func TestAfterCommitRunsOnlyAfterCommit(t *testing.T) {
	g, ctx := setup(t)
	var order []string
	var seen []string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := insert(ctx, "x"); err != nil {
			return err
		}
		db.AfterCommit(ctx, func() {
			order = append(order, "first")
			// The hook sees the committed row from outside the transaction.
			seen = names(t, g)
		})
		err := db.WithTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { order = append(order, "nested") })
			return nil
		})
		if len(order) != 0 {
			t.Errorf("hooks ran before the outer commit: %v", order)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []string{"first", "nested"}) {
		t.Fatalf("hooks ran %v, want [first nested] once each", order)
	}
	if !slices.Equal(seen, []string{"x"}) {
		t.Fatalf("hook saw rows %v, want the committed [x]", seen)
	}
}

func TestAfterCommitNeverRunsAfterRollback(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   func(ctx context.Context, hook func()) error
	}{
		{"fn returns an error", func(ctx context.Context, hook func()) error {
			db.AfterCommit(ctx, hook)
			return errBoom
		}},
		{"nested hook, outer fails", func(ctx context.Context, hook func()) error {
			if err := db.WithTx(ctx, func(ctx context.Context) error {
				db.AfterCommit(ctx, hook)
				return nil
			}); err != nil {
				return err
			}
			return errBoom
		}},
		{"a statement fails after the hook", func(ctx context.Context, hook func()) error {
			db.AfterCommit(ctx, hook)
			if err := insert(ctx, "x"); err != nil {
				return err
			}
			return insert(ctx, "x")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ctx := setup(t)
			ran := false
			if err := db.WithTx(ctx, func(ctx context.Context) error { return c.fn(ctx, func() { ran = true }) }); err == nil {
				t.Fatal("WithTx succeeded")
			}
			if ran {
				t.Fatal("AfterCommit hook ran although the transaction rolled back")
			}
		})
	}
}

func TestConnInsideAndOutsideTransaction(t *testing.T) {
	g, ctx := setup(t)
	if db.InTx(ctx) {
		t.Fatal("InTx outside a transaction")
	}
	if _, ok := db.Conn(ctx).Statement.ConnPool.(*sql.DB); !ok {
		t.Fatalf("Conn outside a transaction uses %T, want the pool", db.Conn(ctx).Statement.ConnPool)
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if !db.InTx(ctx) {
			t.Error("InTx false inside WithTx")
		}
		if _, ok := db.Conn(ctx).Statement.ConnPool.(*sql.Tx); !ok {
			t.Errorf("Conn inside a transaction uses %T, want *sql.Tx", db.Conn(ctx).Statement.ConnPool)
		}
		if db.Root(ctx) != g {
			t.Error("Root inside a transaction is not the root connection")
		}
		if err := insert(ctx, "x"); err != nil {
			return err
		}
		var n int64
		if err := db.Conn(ctx).Model(&item{}).Count(&n).Error; err != nil || n != 1 {
			t.Errorf("transaction sees %d rows (%v), want its own 1", n, err)
		}
		// SQLite has one connection, held by this transaction; only PostgreSQL can look
		// from outside while it is open.
		if testenv.OnPostgres() {
			if err := db.Root(ctx).WithContext(ctx).Model(&item{}).Count(&n).Error; err != nil || n != 0 {
				t.Errorf("outside the transaction %d rows are visible (%v), want 0 before commit", n, err)
			}
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if got := names(t, g); len(got) != 0 {
		t.Fatalf("write through Conn survived the rollback: %v", got)
	}
}

func TestConnIsBoundToContext(t *testing.T) {
	_, ctx := setup(t)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := insert(cctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("insert with a cancelled ctx = %v, want context.Canceled", err)
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		return insert(cctx, "y")
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("insert in a transaction with a cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestRootWithoutDatabasePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Root of a bare context did not panic")
		}
	}()
	db.Root(context.Background())
}

func TestIsUniqueViolation(t *testing.T) {
	g, ctx := setup(t)
	if err := insert(ctx, "taken"); err != nil {
		t.Fatal(err)
	}
	dup := insert(ctx, "taken")
	badKind := db.Conn(ctx).Create(&item{Name: "k", Kind: "z"}).Error
	notNull := db.Conn(ctx).Exec("INSERT INTO items (name, kind) VALUES (NULL, 'a')").Error
	missing := db.Conn(ctx).Take(&item{}, 999).Error
	syntax := db.Conn(ctx).Exec("INSERT INTO nowhere VALUES (1)").Error
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"duplicate name", dup, true},
		{"wrapped duplicate", fmt.Errorf("create item: %w", dup), true},
		{"duplicate in a transaction", db.WithTx(ctx, func(ctx context.Context) error { return insert(ctx, "taken") }), true},
		{"check violation", badKind, false},
		{"not null violation", notNull, false},
		{"not found", missing, false},
		{"unknown table", syntax, false},
		{"other error", errBoom, false},
		{"nil", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.want || c.name != "nil" && c.name != "other error" {
				if c.err == nil {
					t.Fatalf("the %s case produced no error on %s", c.name, db.DialectOf(g))
				}
			}
			if got := db.IsUniqueViolation(c.err); got != c.want {
				t.Fatalf("IsUniqueViolation(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestDialectOf(t *testing.T) {
	g, _ := setup(t)
	want := db.SQLite
	if testenv.OnPostgres() {
		want = db.Postgres
	}
	if got := db.DialectOf(g); got != want {
		t.Fatalf("DialectOf = %s, want %s", got, want)
	}
}

// waitUntil polls cond until it holds, failing t at the deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
