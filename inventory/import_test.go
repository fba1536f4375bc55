package inventory_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/hibiken/asynq"
	"github.com/xuri/excelize/v2"
)

// csvOf joins lines into a CSV file.
func csvOf(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

// xlsxOf builds a workbook whose first sheet holds rows, row 1 first; a nil row stays
// empty.
func xlsxOf(tb testing.TB, rows [][]any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func countRows(tb testing.TB, ctx context.Context, table string) int64 {
	tb.Helper()
	var n int64
	if err := db.Conn(ctx).Table(table).Count(&n).Error; err != nil {
		tb.Fatal(err)
	}
	return n
}

type parsedRow struct {
	Row         int
	SKU, Serial string
}

func parseAll(data []byte, name string) ([]parsedRow, error) {
	var out []parsedRow
	err := inventory.ParseDevices(bytes.NewReader(data), name, func(row int, sku, serial string) error {
		out = append(out, parsedRow{row, sku, serial})
		return nil
	})
	return out, err
}

func TestParseDevicesCSVAndXLSX(t *testing.T) {
	want := []parsedRow{{2, "TAB-1", "A-1"}, {4, "TAB-1", "A 2"}, {5, "", "A-3"}}
	cases := []struct {
		name string
		data []byte
	}{
		{"comma.csv", csvOf("sku,serial", "TAB-1,A-1", "", " TAB-1 , A 2 ", ",A-3")},
		{"semicolon.CSV", csvOf("\ufeffSerial;Note;SKU", "A-1;a, b and c;TAB-1", ";;", "A 2;;TAB-1", "A-3;x;")},
		{"crlf.csv", []byte("SKU,SERIAL,extra\r\nTAB-1,A-1,x\r\n\r\nTAB-1,A 2\r\n,A-3,\r\n")},
		{"quoted.csv", csvOf(`"sku","serial"`, `"TAB-1","A-1"`, ``, `TAB-1,"A 2"`, `"",A-3`)},
		{"book.xlsx", xlsxOf(t, [][]any{{"Note", "SERIAL", "Sku"}, {"x", "A-1", "TAB-1"}, nil, {nil, " A 2", "TAB-1 "}, {"only a note", "A-3"}})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseAll(c.data, c.name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("rows = %v, want %v", got, want)
			}
		})
	}
}

// Rows count as Excel shows them: blank rows above the header and between data rows
// count, and a workbook's empty rows (absent from its XML) too.
func TestParseDevicesRowNumbers(t *testing.T) {
	got, err := parseAll(csvOf("", "sku,serial", "P,1", "", "", "P,2", `P,"multi`, `line"`, "P,3"), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if want := []parsedRow{{3, "P", "1"}, {6, "P", "2"}, {7, "P", "multi\nline"}, {9, "P", "3"}}; !slices.Equal(got, want) {
		t.Fatalf("csv rows = %v, want %v", got, want)
	}
	got, err = parseAll(xlsxOf(t, [][]any{nil, nil, {"sku", "serial"}, {"P", 1}, nil, nil, {"P", "2"}, {"P", 12345678901234}}), "x.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if want := []parsedRow{{4, "P", "1"}, {7, "P", "2"}, {8, "P", "12345678901234"}}; !slices.Equal(got, want) {
		t.Fatalf("xlsx rows = %v, want %v", got, want)
	}
}

func TestParseDevicesRefusesBadFiles(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		msg  string
	}{
		{"devices.txt", csvOf("sku,serial", "P,1"), ".csv or .xlsx"},
		{"noext", csvOf("sku,serial"), ".csv or .xlsx"},
		{"empty.csv", nil, "is empty"},
		{"blank.csv", []byte("\n \n,,\n"), "is empty"},
		{"noheader.csv", csvOf("TAB-1,A-1", "TAB-1,A-2"), "row 1 must be the header"},
		{"onlysku.csv", csvOf("sku,serialnumber"), "row 1 must be the header"},
		{"twice.csv", csvOf("sku,serial,SKU"), "twice"},
		{"garbage.xlsx", []byte("not a zip at all"), "not a readable Excel workbook"},
		{"empty.xlsx", xlsxOf(t, nil), "is empty"},
		{"noheader.xlsx", xlsxOf(t, [][]any{nil, {"TAB-1", "A-1"}}), "row 2 must be the header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseAll(c.data, c.name)
			if got := fields(err); len(got) != 1 || got[0] != "file" || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want Invalid file containing %q", err, c.msg)
			}
		})
	}
}

