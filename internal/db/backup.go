package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"gorm.io/gorm"
)

// Backup writes a copy of the database at url to the file out, which must not exist:
// on PostgreSQL a pg_dump archive in custom format (read with pg_restore), on SQLite a
// database file made by VACUUM INTO. Both are taken online, while fsc runs, and are
// consistent (one snapshot). The file appears only once complete.
func Backup(ctx context.Context, dbURL, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", out)
	}
	tmp := out + ".partial"
	os.Remove(tmp)
	var err error
	if isPostgresURL(dbURL) {
		err = pgDump(ctx, dbURL, tmp)
	} else {
		err = sqliteBackup(dbURL, tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Restore loads the backup in file into the database at url. It refuses a database
// that holds tables unless force is set; on PostgreSQL force drops the objects of the
// backup before creating them again (anything else is left), on SQLite it replaces the
// file. SQLite refuses while any fsc has the file open.
func Restore(ctx context.Context, dbURL, file string, force bool) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if isPostgresURL(dbURL) {
		return pgRestore(ctx, dbURL, file, force)
	}
	return sqliteRestore(dbURL, file, force)
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// pgConn turns a postgres:// URL into libpq's environment for pg_dump and pg_restore
// (the password stays out of the command line) and the schema its search_path names,
// if any. Parameters libpq does not know (pgx's, search_path) are not passed on.
func pgConn(dbURL string) (env []string, schema string, err error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, "", fmt.Errorf("database url: %w", err)
	}
	set := map[string]string{}
	if h := u.Hostname(); h != "" {
		set["PGHOST"] = h
	}
	if p := u.Port(); p != "" {
		set["PGPORT"] = p
	}
	if u.User != nil {
		set["PGUSER"] = u.User.Username()
		if pw, ok := u.User.Password(); ok {
			set["PGPASSWORD"] = pw
		}
	}
	if d := strings.TrimPrefix(u.Path, "/"); d != "" {
		set["PGDATABASE"] = d
	}
	libpq := map[string]string{"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
		"dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
		"sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME",
		"options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS"}
	for k, vs := range u.Query() {
		if k == "search_path" && len(vs) > 0 {
			schema = strings.TrimSpace(strings.Split(vs[0], ",")[0])
		} else if name, ok := libpq[k]; ok && len(vs) > 0 {
			set[name] = vs[0]
		}
	}
	env = os.Environ()
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env, schema, nil
}

func pgTool(ctx context.Context, env []string, name string, args ...string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s not found: install the PostgreSQL client tools (Debian: postgresql-client) of the server's major version or newer", name)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func pgDump(ctx context.Context, dbURL, out string) error {
	env, schema, err := pgConn(dbURL)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--no-password", "--file=" + out}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	return pgTool(ctx, env, "pg_dump", args...)
}

func pgRestore(ctx context.Context, dbURL, file string, force bool) error {
	env, schema, err := pgConn(dbURL)
	if err != nil {
		return err
	}
	g, err := Open(dbURL)
	if err != nil {
		return err
	}
	n, err := pgTables(g, schema)
	Close(g)
	if err != nil {
		return err
	}
	if n > 0 && !force {
		return fmt.Errorf("restore: the database holds %d tables; restore into an empty database, or add --force to replace what the backup holds", n)
	}
	// --clean --if-exists drops what the backup holds before creating it (nothing, in
	// an empty database); one transaction, so a failed restore leaves the database as
	// it was; --no-owner, so that the URL's user owns what it restores.
	// Without --dbname pg_restore prints SQL instead of restoring; libpq's default
	// database is the user's name.
	dbname := envValue(env, "PGDATABASE")
	if dbname == "" {
		dbname = envValue(env, "PGUSER")
	}
	if dbname == "" {
		return errors.New("restore: the database url names no database")
	}
	return pgTool(ctx, env, "pg_restore", "--no-password", "--clean", "--if-exists", "--no-owner",
		"--single-transaction", "--exit-on-error", "--dbname="+dbname, file)
}

// envValue is the last value of name in env (later entries win, as in exec).
func envValue(env []string, name string) string {
	v := ""
	for _, e := range env {
		if k, val, ok := strings.Cut(e, "="); ok && k == name {
			v = val
		}
	}
	return v
}

// pgTables counts the tables of schema, or of every non-system schema.
func pgTables(g *gorm.DB, schema string) (int64, error) {
	q := g.Table("information_schema.tables")
	if schema != "" {
		q = q.Where("table_schema = ?", schema)
	} else {
		q = q.Where("table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'")
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("restore: count tables: %w", err)
	}
	return n, nil
}

func sqlitePath(dbURL string) (string, error) {
	if dbURL == "" {
		dbURL = DefaultURL
	}
	p := strings.TrimPrefix(dbURL, "sqlite://")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" || p == ":memory:" {
		return "", errors.New("backup: an in-memory database has no file to back up or restore")
	}
	return p, nil
}

func sqliteBackup(dbURL, out string) error {
	if _, err := sqlitePath(dbURL); err != nil {
		return err
	}
	g, err := Open(dbURL)
	if err != nil {
		return err
	}
	defer Close(g)
	if err := g.Exec("VACUUM INTO ?", out).Error; err != nil {
		return fmt.Errorf("backup: vacuum into %s: %w", out, err)
	}
	return nil
}

func sqliteRestore(dbURL, file string, force bool) error {
	path, err := sqlitePath(dbURL)
	if err != nil {
		return err
	}
	if err := checkSQLiteBackup(file); err != nil {
		return err
	}
	unlock, err := lockSQLiteExclusive(path)
	if err != nil {
		return err
	}
	defer unlock()
	if n, err := sqliteTables(path); err != nil {
		return err
	} else if n > 0 && !force {
		return fmt.Errorf("restore: %s holds %d tables; restore into a new file, or add --force to replace it", path, n)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp := path + ".restoring"
	if err := copyFile(file, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	// The old file's journal must not be applied to the new file.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// checkSQLiteBackup refuses a file that is not a sound fsc database.
func checkSQLiteBackup(file string) error {
	g, err := openSQLiteRaw(file)
	if err != nil {
		return fmt.Errorf("restore: %s: %w", file, err)
	}
	defer Close(g)
	var res string
	if err := g.Raw("PRAGMA quick_check").Scan(&res).Error; err != nil || res != "ok" {
		return fmt.Errorf("restore: %s is not a sound SQLite database: %v %s", file, err, res)
	}
	if !g.Migrator().HasTable("schema_migrations") {
		return fmt.Errorf("restore: %s is not an fsc database (no schema_migrations)", file)
	}
	return nil
}

func sqliteTables(path string) (int64, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	g, err := openSQLiteRaw(path)
	if err != nil {
		return 0, fmt.Errorf("restore: %s: %w", path, err)
	}
	defer Close(g)
	var n int64
	if err := g.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("restore: count tables of %s: %w", path, err)
	}
	return n, nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := dst.ReadFrom(src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
