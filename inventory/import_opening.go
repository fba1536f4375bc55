package inventory

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The opening balance: the centre does not start empty, thousands of devices are
// already at citizens. A device file with the columns sku, serial, member_code,
// citizen_ref and deployed_on creates each device deployed for that member and citizen
// since that day, with a history that says so (its first event is dated that day), so
// that device-days count from it. The rules of a delivery file hold (all or nothing,
// each bad row named, the same background job for large files), plus: member_code
// names a member, citizen_ref is a reference that is not a CPR number, deployed_on is a
// day (YYYY-MM-DD, DD-MM-YYYY, DD.MM.YYYY or an Excel date) not in the future. The
// location, when given, is where the devices go when they come back; no receipt is
// written (nothing arrived).

var dmy = regexp.MustCompile(`^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$`)

// parseDay reads a day as people and Excel write it.
func parseDay(s string) (civil.Date, bool) {
	if d, err := civil.Parse(s); err == nil {
		return d, true
	}
	if m := dmy.FindStringSubmatch(s); m != nil {
		d, err := civil.Parse(fmt.Sprintf("%s-%02s-%02s", m[3], m[2], m[1]))
		return d, err == nil
	}
	// An Excel serial date (days since 1899-12-30), as a workbook's raw cell holds it.
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 1 && n < 2958466 && n == float64(int(n)) {
		return civil.Of(time.Date(1899, 12, 30, 12, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))), true
	}
	return civil.Date{}, false
}

// startOf is the first instant of day d in the business calendar.
func startOf(d civil.Date) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", d.String(), civil.Copenhagen)
	return t.UTC()
}

type openingRow struct {
	memberID int64
	ref      string
	since    civil.Date
}

// importOpening checks the opening-balance columns of rows (lines, rowOf and fe are what
// checkDeviceRows found) and stores the devices, all or nothing.
func (s *Service) importOpening(ctx context.Context, run importRun, rows []deviceRow, lines []NewReceiptLine, rowOf [][]int,
	fe apperr.Fields, report func(int, bool)) (*ImportResult, error) {
	members, err := membersByCode(ctx, rows)
	if err != nil {
		return nil, err
	}
	today := civil.Today()
	byRow := make(map[int]openingRow, len(rows))
	for _, r := range rows {
		o := r.open
		var x openingRow
		switch id, ok := members[o.MemberCode]; {
		case o.MemberCode == "":
			fe.Add(rowField(r.row, "member_code"), apperr.Required, "is empty")
		case !ok:
			fe.Add(rowField(r.row, "member_code"), apperr.Unknown, "no member with code %q", truncate(o.MemberCode, 40))
		default:
			x.memberID = id
		}
		if p := validate.CitizenRef(rowField(r.row, "citizen_ref"), o.CitizenRef); p != nil {
			fe = append(fe, *p)
		}
		x.ref = o.CitizenRef
		switch d, ok := parseDay(o.DeployedOn); {
		case o.DeployedOn == "":
			fe.Add(rowField(r.row, "deployed_on"), apperr.Required, "is empty")
		case !ok:
			fe.Add(rowField(r.row, "deployed_on"), apperr.NotDate, "must be a day (YYYY-MM-DD)")
		case d.After(today):
			fe.Add(rowField(r.row, "deployed_on"), apperr.InFuture, "must not be in the future")
		default:
			x.since = d
		}
		byRow[r.row] = x
	}
	if len(fe) > 0 {
		sortRowErrors(fe)
		return nil, fe.Err()
	}
	var loc *int64
	if run.locationID > 0 {
		loc = &run.locationID
	}
	total := len(rows)
	res := &ImportResult{Lines: make([]ImportLine, len(lines))}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		inserted := 0
		for i, l := range lines {
			n, err := insertOpening(ctx, run, l, rowOf[i], byRow, loc, func(n int) {
				inserted += n
				report(total/2+inserted*(total-total/2)/total, true)
			})
			if err != nil {
				return err
			}
			res.DevicesCreated += n
			res.Lines[i] = ImportLine{ProductID: l.ProductID, Quantity: int64(n)}
		}
		for i := range res.Lines {
			if p, err := findProduct(ctx, res.Lines[i].ProductID); err == nil {
				res.Lines[i].SKU = p.SKU
			}
		}
		if err := audit.Record(ctx, "opening-balance", "import", 0, nil, map[string]any{
			"import": run.filename, "location_id": loc, "devices_created": res.DevicesCreated, "lines": res.Lines}); err != nil {
			return err
		}
		if run.finish != nil {
			return run.finish(ctx, res)
		}
		return nil
	})
	if err != nil {
		if apperr.Is(err, apperr.KindInvalid) {
			return nil, fileInvalidFrom(err)
		}
		return nil, err
	}
	return res, nil
}