// addProduct adds a serial-tracked product.
func (f *fixture) addProduct(t *testing.T, sku string) *inventory.Product {
	t.Helper()
	p, err := f.svc.CreateProduct(f.ctx, inventory.NewProduct{SKU: sku, Name: sku, Category: "sensor", Tracking: "serial"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportDevicesCSVAndXLSX(t *testing.T) {
	f := setup(t)
	scale := f.addProduct(t, "SCALE-2")
	var arrived []int64
	f.svc.StockArrived = func(_ context.Context, ids []int64) error { arrived = append(arrived, ids...); return nil }
	res, err := f.svc.ImportDevices(f.ctx, f.loc.ID, "levering uge 47.csv", bytes.NewReader(csvOf(
		"\ufeffSKU;Serial", "TAB-1;T-1", "SCALE-2;S-1", "TAB-1; T-2 ", "SCALE-2;S-2")))
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.ImportLine{{ProductID: f.tablet.ID, SKU: "TAB-1", Quantity: 2}, {ProductID: scale.ID, SKU: "SCALE-2", Quantity: 2}}
	if res.DevicesCreated != 4 || res.ReceiptID == 0 || !slices.Equal(res.Lines, want) {
		t.Fatalf("result = %+v", res)
	}
	if !slices.Contains(arrived, f.tablet.ID) || !slices.Contains(arrived, scale.ID) {
		t.Fatalf("stock-arrived hook got %v", arrived)
	}
	var ref string
	db.Conn(f.ctx).Table("receipts").Where("id = ?", res.ReceiptID).Pluck("reference", &ref)
	if ref != "import levering uge 47.csv" {
		t.Fatalf("reference %q", ref)
	}
	ds, _, err := f.svc.ListDevices(f.ctx, inventory.DeviceFilter{Serial: "T-2", Limit: 10})
	if err != nil || len(ds) != 1 || ds[0].State != inventory.Available || *ds[0].LocationID != f.loc.ID || *ds[0].ReceiptID != res.ReceiptID {
		t.Fatalf("device T-2 = %+v, %v", ds, err)
	}
	es, _ := f.svc.Events(f.ctx, ds[0].ID)
	if len(es) != 1 || es[0].Actor != "lager@fsc.dk" {
		t.Fatalf("events = %+v", es)
	}

	book := xlsxOf(t, [][]any{{"Serial", "Comment", "SKU"}, {"X-1", "ok", "TAB-1"}, {"X-2", nil, "SCALE-2"}, nil, {"X-3", "", "SCALE-2"}})
	res, err = f.svc.ImportDevices(f.ctx, f.loc.ID, "Book1.xlsx", bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	if res.DevicesCreated != 3 || len(res.Lines) != 2 || res.Lines[1].Quantity != 2 {
		t.Fatalf("xlsx result = %+v", res)
	}
	if n := countRows(t, f.ctx, "devices"); n != 7 {
		t.Fatalf("devices = %d, want 7", n)
	}
}

func TestImportDevicesNamesEveryBadRow(t *testing.T) {
	f := setup(t)
	f.receive(t, "EXIST-1")
	devices, receipts := countRows(t, f.ctx, "devices"), countRows(t, f.ctx, "receipts")
	data := csvOf(
		"sku,serial",    // 1
		"TAB-1,OK-1",    // 2
		"NOPE,OK-2",     // 3 unknown SKU
		",OK-3",         // 4 empty SKU
		"STRIP,OK-4",    // 5 counted by quantity
		"TAB-1,",        // 6 empty serial
		"TAB-1,bad one", // 7 malformed
		"",              // 8 blank: skipped but counted
		"TAB-1,OK-1",    // 9 twice in the file
		"TAB-1,EXIST-1", // 10 exists
		"NOPE,bad!",     // 11 unknown SKU and malformed serial
		"TAB-1,OK-5",    // 12
	)
	_, err := f.svc.ImportDevices(f.ctx, f.loc.ID, "d.csv", bytes.NewReader(data))
	want := []string{"rows[3].sku", "rows[4].sku", "rows[5].sku", "rows[6].serial", "rows[7].serial", "rows[9].serial", "rows[10].serial", "rows[11].serial", "rows[11].sku"}
	if got := fields(err); !slices.Equal(got, want) || !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("fields = %v, want %v (%v)", got, want, err)
	}
	for _, msg := range []string{`no product with SKU "NOPE"`, "counted by quantity", "is empty", "malformed", "appears twice in this file (also rows[2].serial)", "EXIST-1 already exists"} {
		if !strings.Contains(err.Error(), msg) {
			t.Errorf("no message %q in %v", msg, err)
		}
	}
	if d, r := countRows(t, f.ctx, "devices"), countRows(t, f.ctx, "receipts"); d != devices || r != receipts {
		t.Fatalf("stored something: devices %d→%d, receipts %d→%d", devices, d, receipts, r)
	}
	// The same from a workbook: rows as Excel numbers them.
	book := xlsxOf(t, [][]any{{"sku", "serial"}, {"TAB-1", "W-1"}, nil, {"TAB-1", "EXIST-1"}, {"TAB-1", "W-1"}})
	_, err = f.svc.ImportDevices(f.ctx, f.loc.ID, "d.xlsx", bytes.NewReader(book))
	if got := fields(err); !slices.Equal(got, []string{"rows[4].serial", "rows[5].serial"}) {
		t.Fatalf("xlsx fields = %v (%v)", got, err)
	}
	// Location and role.
	_, err = f.svc.ImportDevices(f.ctx, 999, "d.csv", bytes.NewReader(csvOf("sku,serial", "TAB-1,Q-1")))
	if got := fields(err); !slices.Equal(got, []string{"location_id"}) {
		t.Fatalf("unknown location: %v", err)
	}
	support := testenv.As(f.ctx, auth.Principal{UserID: 7, Name: "s", Role: auth.RoleSupport})
	if _, err := f.svc.ImportDevices(support, f.loc.ID, "d.csv", bytes.NewReader(csvOf("sku,serial", "TAB-1,Q-1"))); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("support imports: %v", err)
	}
	if d := countRows(t, f.ctx, "devices"); d != devices {
		t.Fatalf("devices %d → %d", devices, d)
	}
}

func TestStartImportSmallRunsAtOnce(t *testing.T) {
	f := setup(t)
	imp, err := f.svc.StartImport(f.ctx, f.loc.ID, `C:\Users\lager\Desktop\d.csv`, csvOf("sku,serial", "TAB-1,N-1", "TAB-1,N-2"))
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != inventory.ImportDone || imp.Filename != "d.csv" || imp.Result == nil || imp.Result.DevicesCreated != 2 || imp.ReceiptID == nil || *imp.ReceiptID != imp.Result.ReceiptID {
		t.Fatalf("import = %+v", imp)
	}
	got, err := f.svc.GetImport(f.ctx, imp.ID)
	if err != nil || got.Status != inventory.ImportDone || got.RowsDone != 2 || got.RowsTotal != 2 || got.DevicesCreated != 2 || got.FinishedAt == nil {
		t.Fatalf("get = %+v, %v", got, err)
	}

	imp, err = f.svc.StartImport(f.ctx, f.loc.ID, "d.csv", csvOf("sku,serial", "TAB-1,N-1", "TAB-1,N-3", "TAB-1,N-3"))
	if got := fields(err); !slices.Equal(got, []string{"rows[2].serial", "rows[4].serial"}) {
		t.Fatalf("fields = %v (%v)", got, err)
	}
	if imp == nil || imp.Status != inventory.ImportFailed || imp.ErrorCount != 2 {
		t.Fatalf("failed import = %+v", imp)
	}
	got, err = f.svc.GetImport(f.ctx, imp.ID)
	if err != nil || got.Status != inventory.ImportFailed || got.ErrorCount != 2 || got.ErrorList[1].Field != "rows[4].serial" {
		t.Fatalf("get failed = %+v, %v", got, err)
	}
	if n := countRows(t, f.ctx, "devices"); n != 2 {
		t.Fatalf("devices = %d", n)
	}
	// A file that cannot be read records no import.
	if _, err := f.svc.StartImport(f.ctx, f.loc.ID, "d.pdf", []byte("%PDF")); !slices.Equal(fields(err), []string{"file"}) {
		t.Fatalf("pdf: %v", err)
	}
	if _, err := f.svc.StartImport(f.ctx, 0, "d.csv", nil); !slices.Equal(fields(err), []string{"location_id", "file"}) {
		t.Fatalf("nothing: %v", err)
	}
	if n := countRows(t, f.ctx, "imports"); n != 2 {
		t.Fatalf("imports = %d, want 2", n)
	}
	if _, err := f.svc.GetImport(f.ctx, 4242); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown import: %v", err)
	}
}

// bigCSV lists n tablets with serials prefix-1…prefix-n.
func bigCSV(sku, prefix string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("sku,serial\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s,%s-%06d\n", sku, prefix, i)
	}
	return b.Bytes()
}

