package db

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err says the database cannot be reached at all (refused
// or dropped connection, a closed pool, a server shutting down), as opposed to a
// query that failed. The web answers those 503 with Retry-After instead of 500.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &ce), errors.As(err, &oe), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01–57P03: the server is shutting down or
		// starting up.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	s := err.Error()
	return strings.Contains(s, "sql: database is closed") || strings.Contains(s, "failed to connect to") ||
		strings.Contains(s, "conn closed")
}
