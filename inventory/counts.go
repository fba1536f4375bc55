package inventory

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Device counts: how many devices of each product are in each state at each location
// (0: none), recalled or not, kept in the table device_counts in step with every device
// change, in the transaction of the change. GET /stock reads these few rows instead of
// aggregating the devices table.
//
// Every change of a device's product, location, state or recall goes through countMove
// (apply, the one lifecycle path, and the relocation of a stocktake), countNew (devices
// created by a receipt or an import) or countRecalled. The deltas of a transaction are
// gathered and written once at its end, in key order: racing transactions then never
// lock two count rows in opposite orders (no deadlock), and hold them only from that
// write to their commit. Each key is kept in countShards rows (a transaction writes to
// one shard it picks at random), so that orders reserving the same product do not all
// queue on one row; a count is the sum of its shards, and a shard may be negative.
// Beside each count goes the devices' value (their unit cost from the receipt, in øre),
// so that the stock's value is read from the same few rows.

type countKey struct {
	ProductID  int64
	LocationID int64
	State      State
	Recalled   bool
}

func (a countKey) compare(b countKey) int {
	return cmp.Or(cmp.Compare(a.ProductID, b.ProductID), cmp.Compare(a.LocationID, b.LocationID),
		cmp.Compare(a.State, b.State), func() int {
			switch {
			case a.Recalled == b.Recalled:
				return 0
			case b.Recalled:
				return -1
			}
			return 1
		}())
}

func keyOf(d *Device) countKey {
	k := countKey{ProductID: d.ProductID, State: d.State, Recalled: d.Recalled}
	if d.LocationID != nil {
		k.LocationID = *d.LocationID
	}
	return k
}

// countDelta is a change of a count: devices and their value in øre.
type countDelta struct{ N, Ore int64 }

type countDeltas map[countKey]countDelta

// countShards is how many rows share each count.
const countShards = 16

type countsTxKey struct{}

// addCounts adds deltas to the counts of the transaction in ctx (written at its end),
// or writes them at once outside a transaction.
func addCounts(ctx context.Context, deltas countDeltas) error {
	v, ok := db.TxLocal(ctx, countsTxKey{}, func() (any, func(context.Context) error) {
		m := countDeltas{}
		return m, func(ctx context.Context) error { return flushCounts(ctx, m) }
	})
	if !ok {
		return flushCounts(ctx, deltas)
	}
	m := v.(countDeltas)
	for k, d := range deltas {
		m[k] = countDelta{m[k].N + d.N, m[k].Ore + d.Ore}
	}
	return nil
}

// countMove counts device before as having become after.
func (s *Service) countMove(ctx context.Context, before, after *Device) error {
	kb, ka := keyOf(before), keyOf(after)
	if kb == ka {
		return nil
	}
	return addCounts(ctx, countDeltas{kb: {-1, -before.UnitCostOre}, ka: {1, after.UnitCostOre}})
}

// countNew counts n new devices of key k, each of unit cost costOre.
func countNew(ctx context.Context, k countKey, n, costOre int64) error {
	return addCounts(ctx, countDeltas{k: {n, n * costOre}})
}

// countRecalled moves the devices that recall recallID just marked from the
// not-recalled to the recalled counts.
func countRecalled(ctx context.Context, recallID int64) error {
	var rows []struct {
		ProductID  int64
		LocationID int64
		State      State
		N, Ore     int64
	}
	if err := db.Conn(ctx).Table("devices").
		Select("product_id, COALESCE(location_id, 0) AS location_id, state, COUNT(*) AS n, SUM(unit_cost_ore) AS ore").
		Where("recall_id = ?", recallID).Group("product_id, COALESCE(location_id, 0), state").Scan(&rows).Error; err != nil {
		return fmt.Errorf("count recalled devices: %w", err)
	}
	d := countDeltas{}
	for _, r := range rows {
		k := countKey{ProductID: r.ProductID, LocationID: r.LocationID, State: r.State}
		d[k] = countDelta{d[k].N - r.N, d[k].Ore - r.Ore}
		k.Recalled = true
		d[k] = countDelta{d[k].N + r.N, d[k].Ore + r.Ore}
	}
	return addCounts(ctx, d)
}

// flushCounts writes deltas in key order.
func flushCounts(ctx context.Context, deltas countDeltas) error {
	keys := make([]countKey, 0, len(deltas))
	for k, d := range deltas {
		if d != (countDelta{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, countKey.compare)
	if len(keys) == 0 {
		return nil
	}
	// One statement for all keys: its rows are written (and locked) in the order given,
	// the key order.
	shard := rand.IntN(countShards)
	rows := make([]map[string]any, len(keys))
	for i, k := range keys {
		rows[i] = map[string]any{"product_id": k.ProductID, "location_id": k.LocationID, "state": k.State,
			"recalled": k.Recalled, "shard": shard, "n": deltas[k].N, "value_ore": deltas[k].Ore}
	}
	err := db.Conn(ctx).Table("device_counts").Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "product_id"}, {Name: "location_id"}, {Name: "state"}, {Name: "recalled"}, {Name: "shard"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("device_counts.n + excluded.n"),
			"value_ore": gorm.Expr("device_counts.value_ore + excluded.value_ore")}),
	}).Create(rows).Error
	if err != nil {
		return fmt.Errorf("device counts: %w", err)
	}
	for k := range deltas {
		delete(deltas, k) // a hook may run once more (one registered by another)
	}
	return nil
}

