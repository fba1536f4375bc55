package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"gorm.io/gorm"
)

// snapshot is what a restore must bring back: the row count of every table, and one
// delivered order's whole history as stored (order, lines, reservations, shipments,
// its devices' events, audit entries of the order and its shipments).
type snapshot struct {
	Counts  map[string]int64
	History map[string]string // part → its rows as JSON, ordered by id
}

func takeSnapshot(t *testing.T, dbURL string) snapshot {
	t.Helper()
	g, err := db.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(g)
	var tables []string
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
	if db.DialectOf(g) == db.SQLite {
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
	}
	if err := g.Raw(q).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	s := snapshot{Counts: map[string]int64{}, History: map[string]string{}}
	for _, tbl := range tables {
		var n int64
		if err := g.Table(tbl).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		s.Counts[tbl] = n
	}
	var order int64
	if err := g.Raw("SELECT id FROM orders WHERE status = 'delivered' ORDER BY id LIMIT 1").Scan(&order).Error; err != nil || order == 0 {
		t.Fatalf("no delivered order to follow (%v)", err)
	}
	parts := map[string]*gorm.DB{
		"order":        g.Table("orders").Where("id = ?", order),
		"lines":        g.Table("order_lines").Where("order_id = ?", order),
		"reservations": g.Table("order_reservations").Where("order_id = ?", order),
		"shipments":    g.Table("shipments").Where("order_id = ?", order),
		"device events": g.Table("device_events").Where("device_id IN (?)",
			g.Table("order_reservations").Select("device_id").Where("order_id = ? AND device_id IS NOT NULL", order)),
		"audit": g.Table("audit_entries").Where("(entity = 'order' AND entity_id = ?) OR (entity = 'shipment' AND entity_id IN (?))",
			order, g.Table("shipments").Select("id").Where("order_id = ?", order)),
	}
	for name, q := range parts {
		var rows []map[string]any
		if err := q.Order("id").Find(&rows).Error; err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rows) == 0 {
			t.Fatalf("the delivered order %d has no %s", order, name)
		}
		b, err := json.Marshal(rows)
		if err != nil {
			t.Fatal(err)
		}
		s.History[name] = string(b)
	}
	return s
}

func (s snapshot) diff(o snapshot) string {
	var out []string
	for k, n := range s.Counts {
		if o.Counts[k] != n {
			out = append(out, fmt.Sprintf("table %s: %d rows, want %d", k, o.Counts[k], n))
		}
	}
	for k := range o.Counts {
		if _, ok := s.Counts[k]; !ok {
			out = append(out, "table "+k+" was not there")
		}
	}
	for k, v := range s.History {
		if o.History[k] != v {
			out = append(out, fmt.Sprintf("%s:\n  got  %s\n  want %s", k, o.History[k], v))
		}
	}
	return strings.Join(out, "\n")
}

// run runs fsc with args on vars and returns its output and error.
func runFSC(t *testing.T, vars []string, args ...string) (string, error) {
	t.Helper()
	p := startProc(t, args[0], vars, args...)
	err := p.wait(t, 2*time.Minute)
	return p.output(), err
}

// wipe drops everything: the database (created again, empty) or the SQLite file.
func wipe(t *testing.T, dbURL string) {
	t.Helper()
	if !testenv.OnPostgres() {
		path := strings.TrimPrefix(dbURL, "sqlite://")
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		return
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := db.Open(testenv.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(admin)
	for _, q := range []string{"DROP DATABASE " + name + " WITH (FORCE)", "CREATE DATABASE " + name} {
		if err := admin.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// The drill an operator runs before needing it: seed (the demo: members, stock,
// devices, orders shipped and delivered with their histories), back up while the data
// is live, wipe, restore, and find every table's row count and one order's whole
// history as they were. On the way: a backup never overwrites a file, a restore
// refuses a database that holds data unless --force, and on SQLite refuses while an fsc
// has the file open.
func TestBackupRestoreDrill(t *testing.T) {
	dbURL := freshDatabase(t, "drill")
	vars := demoVars(t, dbURL)
	if p, err := runDemoProc(t, vars); err != nil {
		t.Fatalf("seed: %v\n%s", err, p.output())
	}
	before := takeSnapshot(t, dbURL)
	file := filepath.Join(t.TempDir(), "fsc.backup")

	if out, err := runFSC(t, vars, "backup", file); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if st, err := os.Stat(file); err != nil || st.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
	if out, err := runFSC(t, vars, "backup", file); err == nil || !strings.Contains(out, "exists") {
		t.Fatalf("a second backup to the same file = %v, want a refusal:\n%s", err, out)
	}
	if out, err := runFSC(t, vars, "restore", file); err == nil || !strings.Contains(out, "--force") {
		t.Fatalf("restore over the live database = %v, want a refusal naming --force:\n%s", err, out)
	}
	if !testenv.OnPostgres() {
		serve := startProc(t, "serve", append(vars, "FSC_ADDR=127.0.0.1:0"), "serve")
		serve.waitReady(t, 30*time.Second)
		if out, err := runFSC(t, vars, "restore", "--force", file); err == nil || !strings.Contains(out, "running fsc") {
			t.Fatalf("restore while fsc serve has the file open = %v, want a refusal:\n%s", err, out)
		}
		serve.stop(t)
	}

	wipe(t, dbURL)
	if out, err := runFSC(t, vars, "restore", file); err != nil {
		t.Fatalf("restore into the wiped database: %v\n%s", err, out)
	}
	if d := before.diff(takeSnapshot(t, dbURL)); d != "" {
		t.Fatalf("after the restore:\n%s", d)
	}
	// --force over a database holding the same data puts it back as it was too.
	if out, err := runFSC(t, vars, "restore", "--force", file); err != nil {
		t.Fatalf("restore --force: %v\n%s", err, out)
	}
	if d := before.diff(takeSnapshot(t, dbURL)); d != "" {
		t.Fatalf("after restore --force:\n%s", d)
	}
}
