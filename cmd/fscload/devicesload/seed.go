package devicesload

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"gorm.io/gorm"
)

// fixtures are the rows the devices hang off.
type fixtures struct {
	MemberID    int64
	LocationIDs []int64
	Products    []benchProduct // most common first
}

type benchProduct struct {
	ID     int64
	SKU    string
	Weight int // percent of devices
}

// Share of devices per product (percent, sums to 100): a few popular models and a long
// tail. The last newModels products are new models: they only appear among the most
// recently received devices (the newest newShare of ids), so their rows sit at the end
// of the id range, as a model launched last month does.
var productWeights = []int{20, 15, 12, 10, 9, 8, 7, 6, 5, 4, 2, 2}

const (
	newModels = 2
	newShare  = 10 // percent of devices, the newest, among which new models appear
	batchSize = 200
	oldShare  = 70 // percent of devices in the "old" segment of the id range
)

// States per age segment, in percent of all devices: the oldest 70% of ids are mostly
// deployed (and the only ones worn out: scrapped, lost, in repair); the newest 30% hold
// most of the available and reserved stock. Overall: 60% deployed, 20% available, 5%
// reserved, 3% each in transit, returning and cleaning, 2% each repair, scrapped, lost.
type stateShare struct {
	State string
	Pct   int
}

var (
	oldStates = []stateShare{{"deployed", 50}, {"available", 6}, {"reserved", 1}, {"in_transit", 1},
		{"returning", 3}, {"cleaning", 3}, {"repair", 2}, {"scrapped", 2}, {"lost", 2}}
	newStates = []stateShare{{"deployed", 10}, {"available", 14}, {"reserved", 4}, {"in_transit", 2}}
)

// seed makes sure the bench member, locations and products exist and that the devices
// table holds at least n rows, adding the difference in bulk, then refreshes planner
// statistics.
func seed(ctx context.Context, g *gorm.DB, n int, writable bool) (*fixtures, error) {
	var have int64
	if err := g.Raw("SELECT COUNT(*) FROM devices").Scan(&have).Error; err != nil {
		return nil, err
	}
	need := int64(n) - have
	if need > 0 && !writable {
		name, _ := load.DatabaseName(g)
		return nil, fmt.Errorf("database %q holds %d devices and would need %d more, but its name contains neither \"bench\" nor \"load\"; refusing to write (use -force)", name, have, need)
	}
	fx, err := ensureFixtures(g, writable)
	if err != nil {
		return nil, err
	}
	if need <= 0 {
		fmt.Printf("seed: %d devices already present, nothing to add\n", have)
		return fx, nil
	}
	fmt.Printf("seed: %d devices present, adding %d over %d products and %d locations\n", have, need, len(fx.Products), len(fx.LocationIDs))
	start := time.Now()
	if db.DialectOf(g) == db.Postgres {
		err = seedPostgres(g, fx, have+1, int64(n))
	} else {
		err = insertDevices(g, fx, have+1, int64(n))
	}
	if err != nil {
		return nil, err
	}
	// The bulk insert bypassed the lifecycle: rebuild the kept device counts.
	if err := inventory.RecountDevices(db.NewContext(ctx, g)); err != nil {
		return nil, err
	}
	took := time.Since(start)
	fmt.Printf("seed: %d devices in %s (%.0f rows/s)\n", need, took.Round(time.Millisecond), float64(need)/took.Seconds())
	start = time.Now()
	if db.DialectOf(g) == db.Postgres {
		// VACUUM sets the visibility map (index-only scans) as autovacuum would in
		// production; ANALYZE gives the planner the new distribution.
		if err := g.Exec("VACUUM (ANALYZE) devices").Error; err != nil {
			return nil, fmt.Errorf("vacuum devices: %w", err)
		}
	}
	if err := g.Exec("ANALYZE").Error; err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	fmt.Printf("seed: vacuum/analyze in %s\n", since(start))
	return fx, nil
}

