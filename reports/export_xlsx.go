package reports

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/xuri/excelize/v2"
)

var errNotFinalized = errors.New("billing run is not finalised")

// ExportRun writes the workbook and every member's invoice of finalised run id into
// the database in one transaction, once: when the workbook is there already it does
// nothing (a finalised run's export cannot change, migrations_freeze.go). It returns
// errNotFinalized (wrapped) for a run that is not finalised.
func (s *Service) ExportRun(ctx context.Context, id int64) error {
	ctx = auth.WithPrincipal(ctx, auth.System)
	var run Run
	if err := db.Conn(ctx).Where("id = ?", id).Take(&run).Error; err != nil {
		if db.IsNotFound(err) {
			return apperr.NotFound("billing run %d not found", id)
		}
		return fmt.Errorf("billing run %d: %w", id, err)
	}
	if run.Status != RunFinalized {
		return fmt.Errorf("export run %d (%s): %w", id, run.Status, errNotFinalized)
	}
	var n int64
	if err := db.Conn(ctx).Model(&export{}).Where("run_id = ? AND name = ?", id, workbookName).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var wb bytes.Buffer
	if err := s.WriteWorkbook(ctx, &run, &wb); err != nil {
		return err
	}
	if err := fillRuns(ctx, []*Run{&run}, false); err != nil {
		return err
	}
	files := []export{}
	for _, st := range run.Statements {
		x, err := s.InvoiceXML(ctx, &run, st.MemberID)
		if err != nil {
			return err
		}
		files = append(files, export{RunID: id, Name: invoiceName(st.MemberID), Data: x, CreatedAt: s.now()})
	}
	// The workbook goes last: its row marks the export written, and the database
	// refuses any row of a finalised run's export after it (and any change or delete).
	files = append(files, export{RunID: id, Name: workbookName, Data: wb.Bytes(), CreatedAt: s.now()})
	return db.WithTx(ctx, func(ctx context.Context) error {
		// Two deliveries of the task take turns on the run's row; the second finds the
		// export written and leaves it.
		if _, err := lockRun(ctx, id); err != nil {
			return err
		}
		if err := db.Conn(ctx).Model(&export{}).Where("run_id = ? AND name = ?", id, workbookName).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		for i := range files {
			if err := db.Conn(ctx).Create(&files[i]).Error; err != nil {
				return fmt.Errorf("store export %s of run %d: %w", files[i].Name, id, err)
			}
		}
		return nil
	})
}

