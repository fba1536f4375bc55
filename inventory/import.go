package inventory

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// MaxImportRows bounds the device rows of one import file.
const MaxImportRows = 200_000

// ImportResult answers a completed import like a receipt, without echoing the serials:
// ReceiptID is the receipt that recorded the devices.
type ImportResult struct {
	ReceiptID      int64        `json:"id"`
	DevicesCreated int          `json:"devices_created"`
	Lines          []ImportLine `json:"lines"`
}

// ImportLine is one product of an import and how many devices of it arrived.
type ImportLine struct {
	ProductID int64  `json:"product_id"`
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
}

// ImportDevices receives the devices listed in a .csv or .xlsx file (columns sku and
// serial, see ParseDevices) at locationID (logistics), under the rules of a receipt:
// all or nothing. The devices are recorded on one receipt, referenced "import
// <filename>", through the same code as CreateReceipt.
//
// Bad rows are Invalid, every one of them named by its row number N in the file as
// Excel shows it (the header is row 1): "rows[N].sku" for an empty SKU, an unknown one
// or one counted by quantity, "rows[N].serial" for an empty or malformed serial, one
// that appears twice in the file for the same product (the later rows are named) or
// one that already exists. A bad location is named "location_id", an unreadable file,
// a missing header or no rows "file". Nothing is stored then.
func (s *Service) ImportDevices(ctx context.Context, locationID int64, filename string, r io.Reader) (*ImportResult, error) {
	p, err := auth.Require(ctx, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if err := checkLocationField(ctx, locationID, &fe); err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return s.importDevices(ctx, importRun{actor: p.Name, locationID: locationID, filename: cleanFilename(filename), src: r})
}

// checkLocationField names location_id when it is not a location.
func checkLocationField(ctx context.Context, id int64, fe *apperr.Fields) error {
	if id <= 0 {
		fe.Add("location_id", apperr.Required, "is required")
		return nil
	}
	_, err := findLocation(ctx, id)
	if apperr.Is(err, apperr.KindNotFound) {
		fe.Add("location_id", apperr.Unknown, "no location with id %d", id)
		return nil
	}
	return err
}

// importRun is one import of a file.
type importRun struct {
	actor      string
	locationID int64
	filename   string
	src        io.Reader
	// progress, when set, hears how far the import got, in rows of the file: checking
	// counts as the first half, storing as the second; inTx says a transaction is open.
	progress func(done int, inTx bool)
	// finish, when set, runs inside the import's transaction once the devices are
	// written; an error rolls everything back.
	finish func(ctx context.Context, res *ImportResult) error
}

// deviceRow is one data row of an import file.
type deviceRow struct {
	row         int
	sku, serial string
}

func rowField(row int, col string) string { return "rows[" + strconv.Itoa(row) + "]." + col }

// readDeviceRows reads every data row of the file, at most MaxImportRows.
func readDeviceRows(r io.Reader, filename string) ([]deviceRow, error) {
	var rows []deviceRow
	err := ParseDevices(r, filename, func(row int, sku, serial string) error {
		if len(rows) >= MaxImportRows {
			return fileInvalid(CodeFileTooManyRows, "holds more than %d devices; split it into several files", MaxImportRows)
		}
		rows = append(rows, deviceRow{row, sku, serial})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fileInvalid(CodeFileNoRows, "lists no devices below the header row")
	}
	return rows, nil
}

func (s *Service) importDevices(ctx context.Context, run importRun) (*ImportResult, error) {
	report := func(done int, inTx bool) {
		if run.progress != nil {
			run.progress(done, inTx)
		}
	}
	rows, err := readDeviceRows(run.src, run.filename)
	if err != nil {
		return nil, err
	}
	total := len(rows)
	products, err := productsBySKU(ctx, rows)
	if err != nil {
		return nil, err
	}

	// One receipt line per product, its serials in file order; rowOf remembers the
	// file row of every serial.
	var fe apperr.Fields
	var lines []NewReceiptLine
	var rowOf [][]int
	lineOf := map[int64]int{}
	for _, r := range rows {
		pr := products[r.sku]
		switch {
		case r.sku == "":
			fe.Add(rowField(r.row, "sku"), apperr.Required, "is empty")
		case pr == nil:
			fe.Add(rowField(r.row, "sku"), apperr.Unknown, "no product with SKU %q", truncate(r.sku, 70))
		case pr.Tracking == TrackQuantity:
			fe.Add(rowField(r.row, "sku"), CodeTrackedByQuantity, "product %s is counted by quantity; record it on a receipt with a quantity", pr.SKU)
		default:
			i, ok := lineOf[pr.ID]
			if !ok {
				i = len(lines)
				lineOf[pr.ID] = i
				lines = append(lines, NewReceiptLine{ProductID: pr.ID})
				rowOf = append(rowOf, nil)
			}
			lines[i].Serials = append(lines[i].Serials, r.serial)
			rowOf[i] = append(rowOf[i], r.row)
			continue
		}
		// A row with a bad SKU still has its serial checked for form.
		if p := serialProblem(rowField(r.row, "serial"), r.serial); p != nil {
			fe = append(fe, *p)
		}
	}
	field := func(i, j int) string { return rowField(rowOf[i][j], "serial") }
	sc := newSerialCheck("file", field)
	for i := range lines {
		sc.line(&fe, i, &lines[i])
	}

	// Serials that already exist, for every well-formed first occurrence; in chunks,
	// so that progress can be told.
	validated := total
	for i := range lines {
		validated -= len(lines[i].Serials)
	}
	report(validated/2, false)
	for i, l := range lines {
		var good []string
		var goodRows []int
		for j, sn := range l.Serials {
			if sc.firstGood(l.ProductID, i, j, sn) {
				good = append(good, sn)
				goodRows = append(goodRows, rowOf[i][j])
			}
		}
		validated += len(l.Serials) - len(good)
		for start := 0; start < len(good); start += 2000 {
			end := min(start+2000, len(good))
			at := goodRows[start:end]
			chunk := []NewReceiptLine{{ProductID: l.ProductID, Serials: good[start:end]}}
			if err := checkExisting(ctx, chunk, &fe, func(_, j int) string { return rowField(at[j], "serial") }); err != nil {
				return nil, err
			}
			validated += end - start
			report(validated/2, false)
		}
	}
	if len(fe) > 0 {
		sortRowErrors(fe)
		return nil, fe.Err()
	}

	byID := make(map[int64]*Product, len(products))
	for _, p := range products {
		byID[p.ID] = p
	}
	ids := make([]int64, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.ProductID)
	}
	in := NewReceipt{LocationID: run.locationID, Reference: importReference(run.filename), Lines: lines}
	var res *ImportResult
	err = db.WithTx(ctx, func(ctx context.Context) error {
		inserted := 0
		ctx = withDeviceProgress(ctx, func(n int) {
			inserted += n
			report(total/2+inserted*(total-total/2)/total, true)
		})
		r, err := insertReceipt(ctx, run.actor, in, byID)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, "create", "receipt", r.ID, nil, map[string]any{
			"location_id": in.LocationID, "reference": in.Reference, "import": run.filename,
			"lines": len(in.Lines), "devices_created": r.DevicesCreated}); err != nil {
			return err
		}
		if err := s.stockArrived(ctx, ids...); err != nil {
			return err
		}
		res = &ImportResult{ReceiptID: r.ID, DevicesCreated: r.DevicesCreated, Lines: make([]ImportLine, len(r.Lines))}
		for i, rl := range r.Lines {
			res.Lines[i] = ImportLine{ProductID: rl.ProductID, SKU: byID[rl.ProductID].SKU, Quantity: rl.Quantity}
		}
		if run.finish != nil {
			return run.finish(ctx, res)
		}
		return nil
	})
	if err != nil {
		if apperr.Is(err, apperr.KindInvalid) {
			// insertDevices names a serial that someone else added meanwhile "serials".
			return nil, fileInvalidFrom(err)
		}
		return nil, err
	}
	return res, nil
}