func importTask(t *testing.T, id int64) *asynq.Task {
	t.Helper()
	b, err := json.Marshal(inventory.ImportPayload{ImportID: id})
	if err != nil {
		t.Fatal(err)
	}
	return asynq.NewTask(inventory.TypeImportDevices, b)
}

func TestLargeImportIsQueuedAndRunInTheBackground(t *testing.T) {
	f := setup(t)
	n := inventory.ImportSyncRows + 1
	imp, err := f.svc.StartImport(f.ctx, f.loc.ID, "big.csv", bigCSV("TAB-1", "BIG", n))
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != inventory.ImportQueued || imp.RowsTotal != n || imp.Result != nil {
		t.Fatalf("import = %+v", imp)
	}
	if d := countRows(t, f.ctx, "devices"); d != 0 {
		t.Fatalf("devices before the job: %d", d)
	}
	var outbox []jobs.OutboxRow
	db.Conn(f.ctx).Where("type = ?", inventory.TypeImportDevices).Find(&outbox)
	if len(outbox) != 1 || !strings.Contains(outbox[0].Payload, fmt.Sprintf(`"import_id":%d`, imp.ID)) {
		t.Fatalf("outbox = %+v", outbox)
	}

	// Progress is written as the job goes: by the time the devices are in, at least the
	// checking half shows (on PostgreSQL all of it, written outside the transaction).
	progressSeen := -1
	f.svc.StockArrived = func(ctx context.Context, _ []int64) error {
		return db.Conn(ctx).Table("imports").Where("id = ?", imp.ID).Pluck("rows_done", &progressSeen).Error
	}
	sys := testenv.As(f.ctx, auth.System)
	task := asynq.NewTask(outbox[0].Type, []byte(outbox[0].Payload))
	if err := f.svc.HandleImport(sys, task); err != nil {
		t.Fatal(err)
	}
	if progressSeen < n/2 || (testenv.OnPostgres() && progressSeen != n) {
		t.Fatalf("rows_done during the insert = %d of %d", progressSeen, n)
	}
	got, err := f.svc.GetImport(f.ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != inventory.ImportDone || got.RowsDone != got.RowsTotal || got.RowsTotal != n || got.DevicesCreated != n || got.ReceiptID == nil || got.FinishedAt == nil || got.ErrorCount != 0 {
		t.Fatalf("after the job = %+v", got)
	}
	if d := countRows(t, f.ctx, "devices"); d != int64(n) {
		t.Fatalf("devices = %d, want %d", d, n)
	}
	var actor string
	db.Conn(f.ctx).Table("device_events").Limit(1).Pluck("actor", &actor)
	if actor != "lager@fsc.dk" {
		t.Fatalf("events by %q, want the uploader", actor)
	}
	var left int64
	db.Conn(f.ctx).Table("imports").Where("id = ? AND file_data IS NOT NULL", imp.ID).Count(&left)
	if left != 0 {
		t.Fatal("file kept after the import")
	}
	// Running the task again changes nothing.
	if err := f.svc.HandleImport(sys, importTask(t, imp.ID)); err != nil {
		t.Fatal(err)
	}
	if d := countRows(t, f.ctx, "devices"); d != int64(n) {
		t.Fatalf("second run: devices = %d", d)
	}
	if r := countRows(t, f.ctx, "receipts"); r != 1 {
		t.Fatalf("second run: receipts = %d", r)
	}
	// A task for no import is dropped without retries.
	if err := f.svc.HandleImport(sys, importTask(t, 999)); err == nil || !strings.Contains(err.Error(), asynq.SkipRetry.Error()) {
		t.Fatalf("unknown import: %v", err)
	}
}

func TestLargeImportFailsWithAnErrorsWorkbook(t *testing.T) {
	f := setup(t)
	f.receive(t, "BIG-000005")
	data := bigCSV("TAB-1", "BIG", inventory.ImportSyncRows+1)
	data = append(data, "TAB-1,BIG-000007\nTAB-1,no good\n"...)
	imp, err := f.svc.StartImport(f.ctx, f.loc.ID, "big.csv", data)
	if err != nil || imp.Status != inventory.ImportQueued {
		t.Fatalf("start: %+v, %v", imp, err)
	}
	sys := testenv.As(f.ctx, auth.System)
	if err := f.svc.HandleImport(sys, importTask(t, imp.ID)); err != nil {
		t.Fatalf("a validation failure must not be retried: %v", err)
	}
	got, err := f.svc.GetImport(f.ctx, imp.ID)
	if err != nil || got.Status != inventory.ImportFailed || got.ErrorCount != 3 || got.RowsDone != got.RowsTotal {
		t.Fatalf("import = %+v, %v", got, err)
	}
	if d := countRows(t, f.ctx, "devices"); d != 1 {
		t.Fatalf("devices = %d, want 1", d)
	}
	var buf bytes.Buffer
	if err := f.svc.ImportErrorsXLSX(f.ctx, imp.ID, &buf); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows(book.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	last := inventory.ImportSyncRows + 2 // the header is row 1
	want := [][]string{
		{"row", "field", "message"},
		{"6", "rows[6].serial", "serial BIG-000005 already exists"},
		{fmt.Sprint(last + 1), fmt.Sprintf("rows[%d].serial", last+1), fmt.Sprintf("serial BIG-000007 appears twice in this file (also rows[8].serial)")},
		{fmt.Sprint(last + 2), fmt.Sprintf("rows[%d].serial", last+2), `serial "no good" is malformed: use 1–64 letters, digits and . _ / : -`},
	}
	if len(rows) != len(want) {
		t.Fatalf("workbook rows = %q", rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("workbook row %d = %q, want %q", i+1, rows[i], want[i])
		}
	}
	// Again: nothing happens to a failed import.
	if err := f.svc.HandleImport(sys, importTask(t, imp.ID)); err != nil {
		t.Fatal(err)
	}
	member := testenv.As(f.ctx, auth.Principal{UserID: 9, Name: "m", Role: auth.RoleMember, MemberID: &f.members[0].ID})
	if _, err := f.svc.GetImport(member, imp.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member reads an import: %v", err)
	}
}

// fuzzFixture is a database with a location, a tablet and one existing device, for
// fuzz targets and benchmarks (setup needs a *testing.T).
func fuzzFixture(tb testing.TB) (context.Context, *inventory.Service, int64, int64) {
	tb.Helper()
	g := testenv.DB(tb)
	ctx := testenv.As(testenv.Context(tb, g), auth.Principal{UserID: 2, Name: "lager@fsc.dk", Role: auth.RoleLogistics})
	svc := inventory.NewService(nil)
	loc, err := svc.CreateLocation(ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := svc.CreateProduct(ctx, inventory.NewProduct{SKU: "TAB-1", Name: "Tablet", Category: "tablet", Tracking: "serial"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.CreateReceipt(ctx, inventory.NewReceipt{LocationID: loc.ID, Lines: []inventory.NewReceiptLine{{ProductID: p.ID, Serials: []string{"EXIST-1"}}}}); err != nil {
		tb.Fatal(err)
	}
	return ctx, svc, loc.ID, p.ID
}

// checkParse is the property of the parser fuzz targets: no panic, only Invalid or
// Malformed errors, rows rising, cells trimmed.
func checkParse(t *testing.T, data []byte, name string) {
	last := 0
	err := inventory.ParseDevices(bytes.NewReader(data), name, func(row int, sku, serial string) error {
		if row <= last {
			t.Fatalf("row %d after row %d", row, last)
		}
		last = row
		if sku != strings.TrimSpace(sku) || serial != strings.TrimSpace(serial) {
			t.Fatalf("untrimmed cells %q %q", sku, serial)
		}
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.KindInvalid) && !apperr.Is(err, apperr.KindMalformed) {
		t.Fatalf("error of kind %v: %v", apperr.KindOf(err), err)
	}
}

func FuzzParseDevicesCSV(f *testing.F) {
	for _, s := range []string{
		"sku,serial\nTAB-1,A-1\n", "\ufeffSKU;Serial\r\nTAB-1;A-1\r\n", "serial,x,sku\n\n1,,P\n", "sku,serial\n\"a\nb\",\"c\"\"d\"\n",
		"", "\n\n", "sku\n", "a,b\n1,2\n", "sku,serial,sku\n", "sku,serial\n\"unterminated\n", "sku;serial,x\nP;1,2\n", "\xff\xfe,\x00\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, data, "f.csv") })
}

// FuzzParseDevicesXLSX feeds whole files, and (asSheet) sheet XML packed into an
// otherwise valid workbook, so that the row reader is reached more often than through
// random zip bytes.
func FuzzParseDevicesXLSX(f *testing.F) {
	base := xlsxOf(f, [][]any{{"sku", "serial"}, {"TAB-1", "A-1"}, nil, {"TAB-1", 42}})
	f.Add(base, false)
	f.Add(xlsxOf(f, [][]any{{"serial", "x", "SKU"}, {"A-1", "", "TAB-1"}}), false)
	f.Add(xlsxOf(f, [][]any{{"nothing", "here"}}), false)
	f.Add(xlsxOf(f, nil), false)
	f.Add([]byte("PK\x03\x04"), false)
	f.Add([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), false)
	f.Add([]byte{}, false)
	for _, sheet := range []string{
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c><c r="B1" t="inlineStr"><is><t>serial</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>P</t></is></c><c r="B3"><v>7</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row><c t="inlineStr"><is><t>serial</t></is></c><c t="inlineStr"><is><t>sku</t></is></c></row><row r="1048576"><c r="XFD1048576" t="s"><v>99</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="0"><c r="ZZZZ0"/></row><row r="-5"/></sheetData>`,
	} {
		f.Add([]byte(sheet), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, asSheet bool) {
		if asSheet {
			data = withSheet(t, base, data)
		}
		checkParse(t, data, "f.xlsx")
	})
}

// withSheet returns workbook book with its first sheet's XML replaced by sheet.
func withSheet(t *testing.T, book, sheet []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == "xl/worksheets/sheet1.xml" {
			w.Write(sheet)
			continue
		}
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(w, r)
		r.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzReceiptValidation sends random serials (one per line of the input) to
// CreateReceipt: never an internal error, and a refused receipt leaves nothing behind.
func FuzzReceiptValidation(f *testing.F) {
	ctx, svc, loc, product := fuzzFixture(f)
	for _, s := range []string{"A-1\nA-2", "EXIST-1", " x ", "", "\n", "A\nA", "a b", strings.Repeat("Z", 65), "ü", "A-1\x00", "%d%s", "'; DROP TABLE devices; --"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		serials := strings.Split(in, "\n")
		if len(serials) > 64 {
			serials = serials[:64]
		}
		devices, receipts := countRows(t, ctx, "devices"), countRows(t, ctx, "receipts")
		r, err := svc.CreateReceipt(ctx, inventory.NewReceipt{LocationID: loc, Lines: []inventory.NewReceiptLine{{ProductID: product, Serials: serials}}})
		d, rs := countRows(t, ctx, "devices"), countRows(t, ctx, "receipts")
		switch {
		case err != nil && apperr.KindOf(err) == apperr.KindInternal:
			t.Fatalf("internal error for %q: %v", serials, err)
		case err != nil && (d != devices || rs != receipts):
			t.Fatalf("refused receipt stored something: devices %d→%d, receipts %d→%d", devices, d, receipts, rs)
		case err == nil && (d != devices+int64(len(serials)) || rs != receipts+1 || r.DevicesCreated != len(serials)):
			t.Fatalf("receipt of %d serials: devices %d→%d", len(serials), devices, d)
		}
	})
}

// BenchmarkImportXLSX100k imports a workbook of 100,000 devices, directly and through
// the background job: go test -run XXX -bench BenchmarkImportXLSX100k -benchtime 1x ./inventory
func BenchmarkImportXLSX100k(b *testing.B) {
	if testing.Short() {
		b.Skip("100k-row import skipped under -short")
	}
	const n = 100_000
	rows := make([][]any, 0, n+1)
	rows = append(rows, []any{"sku", "serial"})
	for i := 1; i <= n; i++ {
		rows = append(rows, []any{"TAB-1", fmt.Sprintf("SN-%08d", i)})
	}
	book := xlsxOf(b, rows)
	b.Logf("workbook: %d rows, %d KB", n, len(book)>>10)
	b.Run("ImportDevices", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			ctx, svc, loc, _ := fuzzFixture(b)
			b.StartTimer()
			start := time.Now()
			res, err := svc.ImportDevices(ctx, loc, "big.xlsx", bytes.NewReader(book))
			if err != nil {
				b.Fatal(err)
			}
			if res.DevicesCreated != n {
				b.Fatalf("created %d", res.DevicesCreated)
			}
			b.Logf("ImportDevices of %d rows: %v", n, time.Since(start))
		}
	})
	b.Run("StartImport+HandleImport", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			ctx, svc, loc, _ := fuzzFixture(b)
			b.StartTimer()
			start := time.Now()
			imp, err := svc.StartImport(ctx, loc, "big.xlsx", book)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("StartImport (count rows, store file, queue): %v", time.Since(start))
			payload, _ := json.Marshal(inventory.ImportPayload{ImportID: imp.ID})
			if err := svc.HandleImport(testenv.As(ctx, auth.System), asynq.NewTask(inventory.TypeImportDevices, payload)); err != nil {
				b.Fatal(err)
			}
			got, err := svc.GetImport(ctx, imp.ID)
			if err != nil || got.Status != inventory.ImportDone || got.DevicesCreated != n {
				b.Fatalf("import = %+v, %v", got, err)
			}
			b.Logf("StartImport+HandleImport of %d rows: %v", n, time.Since(start))
		}
	})
}