// Workbook returns the workbook of finalised run id (finance, admin), and false while
// it is still being written. It returns NotFound for no such run and Conflict for a
// run that is not finalised.
func (s *Service) Workbook(ctx context.Context, id int64) ([]byte, bool, error) {
	run, err := s.GetRun(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return exportOf(ctx, run, workbookName)
}

// Invoice returns member memberID's OIOUBL invoice of finalised run id (finance,
// admin; a member user its own), and false while it is being written. It returns
// NotFound for a run or member not there or not visible and Conflict for a draft.
func (s *Service) Invoice(ctx context.Context, id, memberID int64) ([]byte, bool, error) {
	p, _ := auth.From(ctx)
	run, err := s.visibleRun(ctx, id, memberID)
	if err != nil {
		return nil, false, err
	}
	if p.Role != auth.RoleMember {
		if ok, err := memberExists(ctx, memberID); err != nil {
			return nil, false, err
		} else if !ok {
			return nil, false, apperr.NotFound("member %d not found", memberID)
		}
	}
	b, ready, err := exportOf(ctx, run, invoiceName(memberID))
	if err == nil && ready && b == nil {
		return nil, false, apperr.NotFound("member %d has no statement in run %d", memberID, id)
	}
	return b, ready, err
}

func exportOf(ctx context.Context, run *Run, name string) ([]byte, bool, error) {
	if run.Status != RunFinalized {
		return nil, false, conflict("status", CodeRunState, "run %d is %s; exports exist for finalised runs only", run.ID, run.Status)
	}
	var ex []export
	if err := db.Conn(ctx).Where("run_id = ? AND name IN ?", run.ID, []string{name, workbookName}).Find(&ex).Error; err != nil {
		return nil, false, fmt.Errorf("export of run %d: %w", run.ID, err)
	}
	if len(ex) == 0 {
		return nil, false, nil
	}
	for _, x := range ex {
		if x.Name == name {
			return x.Data, true, nil
		}
	}
	return nil, true, nil
}

// WriteWorkbook writes the workbook of run to w, from what the run stored: Summary,
// one sheet per member named by its code with every line, Key figures (the pools, keys
// and member figures the shared lines used), Devices (device-days per device) and Not
// billed. The same run always gives the same bytes.
func (s *Service) WriteWorkbook(ctx context.Context, run *Run, w io.Writer) error {
	if err := fillRuns(ctx, []*Run{run}, true); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the device-days reader if the workbook fails before it
	devices := prefetchDeviceDays(ctx, run.ID)
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	kr, _ := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	sheet := func(name string, first bool) (*excelize.StreamWriter, error) {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		return f.NewStreamWriter(name)
	}
	header := func(sw *excelize.StreamWriter, cols ...string) error {
		cells := make([]any, len(cols))
		for i, c := range cols {
			cells[i] = excelize.Cell{StyleID: bold, Value: c}
		}
		return sw.SetRow("A1", cells)
	}
	krone := func(ore int64) excelize.Cell { return excelize.Cell{StyleID: kr, Value: float64(ore) / 100} }
	rowAt := func(sw *excelize.StreamWriter, r int, cells ...any) error {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		return sw.SetRow(cell, cells)
	}

	// Summary.
	sw, err := sheet("Summary", true)
	if err != nil {
		return err
	}
	if err := header(sw, "Member code", "Member", "Lines", "Total (øre)", "Total (kr.)"); err != nil {
		return err
	}
	r := 2
	for _, st := range run.Statements {
		if err := rowAt(sw, r, st.MemberCode, st.MemberName, st.Lines, st.TotalOre, krone(st.TotalOre)); err != nil {
			return err
		}
		r++
	}
	if err := rowAt(sw, r+1, excelize.Cell{StyleID: bold, Value: "Period " + run.Period}, "Run "+fmt.Sprint(run.ID), "", run.TotalOre, krone(run.TotalOre)); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}

	// One sheet per member: every line of the run in one query, by member.
	var all []Line
	if err := db.Conn(ctx).Where("run_id = ?", run.ID).Order("member_id, seq").Find(&all).Error; err != nil {
		return fmt.Errorf("lines of run %d: %w", run.ID, err)
	}
	byMember := map[int64][]Line{}
	for _, l := range all {
		byMember[l.MemberID] = append(byMember[l.MemberID], l)
	}
	var shared []Line
	for _, st := range run.Statements {
		lines := byMember[st.MemberID]
		sw, err := sheet(sheetName(st.MemberCode), false)
		if err != nil {
			return err
		}
		if err := header(sw, "#", "Kind", "Description", "Scheme", "Contract", "Product", "Cost pool", "Quantity", "Unit (øre)", "Amount (øre)", "Amount (kr.)"); err != nil {
			return err
		}
		var total int64
		for i, l := range lines {
			if err := rowAt(sw, i+2, l.Seq, l.Kind, l.Description, opt(l.SchemeID), opt(l.ContractID), opt(l.ProductID), opt(l.CostPoolID),
				l.Quantity, l.UnitOre, l.AmountOre, krone(l.AmountOre)); err != nil {
				return err
			}
			total += l.AmountOre
			if l.Kind == KindShared {
				shared = append(shared, l)
			}
		}
		if err := rowAt(sw, len(lines)+2, "", excelize.Cell{StyleID: bold, Value: "Total"}, "", "", "", "", "", "", "", total, krone(total)); err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}

	// Key figures: per shared line the pool, key and the member's figures.
	sw, err = sheet("Key figures", false)
	if err != nil {
		return err
	}
	if err := header(sw, "Cost pool", "Pool", "Pool (øre)", "Key", "Factors", "Member code", "Fixed share (bp)", "Inhabitants", "Inhabitants 65+", "Device-days", "Fraction", "Share (øre)"); err != nil {
		return err
	}
	names, err := memberNames(ctx)
	if err != nil {
		return err
	}
	sort.SliceStable(shared, func(i, j int) bool { return deref(shared[i].CostPoolID) < deref(shared[j].CostPoolID) })
	for i, l := range shared {
		var b struct {
			Pool          string   `json:"pool"`
			PoolAmountOre int64    `json:"pool_amount_ore"`
			KeyCode       string   `json:"key_code"`
			Factors       []string `json:"factors"`
			Fixed         *int64   `json:"fixed_share_bp"`
			Inhabitants   int64    `json:"inhabitants"`
			Inhabitants65 int64    `json:"inhabitants_65_plus"`
			Usage         int64    `json:"usage"`
			Fraction      string   `json:"fraction"`
		}
		_ = json.Unmarshal([]byte(l.Basis), &b)
		factors := ""
		for k, x := range b.Factors {
			if k > 0 {
				factors += ", "
			}
			factors += x
		}
		if err := rowAt(sw, i+2, deref(l.CostPoolID), b.Pool, b.PoolAmountOre, b.KeyCode, factors, names[l.MemberID][0], opt(b.Fixed),
			b.Inhabitants, b.Inhabitants65, b.Usage, b.Fraction, l.AmountOre); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}

	// Devices: device-days per device and member.
	sw, err = sheet("Devices", false)
	if err != nil {
		return err
	}
	if err := header(sw, "Serial", "SKU", "Member code", "Device-days"); err != nil {
		return err
	}
	r = 2
	if err := devices(func(d devicesSheetRow) error {
		r++
		return rowAt(sw, r-1, d.serial, d.sku, d.code, d.days)
	}); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}

	// Not billed.
	sw, err = sheet("Not billed", false)
	if err != nil {
		return err
	}
	if err := header(sw, "Kind", "Member code", "Product", "Event", "Cost pool", "Quantity", "Reason"); err != nil {
		return err
	}
	for i, u := range run.Unbilled {
		code := ""
		if u.MemberID != nil {
			code = names[*u.MemberID][0]
		}
		if err := rowAt(sw, i+2, u.Kind, code, opt(u.ProductID), u.Event, opt(u.CostPoolID), u.Quantity, u.Reason); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return writeSorted(f, w)
}