func ensureFixtures(g *gorm.DB, writable bool) (*fixtures, error) {
	now := time.Now().UTC()
	fx := &fixtures{}
	idOf := func(q string, args ...any) (int64, error) {
		var ids []int64
		if err := g.Raw(q, args...).Scan(&ids).Error; err != nil {
			return 0, err
		}
		if len(ids) == 0 {
			return 0, nil
		}
		return ids[0], nil
	}
	ensure := func(what, find string, findArg any, insert string, args ...any) (int64, error) {
		id, err := idOf(find, findArg)
		if err != nil || id != 0 {
			return id, err
		}
		if !writable {
			return 0, fmt.Errorf("bench %s %v missing and the database is not writable", what, findArg)
		}
		if err := g.Exec(insert, args...).Error; err != nil {
			return 0, fmt.Errorf("create bench %s: %w", what, err)
		}
		return idOf(find, findArg)
	}
	var err error
	fx.MemberID, err = ensure("member", "SELECT id FROM members WHERE code = ?", "BENCH",
		`INSERT INTO members (code, name, kind, ean, inhabitants, inhabitants_65_plus, created_at, updated_at)
		 VALUES (?, ?, 'municipality', '5790000000005', 100000, 20000, ?, ?)`, "BENCH", "Bench Municipality", now, now)
	if err != nil {
		return nil, err
	}
	for i := 1; i <= 2; i++ {
		code := fmt.Sprintf("BENCH-WH%d", i)
		id, err := ensure("location", "SELECT id FROM locations WHERE code = ?", code,
			"INSERT INTO locations (code, name, created_at) VALUES (?, ?, ?)", code, fmt.Sprintf("Bench warehouse %d", i), now)
		if err != nil {
			return nil, err
		}
		fx.LocationIDs = append(fx.LocationIDs, id)
	}
	categories := []string{"tablet", "blood-pressure", "pulse-oximeter", "scale", "thermometer", "spirometer"}
	for i, w := range productWeights {
		sku := fmt.Sprintf("BENCH-P%02d", i+1)
		id, err := ensure("product", "SELECT id FROM products WHERE sku = ?", sku,
			`INSERT INTO products (sku, name, category, tracking, reorder_level, substitution_group, created_at)
			 VALUES (?, ?, ?, 'serial', ?, '', ?)`, sku, fmt.Sprintf("Bench device model %d", i+1), categories[i%len(categories)], 500, now)
		if err != nil {
			return nil, err
		}
		fx.Products = append(fx.Products, benchProduct{ID: id, SKU: sku, Weight: w})
	}
	return fx, nil
}

// seedPostgres adds devices first..last in one transaction: without synchronous commit,
// with the secondary indexes of devices dropped during the load and rebuilt after
// (much faster than maintaining nine indexes row by row), and, when the role may, with
// the foreign-key triggers skipped (the generated references are valid by
// construction). Anything failing rolls all of it back, indexes included.
func seedPostgres(g *gorm.DB, fx *fixtures, first, last int64) error {
	return g.Transaction(func(tx *gorm.DB) error {
		for _, s := range []string{"SET LOCAL synchronous_commit = off", "SET LOCAL maintenance_work_mem = '256MB'"} {
			if err := tx.Exec(s).Error; err != nil {
				return err
			}
		}
		var super string
		if err := tx.Raw("SELECT current_setting('is_superuser')").Scan(&super).Error; err != nil {
			return err
		}
		if super == "on" {
			if err := tx.Exec("SET LOCAL session_replication_role = replica").Error; err != nil {
				return err
			}
		}
		type index struct{ Name, Def string }
		var idx []index
		if last-first >= 100_000 {
			err := tx.Raw(`SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
				FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
				WHERE x.indrelid = 'devices'::regclass
				  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
				ORDER BY i.relname`).Scan(&idx).Error
			if err != nil {
				return err
			}
			for _, ix := range idx {
				if err := tx.Exec(`DROP INDEX "` + ix.Name + `"`).Error; err != nil {
					return err
				}
			}
			fmt.Printf("seed: dropped %d secondary indexes for the load (fk triggers skipped: %v)\n", len(idx), super == "on")
		}
		if err := insertDevices(tx, fx, first, last); err != nil {
			return err
		}
		start := time.Now()
		for _, ix := range idx {
			if err := tx.Exec(ix.Def).Error; err != nil {
				return fmt.Errorf("rebuild %s: %w", ix.Name, err)
			}
		}
		if len(idx) > 0 {
			fmt.Printf("seed: rebuilt %d indexes in %s\n", len(idx), since(start))
		}
		return nil
	})
}

