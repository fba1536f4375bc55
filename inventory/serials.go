package inventory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// A serial is unique across the whole stock in its normalised form: trimmed and
// case-folded ("ab-1 " and "AB-1" are one serial). The database holds the rule (the
// unique index uq_devices_serial_norm on the folded serial), and every scan, search,
// receipt, import, recall, stocktake and return compares serials in that form.

// NormSerial is the form in which serials are compared: trimmed, case-folded.
func NormSerial(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// serialKey is the SQL of column col's serial in normalised form, exactly as the unique
// index has it (byte order on PostgreSQL too), so that comparisons use the index.
func serialKey(conn *gorm.DB, col string) string {
	if db.DialectOf(conn) == db.Postgres {
		return "lower(" + col + `) COLLATE "C"`
	}
	return "lower(" + col + ")"
}

// serialPrefix returns the SQL condition and arguments that select the devices whose
// normalised serial starts with prefix, as an index range: serials hold only letters,
// digits and . _ / : -, all below "~" once folded.
func serialPrefix(conn *gorm.DB, col, prefix string) (string, []any) {
	p := NormSerial(prefix)
	k := serialKey(conn, col)
	return k + " >= ? AND " + k + " < ?", []any{p, p + "~"}
}

// normAll returns the normalised form of each serial.
func normAll(serials []string) []string {
	out := make([]string, len(serials))
	for i, s := range serials {
		out[i] = NormSerial(s)
	}
	return out
}

func init() {
	db.Register(&gormigrate.Migration{
		ID:       "202612020230_inventory_serial_unique_norm",
		Migrate:  migrateSerialNorm,
		Rollback: func(tx *gorm.DB) error { return tx.Exec("DROP INDEX uq_devices_serial_norm").Error },
	})
}

// migrateSerialNorm makes serials unique across the stock on their normalised form.
// Devices that already share one (under two products, or in another case) cannot be
// merged or dropped: the oldest keeps the serial, each later one gets it suffixed with
// "-DUP<id>" (cut to fit 64 characters), with an event in its history that says so,
// until someone reads the label again.
func migrateSerialNorm(tx *gorm.DB) error {
	var dups []struct {
		ID     int64
		Serial string
		State  string
		Keeper int64
	}
	if err := tx.Raw(`SELECT d.id, d.serial, d.state, k.keeper FROM devices d
		JOIN (SELECT lower(serial) AS s, MIN(id) AS keeper FROM devices GROUP BY lower(serial) HAVING COUNT(*) > 1) k
		  ON lower(d.serial) = k.s AND d.id <> k.keeper ORDER BY d.id`).Scan(&dups).Error; err != nil {
		return fmt.Errorf("find duplicate serials: %w", err)
	}
	now := time.Now().UTC()
	for _, d := range dups {
		suffix := fmt.Sprintf("-DUP%d", d.ID)
		base := strings.TrimSpace(d.Serial)
		if len(base)+len(suffix) > 64 {
			base = base[:64-len(suffix)]
		}
		renamed := base + suffix
		if err := tx.Exec("UPDATE devices SET serial = ?, updated_at = ? WHERE id = ?", renamed, now, d.ID).Error; err != nil {
			return fmt.Errorf("rename duplicate serial of device %d: %w", d.ID, err)
		}
		reason := fmt.Sprintf("serial %s renamed to %s: device %d has the same serial, and serials are unique across the stock; check the label", d.Serial, renamed, d.Keeper)
		if err := tx.Exec("INSERT INTO device_events (device_id, at, from_state, to_state, actor, reason) VALUES (?, ?, ?, ?, 'system', ?)",
			d.ID, now, d.State, d.State, reason).Error; err != nil {
			return fmt.Errorf("event of device %d: %w", d.ID, err)
		}
	}
	idx := "CREATE UNIQUE INDEX uq_devices_serial_norm ON devices ((lower(serial)))"
	if tx.Dialector.Name() == "postgres" {
		idx = `CREATE UNIQUE INDEX uq_devices_serial_norm ON devices ((lower(serial)) COLLATE "C")`
	}
	if err := tx.Exec(idx).Error; err != nil {
		return fmt.Errorf("unique normalised serial: %w", err)
	}
	// The old rule (unique per product, exact case) is implied by the new one.
	return tx.Exec("DROP INDEX uq_devices_product_serial").Error
}

// existingSerials returns the devices, whatever their product, that already have one of
// serials in normalised form, by normalised serial.
func existingSerials(ctx context.Context, serials []string) (map[string]existing, error) {
	out := map[string]existing{}
	conn := db.Conn(ctx)
	k := serialKey(conn, "d.serial")
	for start := 0; start < len(serials); start += 1000 {
		chunk := normAll(serials[start:min(start+1000, len(serials))])
		var rows []existing
		if err := conn.Table("devices d").Select("d.id, d.serial, p.sku").Joins("JOIN products p ON p.id = d.product_id").
			Where(k+" IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("existing serials: %w", err)
		}
		for _, r := range rows {
			out[NormSerial(r.Serial)] = r
		}
	}
	return out, nil
}

type existing struct {
	ID     int64
	Serial string
	SKU    string `gorm:"column:sku"`
}