// insertOpening creates the deployed devices of line l (rows rowOf) with their first
// event, in batches, and counts them.
func insertOpening(ctx context.Context, run importRun, l NewReceiptLine, rowOf []int, byRow map[int]openingRow, loc *int64, progress func(int)) (int, error) {
	conn := db.Conn(ctx)
	batch := deviceBatch(conn)
	now := time.Now().UTC()
	n := 0
	for start := 0; start < len(l.Serials); start += batch {
		end := min(start+batch, len(l.Serials))
		ds := make([]Device, 0, end-start)
		for j := start; j < end; j++ {
			o := byRow[rowOf[j]]
			ds = append(ds, Device{Serial: l.Serials[j], ProductID: l.ProductID, State: Deployed, LocationID: loc,
				MemberID: &o.memberID, CitizenRef: &o.ref, ReceivedAt: startOf(o.since), UpdatedAt: now})
		}
		if err := conn.Select("Serial", "ProductID", "State", "LocationID", "MemberID", "CitizenRef", "UnitCostOre", "ReceivedAt", "UpdatedAt").
			Create(&ds).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return 0, apperr.Invalid(apperr.Field("serials", apperr.Changed, "a serial was added by someone else meanwhile; submit again to see which"))
			}
			return 0, fmt.Errorf("create devices: %w", err)
		}
		evs := make([]Event, len(ds))
		for k, d := range ds {
			o := byRow[rowOf[start+k]]
			why := Because(WhyOpening, o.since, run.filename)
			evs[k] = Event{DeviceID: d.ID, At: startOf(o.since), To: string(Deployed), Actor: run.actor,
				Reason: why.Text(), ReasonCode: why.Code, ReasonArgs: why.Args, MemberID: d.MemberID, CitizenRef: d.CitizenRef}
		}
		if err := conn.Select("DeviceID", "At", "To", "Actor", "Reason", "ReasonCode", "ReasonArgs", "MemberID", "CitizenRef").Create(&evs).Error; err != nil {
			return 0, fmt.Errorf("create device events: %w", err)
		}
		k := countKey{ProductID: l.ProductID, State: Deployed}
		if loc != nil {
			k.LocationID = *loc
		}
		if err := countNew(ctx, k, int64(len(ds)), 0); err != nil { // no receipt, no cost
			return 0, err
		}
		n += len(ds)
		progress(len(ds))
	}
	return n, nil
}

// membersByCode returns the ids of the members the rows name, by code.
func membersByCode(ctx context.Context, rows []deviceRow) (map[string]int64, error) {
	seen := map[string]bool{}
	var codes []string
	for _, r := range rows {
		if c := r.open.MemberCode; c != "" && !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	out := map[string]int64{}
	for start := 0; start < len(codes); start += 1000 {
		var ms []struct {
			ID   int64
			Code string
		}
		if err := db.Conn(ctx).Table("members").Select("id, code").Where("code IN ?", codes[start:min(start+1000, len(codes))]).
			Scan(&ms).Error; err != nil {
			return nil, fmt.Errorf("members by code: %w", err)
		}
		for _, m := range ms {
			out[m.Code] = m.ID
		}
	}
	return out, nil
}

func init() {
	db.Register(&gormigrate.Migration{
		ID:      "202612020300_inventory_imports_location_optional",
		Migrate: migrateImportLocationOptional,
		Rollback: func(tx *gorm.DB) error {
			return nil // a NOT NULL again would refuse the opening balances without a location
		},
	})
}

// migrateImportLocationOptional lets an import (an opening balance) have no location.
// SQLite cannot drop NOT NULL in place: the table is rebuilt with its rows.
func migrateImportLocationOptional(tx *gorm.DB) error {
	if tx.Dialector.Name() == "postgres" {
		return tx.Exec("ALTER TABLE imports ALTER COLUMN location_id DROP NOT NULL").Error
	}
	cols := "id, location_id, filename, status, rows_total, rows_done, devices_created, receipt_id, errors, file_data, created_by, created_at, finished_at"
	for _, q := range []string{
		"DROP INDEX IF EXISTS idx_imports_location_id",
		"ALTER TABLE imports RENAME TO imports_old",
		`CREATE TABLE imports (
			id integer PRIMARY KEY AUTOINCREMENT,
			location_id integer REFERENCES locations(id) ON DELETE RESTRICT,
			filename text NOT NULL,
			status text NOT NULL CONSTRAINT chk_imports_status CHECK (status IN ('queued','running','done','failed')),
			rows_total integer NOT NULL DEFAULT 0,
			rows_done integer NOT NULL DEFAULT 0,
			devices_created integer NOT NULL DEFAULT 0,
			receipt_id integer REFERENCES receipts(id) ON DELETE RESTRICT,
			errors text NOT NULL DEFAULT '[]',
			file_data blob,
			created_by text NOT NULL,
			created_at datetime NOT NULL,
			finished_at datetime)`,
		"INSERT INTO imports (" + cols + ") SELECT " + cols + " FROM imports_old",
		"DROP TABLE imports_old",
		"CREATE INDEX idx_imports_location_id ON imports (location_id)",
	} {
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("imports without location: %w", err)
		}
	}
	return nil
}