// insertDevices adds devices numbered first..last with INSERT … SELECT over a generated
// series, in chunks so progress shows. The spread over products, states and locations
// comes from two multiplicative hashes of the number, so it is deterministic and the
// same for every run.
func insertDevices(g *gorm.DB, fx *fixtures, first, last int64) error {
	const chunk = 250_000
	stmt := deviceInsertSQL(db.DialectOf(g), fx, last)
	ts := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	start := time.Now()
	for a := first; a <= last; a += chunk {
		b := min(a+chunk-1, last)
		var args []any
		if db.DialectOf(g) == db.Postgres {
			args = []any{ts, ts, a, b}
		} else {
			args = []any{a, b, ts, ts}
		}
		if err := g.Exec(stmt, args...).Error; err != nil {
			return fmt.Errorf("insert devices %d..%d: %w", a, b, err)
		}
		fmt.Printf("seed:   %d/%d rows (%s)\n", b-first+1, last-first+1, since(start))
	}
	return nil
}

// deviceInsertSQL is an INSERT … SELECT over a series of device numbers i. Devices are
// received in batches of batchSize of one product (ids grow with time); the product of
// a batch and the state of a device come from multiplicative hashes, the state's
// distribution from the device's age (its place among the n devices).
func deviceInsertSQL(d db.Dialect, fx *fixtures, n int64) string {
	stateCase := func(shares []stateShare) string {
		total := 0
		for _, s := range shares {
			total += s.Pct
		}
		var b strings.Builder
		b.WriteString("CASE")
		cum := 0
		for _, s := range shares[:len(shares)-1] {
			cum += s.Pct
			fmt.Fprintf(&b, " WHEN sb < %d THEN '%s'", cum*1000/total, s.State)
		}
		fmt.Fprintf(&b, " ELSE '%s' END", shares[len(shares)-1].State)
		return b.String()
	}
	old := fx.Products[:len(fx.Products)-newModels]
	oldTotal := 0
	for _, p := range old {
		oldTotal += p.Weight
	}
	var pr strings.Builder
	pr.WriteString("CASE")
	// Among the newest newShare% of devices, the new models take weight/newShare each.
	cum := 0
	for _, p := range fx.Products[len(old):] {
		cum += p.Weight * 1000 / newShare
		fmt.Fprintf(&pr, " WHEN i > %d AND pb < %d THEN %d", n*(100-newShare)/100, cum, p.ID)
	}
	cum = 0
	for _, p := range old[:len(old)-1] {
		cum += p.Weight
		fmt.Fprintf(&pr, " WHEN pb2 < %d THEN %d", cum*1000/oldTotal, p.ID)
	}
	fmt.Fprintf(&pr, " ELSE %d END", old[len(old)-1].ID)

	cols := "serial, product_id, state, location_id, member_id, citizen_ref, recalled, unit_cost_ore, received_at, updated_at"
	// A batch arrives every two hours (PostgreSQL); SQLite smoke runs keep one date.
	received := "?"
	if d == db.Postgres {
		received = fmt.Sprintf("CAST(? AS timestamptz) + ((i - 1) / %d) * INTERVAL '2 hours'", batchSize)
	}
	sel := fmt.Sprintf(`SELECT 'SN' || CAST(1000000000 + i AS TEXT), prod, st,
		CASE WHEN st = 'deployed' THEN NULL WHEN i %% 2 = 0 THEN %d ELSE %d END,
		CASE WHEN st = 'deployed' THEN %d ELSE NULL END,
		CASE WHEN st = 'deployed' THEN 'CIT-' || CAST(i AS TEXT) ELSE NULL END,
		(i %% 997 = 0), 50000 + (i %% 7) * 2500, %[4]s, %[4]s`,
		fx.LocationIDs[0], fx.LocationIDs[1], fx.MemberID, received)
	mid := fmt.Sprintf("SELECT i, CASE WHEN i <= %d THEN %s ELSE %s END AS st, %s AS prod",
		n*oldShare/100, stateCase(oldStates), stateCase(newStates), pr.String())
	hashes := fmt.Sprintf(`i, (i * 7919) %% 10007 %% 1000 AS sb,
		((i - 1) / %d * 104729) %% 10009 %% 1000 AS pb, ((i - 1) / %d * 15485863) %% 10037 %% 1000 AS pb2`, batchSize, batchSize)
	if d == db.Postgres {
		return fmt.Sprintf("INSERT INTO devices (%s) %s FROM (%s FROM (SELECT %s FROM generate_series(CAST(? AS bigint), CAST(? AS bigint)) AS s(i)) h) t",
			cols, sel, mid, hashes)
	}
	return fmt.Sprintf("INSERT INTO devices (%s) WITH RECURSIVE s(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM s WHERE i < ?) %s FROM (%s FROM (SELECT %s FROM s) h) t",
		cols, sel, mid, hashes)
}