// fileInvalidFrom renames the fields of an Invalid error that do not name a row to
// "file", the only other field an import has.
func fileInvalidFrom(err error) error {
	ae, ok := err.(*apperr.Error)
	if !ok {
		return err
	}
	fs := make([]apperr.FieldError, len(ae.Fields))
	for i, f := range ae.Fields {
		if !strings.HasPrefix(f.Field, "rows[") && f.Field != "location_id" {
			f.Field = "file"
		}
		fs[i] = f
	}
	return apperr.Invalid(fs...)
}

// productsBySKU loads the products the rows name, by SKU.
func productsBySKU(ctx context.Context, rows []deviceRow) (map[string]*Product, error) {
	seen := map[string]bool{}
	var skus []string
	for _, r := range rows {
		if r.sku != "" && !seen[r.sku] {
			seen[r.sku] = true
			skus = append(skus, r.sku)
		}
	}
	out := make(map[string]*Product, len(skus))
	for start := 0; start < len(skus); start += 1000 {
		var ps []Product
		if err := db.Conn(ctx).Where("sku IN ?", skus[start:min(start+1000, len(skus))]).Find(&ps).Error; err != nil {
			return nil, fmt.Errorf("load products by sku: %w", err)
		}
		for i := range ps {
			out[ps[i].SKU] = &ps[i]
		}
	}
	return out, nil
}

// rowOfField returns N of a field "rows[N].…", or 0.
func rowOfField(field string) int {
	rest, ok := strings.CutPrefix(field, "rows[")
	if !ok {
		return 0
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0
	}
	row, _ := strconv.Atoi(n)
	return row
}

// sortRowErrors orders field errors by row, then field (sku before serial).
func sortRowErrors(fe apperr.Fields) {
	slices.SortStableFunc(fe, func(a, b apperr.FieldError) int {
		if ra, rb := rowOfField(a.Field), rowOfField(b.Field); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Field, b.Field)
	})
}

// cleanFilename keeps the base name of an uploaded file, without control characters,
// at most 150 bytes.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len(name) > 150 {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i >= 0 && len(name)-i <= 10 {
			name, ext = name[:i], name[i:]
		}
		for len(name)+len(ext) > 150 {
			_, size := utf8.DecodeLastRuneInString(name)
			name = name[:len(name)-size]
		}
		name += ext
	}
	if name == "" {
		return "upload"
	}
	return name
}

// importReference is the reference of the receipt an import creates.
func importReference(filename string) string { return "import " + filename }
