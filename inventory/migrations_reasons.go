package inventory

import (
	"fmt"
	"regexp"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The code and arguments of a device event's reason (Why), so that the pages say it in
// the reader's language. The events written before get theirs from their English text,
// once, here.
func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612021100_inventory_event_reason_code",
		Migrate: func(tx *gorm.DB) error {
			if err := db.ExecAll(tx,
				"ALTER TABLE device_events ADD COLUMN reason_code varchar(32) NOT NULL DEFAULT ''",
				"ALTER TABLE device_events ADD COLUMN reason_args text NOT NULL DEFAULT ''"); err != nil {
				return err
			}
			return backfillReasons(tx)
		},
		Rollback: func(tx *gorm.DB) error {
			return db.ExecAll(tx, "ALTER TABLE device_events DROP COLUMN reason_args", "ALTER TABLE device_events DROP COLUMN reason_code")
		},
	})
}

// oldReason is an English reason the system wrote before codes: prefix, one argument
// (when arg), suffix. substr and length are the same in PostgreSQL and SQLite, so one
// UPDATE each does every event of its kind in the database itself.
type oldReason struct {
	code, prefix, suffix string
	arg                  bool
}

var oldReasons = []oldReason{
	{WhyReceipt, "received on receipt ", "", true},
	{WhyReserved, "reserved for order ", "", true},
	{WhyShipped, "shipped with ", "", true},
	{WhyShipFailed, "shipment failed: ", "", true},
	{WhyPickup, "pickup requested: ", "", true},
	{WhyTransferTo, "transferred to member ", "", true},
	{WhyCancelled, "order ", " cancelled", true},
	{WhyStocktakeMissing, "stocktake ", ": not found", true},
	{WhyStocktakeFound, "stocktake ", ": found here", true},
	{WhyPickedUp, "received from pickup", "", false},
	{WhyDeliveredCarrier, "delivered, reported by the carrier", "", false},
	{WhyDeliveredByHand, "delivered (marked by hand)", "", false},
}

var (
	oldTransferFrom = regexp.MustCompile(`^transferred from member (\d+) to member (\d+)$`)
	oldRecall       = regexp.MustCompile(`^recall (\d+) \(`)
)

func backfillReasons(tx *gorm.DB) error {
	for _, r := range oldReasons {
		p, s := len(r.prefix), len(r.suffix)
		args, cond := "''", "reason = ?"
		params := []any{r.code}
		if r.arg {
			args = fmt.Sprintf("substr(reason, %d, length(reason) - %d)", p+1, p+s)
			cond = fmt.Sprintf("length(reason) > %d AND substr(reason, 1, %d) = ?", p+s, p)
			params = append(params, r.prefix)
			if s > 0 {
				cond += fmt.Sprintf(" AND substr(reason, length(reason) - %d + 1) = ?", s)
				params = append(params, r.suffix)
			}
		} else {
			params = append(params, r.prefix)
		}
		q := fmt.Sprintf("UPDATE device_events SET reason_code = ?, reason_args = %s WHERE reason_code = '' AND %s", args, cond)
		if err := tx.Exec(q, params...).Error; err != nil {
			return fmt.Errorf("reason %s: %w", r.code, err)
		}
	}
	// The opening balance: since (a date, ten characters) and the file's name.
	const op, imp = "opening balance: deployed at the citizen since ", " (import "
	p := len(op)
	if err := tx.Exec(fmt.Sprintf(`UPDATE device_events SET reason_code = ?,
		reason_args = substr(reason, %d, 10) || ? || substr(reason, %d, length(reason) - %d)
		WHERE reason_code = '' AND length(reason) > %d AND substr(reason, 1, %d) = ? AND substr(reason, %d, %d) = ?
		AND substr(reason, length(reason)) = ')'`, p+1, p+11+len(imp), p+10+len(imp)+1, p+10+len(imp)+1, p, p+11, len(imp)),
		WhyOpening, argSep, op, imp).Error; err != nil {
		return fmt.Errorf("reason %s: %w", WhyOpening, err)
	}
	return backfillRare(tx)
}

// backfillRare does the reasons with more than one argument of any length, which a
// substr cannot cut: transfers between members and recalls, a handful of events each.
func backfillRare(tx *gorm.DB) error {
	var evs []struct {
		ID     int64
		Reason string
	}
	if err := tx.Raw(`SELECT id, reason FROM device_events WHERE reason_code = ''
		AND (substr(reason, 1, 24) = 'transferred from member ' OR substr(reason, 1, 7) = 'recall ')`).Scan(&evs).Error; err != nil {
		return fmt.Errorf("old reasons: %w", err)
	}
	recalls := map[string]Why{}
	for _, e := range evs {
		var w Why
		if m := oldTransferFrom.FindStringSubmatch(e.Reason); m != nil {
			w = Because(WhyTransferFrom, m[1], m[2])
		} else if m := oldRecall.FindStringSubmatch(e.Reason); m != nil {
			// The recall row has the vendor reference and the reason, which may hold
			// "): " themselves.
			if _, ok := recalls[m[1]]; !ok {
				var r struct{ VendorRef, Reason string }
				if err := tx.Raw("SELECT vendor_ref, reason FROM recalls WHERE id = ?", m[1]).Scan(&r).Error; err != nil {
					return fmt.Errorf("recall %s: %w", m[1], err)
				}
				recalls[m[1]] = Because(WhyRecall, m[1], r.VendorRef, r.Reason)
			}
			w = recalls[m[1]]
		}
		if w.Code == "" {
			continue
		}
		v, _ := w.Args.Value()
		if err := tx.Exec("UPDATE device_events SET reason_code = ?, reason_args = ? WHERE id = ?", w.Code, v, e.ID).Error; err != nil {
			return fmt.Errorf("event %d reason: %w", e.ID, err)
		}
	}
	return nil
}