// CountDrift compares device_counts with a full count of the devices table and returns
// the keys whose count or value differ, as "product/location/state/recalled: kept N
// (V øre), counted M (W øre)"; empty when they agree. Tests and `fsc` checks call it.
func CountDrift(ctx context.Context) ([]string, error) {
	type row struct {
		ProductID  int64
		LocationID int64
		State      State
		Recalled   bool
		N, Ore     int64
	}
	var kept, full []row
	if err := db.Conn(ctx).Table("device_counts").Select("product_id, location_id, state, recalled, SUM(n) AS n, SUM(value_ore) AS ore").
		Group("product_id, location_id, state, recalled").Having("SUM(n) <> 0 OR SUM(value_ore) <> 0").Scan(&kept).Error; err != nil {
		return nil, fmt.Errorf("device counts: %w", err)
	}
	if err := db.Conn(ctx).Table("devices").
		Select("product_id, COALESCE(location_id, 0) AS location_id, state, recalled, COUNT(*) AS n, SUM(unit_cost_ore) AS ore").
		Group("product_id, COALESCE(location_id, 0), state, recalled").Scan(&full).Error; err != nil {
		return nil, fmt.Errorf("count devices: %w", err)
	}
	m := map[countKey][2]countDelta{}
	for _, r := range kept {
		k := countKey{r.ProductID, r.LocationID, r.State, r.Recalled}
		v := m[k]
		v[0] = countDelta{r.N, r.Ore}
		m[k] = v
	}
	for _, r := range full {
		k := countKey{r.ProductID, r.LocationID, r.State, r.Recalled}
		v := m[k]
		v[1] = countDelta{r.N, r.Ore}
		m[k] = v
	}
	var out []string
	for k, v := range m {
		if v[0] != v[1] {
			out = append(out, fmt.Sprintf("%d/%d/%s/%v: kept %d (%d øre), counted %d (%d øre)",
				k.ProductID, k.LocationID, k.State, k.Recalled, v[0].N, v[0].Ore, v[1].N, v[1].Ore))
		}
	}
	slices.Sort(out)
	return out, nil
}

// RecountDevices rebuilds device_counts from the devices table, in the caller's
// transaction (after a bulk load that bypassed the services, such as cmd/fscload's
// seeding).
func RecountDevices(ctx context.Context) error {
	conn := db.Conn(ctx)
	if err := conn.Exec("DELETE FROM device_counts").Error; err != nil {
		return fmt.Errorf("recount devices: %w", err)
	}
	if err := conn.Exec(`INSERT INTO device_counts (product_id, location_id, state, recalled, shard, n, value_ore)
		SELECT product_id, COALESCE(location_id, 0), state, recalled, 0, COUNT(*), SUM(unit_cost_ore) FROM devices
		GROUP BY product_id, COALESCE(location_id, 0), state, recalled`).Error; err != nil {
		return fmt.Errorf("recount devices: %w", err)
	}
	return nil
}

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612020210_inventory_device_counts",
		Migrate: func(tx *gorm.DB) error {
			// The first form, one row per count; 202612020310 replaces it by shards.
			if err := tx.Exec(`CREATE TABLE device_counts (
				product_id bigint NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
				location_id bigint NOT NULL,
				state varchar(16) NOT NULL,
				recalled boolean NOT NULL,
				n bigint NOT NULL DEFAULT 0 CHECK (n >= 0),
				PRIMARY KEY (product_id, location_id, state, recalled))`).Error; err != nil {
				return err
			}
			return tx.Exec(`INSERT INTO device_counts (product_id, location_id, state, recalled, n)
				SELECT product_id, COALESCE(location_id, 0), state, recalled, COUNT(*) FROM devices
				GROUP BY product_id, COALESCE(location_id, 0), state, recalled`).Error
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("device_counts") },
	}, &gormigrate.Migration{
		ID: "202612020310_inventory_device_counts_shards",
		Migrate: func(tx *gorm.DB) error {
			// Counts are derived: the table is rebuilt in its sharded form and recounted.
			if err := tx.Migrator().DropTable("device_counts"); err != nil {
				return err
			}
			if err := tx.Exec(`CREATE TABLE device_counts (
				product_id bigint NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
				location_id bigint NOT NULL,
				state varchar(16) NOT NULL,
				recalled boolean NOT NULL,
				shard smallint NOT NULL DEFAULT 0,
				n bigint NOT NULL DEFAULT 0,
				PRIMARY KEY (product_id, location_id, state, recalled, shard))`).Error; err != nil {
				return err
			}
			// The recount of the table as it was then (RecountDevices writes later columns).
			return tx.Exec(`INSERT INTO device_counts (product_id, location_id, state, recalled, shard, n)
				SELECT product_id, COALESCE(location_id, 0), state, recalled, 0, COUNT(*) FROM devices
				GROUP BY product_id, COALESCE(location_id, 0), state, recalled`).Error
		},
		Rollback: func(tx *gorm.DB) error { return nil },
	}, &gormigrate.Migration{
		ID: "202612030100_inventory_device_counts_value",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Exec(`ALTER TABLE device_counts ADD COLUMN value_ore bigint NOT NULL DEFAULT 0`).Error; err != nil {
				return err
			}
			return RecountDevices(db.NewContext(context.Background(), tx))
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropColumn("device_counts", "value_ore") },
	})
}
