package load

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// Writable reports whether fscload may write to the database name: only to one whose
// name says it is for measuring ("bench" or "load" in it), unless forced.
func Writable(name string, force bool) bool {
	n := strings.ToLower(name)
	return force || strings.Contains(n, "bench") || strings.Contains(n, "load")
}

// CheckHost refuses a PostgreSQL URL whose host is not this machine, unless forced.
func CheckHost(databaseURL string, force bool) error {
	if !IsPostgres(databaseURL) || force {
		return nil
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("database host %s is not this machine (use -force)", u.Hostname())
	}
	return nil
}

// IsPostgres reports whether databaseURL names PostgreSQL.
func IsPostgres(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://")
}

// DatabaseName returns the name of the database g is connected to (the file on SQLite).
func DatabaseName(g *gorm.DB) (string, error) {
	if db.DialectOf(g) != db.Postgres {
		var rows []struct {
			Seq  int
			Name string
			File string
		}
		if err := g.Raw("PRAGMA database_list").Scan(&rows).Error; err != nil {
			return "", err
		}
		for _, r := range rows {
			if r.Name == "main" {
				return r.File, nil
			}
		}
		return "sqlite", nil
	}
	var name string
	err := g.Raw("SELECT current_database()").Scan(&name).Error
	return name, err
}

// ResetSchema drops every table: on PostgreSQL the public schema, on SQLite each table.
func ResetSchema(g *gorm.DB) error {
	if db.DialectOf(g) == db.Postgres {
		if err := g.Exec("DROP SCHEMA IF EXISTS public CASCADE").Error; err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		return g.Exec("CREATE SCHEMA public").Error
	}
	return g.Connection(func(c *gorm.DB) error {
		if err := c.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
			return err
		}
		defer c.Exec("PRAGMA foreign_keys = ON")
		var tables []string
		if err := c.Raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(&tables).Error; err != nil {
			return err
		}
		for _, t := range tables {
			if err := c.Exec(`DROP TABLE "` + t + `"`).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// TableCount returns how many tables the current schema holds.
func TableCount(g *gorm.DB) (int64, error) {
	var n int64
	q := "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
	if db.DialectOf(g) != db.Postgres {
		q = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	}
	err := g.Raw(q).Scan(&n).Error
	return n, err
}