// writeSorted writes f's zip with its entries sorted by name: excelize writes them in
// map order, which differs from one call to the next. The compressed entries are
// copied as they are, not compressed again.
func writeSorted(f *excelize.File, w io.Writer) error {
	buf, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return err
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	zw := zip.NewWriter(w)
	for _, zf := range files {
		h := zf.FileHeader
		h.Modified, h.ModifiedDate, h.ModifiedTime = time.Time{}, 0, 0
		dst, err := zw.CreateRaw(&h)
		if err != nil {
			return err
		}
		src, err := zf.OpenRaw()
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			return err
		}
	}
	return zw.Close()
}

// sheetName is a member's sheet: its code, without what Excel refuses, at most 31.
func sheetName(code string) string {
	out := []rune{}
	for _, r := range code {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			r = '_'
		}
		out = append(out, r)
	}
	if len(out) > 31 {
		out = out[:31]
	}
	s := string(out)
	switch s {
	case "Summary", "Key figures", "Devices", "Not billed", "":
		s = "M " + s
	}
	return s
}

func opt(p *int64) any {
	if p == nil {
		return ""
	}
	return *p
}

// devicesSheetRow is a row of the Devices sheet.
type devicesSheetRow struct {
	serial, sku, code string
	days              int64
}

// prefetchDeviceDays starts reading the device-days of run id, the workbook's largest
// sheet, and returns the function that hands them to each in order. On PostgreSQL
// outside a transaction it reads on a connection of its own, from now on, in batches
// that the Devices sheet writes as they come: the database, the scan and the writer
// share the two cores instead of taking turns. Else (one SQLite connection, or a
// transaction that must not be shared) it reads when called. Cancelling ctx stops it.
func prefetchDeviceDays(ctx context.Context, runID int64) func(each func(devicesSheetRow) error) error {
	read := func(emit func([]devicesSheetRow) bool) error {
		rows, err := db.Conn(ctx).Raw(`SELECT d.serial, p.sku, m.code, x.days FROM billing_device_days x
JOIN devices d ON d.id = x.device_id JOIN products p ON p.id = x.product_id JOIN members m ON m.id = x.member_id
WHERE x.run_id = ? ORDER BY x.device_id, x.member_id`, runID).Rows()
		if err != nil {
			return fmt.Errorf("devices of run %d: %w", runID, err)
		}
		defer rows.Close()
		batch := make([]devicesSheetRow, 0, 1000)
		for rows.Next() {
			var d devicesSheetRow
			if err := rows.Scan(&d.serial, &d.sku, &d.code, &d.days); err != nil {
				return fmt.Errorf("devices of run %d: %w", runID, err)
			}
			if batch = append(batch, d); len(batch) == cap(batch) {
				if !emit(batch) {
					return ctx.Err()
				}
				batch = make([]devicesSheetRow, 0, 1000)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("devices of run %d: %w", runID, err)
		}
		if len(batch) > 0 && !emit(batch) {
			return ctx.Err()
		}
		return nil
	}
	writeAll := func(each func(devicesSheetRow) error, b []devicesSheetRow) error {
		for _, d := range b {
			if err := each(d); err != nil {
				return err
			}
		}
		return nil
	}
	if db.InTx(ctx) || db.DialectOf(db.Root(ctx)) != db.Postgres {
		return func(each func(devicesSheetRow) error) error {
			var werr error
			err := read(func(b []devicesSheetRow) bool { werr = writeAll(each, b); return werr == nil })
			return cmp.Or(werr, err)
		}
	}
	// Room for every batch of a large run: the reader never waits for the writer.
	batches := make(chan []devicesSheetRow, 256)
	var rerr error
	go func() {
		defer close(batches)
		rerr = read(func(b []devicesSheetRow) bool {
			select {
			case batches <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	return func(each func(devicesSheetRow) error) error {
		for b := range batches {
			if err := writeAll(each, b); err != nil {
				return err // the deferred cancel stops the reader
			}
		}
		return rerr // the reader is done: batches is closed after rerr is set
	}
}
