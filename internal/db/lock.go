package db

import (
	"context"
	"fmt"
)

// Lock takes the lock called name until the transaction in ctx ends, so that steps
// which check and then write (creating the first admin, loading the demo data) run one
// at a time across every process on the database. On PostgreSQL it is a transaction
// advisory lock scoped to the current schema; on SQLite the transaction already holds
// the database's write lock from its first statement (_txlock=immediate). It returns an
// error outside a transaction, where a lock would end at once.
func Lock(ctx context.Context, name string) error {
	if !InTx(ctx) {
		return fmt.Errorf("lock %s: not in a transaction", name)
	}
	c := Conn(ctx)
	if DialectOf(c) != Postgres {
		return nil
	}
	// coalesce: without it a search_path naming no existing schema would make the
	// (strict) lock function return NULL without locking.
	err := c.Exec("SELECT pg_advisory_xact_lock(hashtext(coalesce(current_schema(), '')), hashtext(?))", name).Error
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	return nil
}
