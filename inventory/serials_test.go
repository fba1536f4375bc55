package inventory_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/go-gormigrate/gormigrate/v2"
)

func migrationByID(t *testing.T, id string) *gormigrate.Migration {
	t.Helper()
	for _, m := range db.Migrations() {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no migration %s", id)
	return nil
}

// A serial is unique across the whole stock, compared trimmed and case-insensitively:
// receipts and imports name every serial that exists under any product, the database
// refuses one that slips past, and every scan finds the one device.
func TestSerialUniqueAcrossStock(t *testing.T) {
	f := setup(t)
	oxi, err := f.svc.CreateProduct(f.ctx, inventory.NewProduct{SKU: "OXI", Name: "Oximeter", Category: "oximeter", Tracking: "serial"})
	if err != nil {
		t.Fatal(err)
	}
	ids := f.receive(t, "AB-100", "AB-101", "CD-1")

	// A receipt: the same serials under another product, in another case, and a repeat
	// within the receipt across products; all named at once with the other errors.
	_, err = f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: oxi.ID, Serials: []string{"ab-100", " NEW-1 ", "bad serial"}},
		{ProductID: f.tablet.ID, Serials: []string{"new-1", "Cd-1"}},
		{ProductID: 9999, Serials: []string{"Z-1"}},
	}})
	got := fields(err)
	slices.Sort(got)
	want := []string{"lines[0].serials[0]", "lines[0].serials[2]", "lines[1].serials[0]", "lines[1].serials[1]", "lines[2].product_id"}
	if !slices.Equal(got, want) {
		t.Fatalf("receipt errors on %v, want %v (%v)", got, want, err)
	}
	if n := countRows(t, f.ctx, "devices"); n != 3 {
		t.Fatalf("%d devices after a refused receipt", n)
	}

	// The import names the serials that already exist under another product.
	_, err = f.svc.ImportDevices(f.ctx, f.loc.ID, "d.csv", bytes.NewReader(csvOf("sku,serial", "OXI,AB-101", "OXI,ok-1", "OXI,cd-1 ")))
	if got := fields(err); !slices.Equal(got, []string{"rows[2].serial", "rows[4].serial"}) {
		t.Fatalf("import errors on %v (%v)", got, err)
	}

	// The database refuses what the checks would let through.
	err = db.Conn(f.ctx).Exec("INSERT INTO devices (serial, product_id, state, location_id, recalled, unit_cost_ore, received_at, updated_at) VALUES ('aB-100', ?, 'available', ?, ?, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
		oxi.ID, f.loc.ID, false).Error
	if !db.IsUniqueViolation(err) {
		t.Fatalf("inserting aB-100 beside AB-100: %v, want a unique violation", err)
	}

	// Scans: exact, trimmed, any case; the search by prefix.
	ds, err := f.svc.FindBySerial(f.ctx, "  ab-100 ")
	if err != nil || len(ds) != 1 || ds[0].ID != ids[0] {
		t.Fatalf("scan ab-100 = %+v, %v", ds, err)
	}
	if ds, _ := f.svc.FindBySerial(f.ctx, "AB-1"); len(ds) != 0 {
		t.Fatalf("a scan is not a prefix search: %+v", ds)
	}
	ds, _, err = f.svc.ListDevices(f.ctx, inventory.DeviceFilter{Serial: "ab-1", Limit: 10})
	if err != nil || len(ds) != 2 || ds[0].ID != ids[0] || ds[1].ID != ids[1] {
		t.Fatalf("search ab-1 = %+v, %v", ds, err)
	}

	// A stocktake scan in another case matches the device, once.
	st, err := f.svc.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RecordCount(f.ctx, st.ID, inventory.StocktakeCount{Serials: []string{"ab-100", "AB-100", "Ab-101"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RecordCount(f.ctx, st.ID, inventory.StocktakeCount{Serials: []string{"cd-1", " CD-1"}}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.StocktakeResult(f.ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scanned != 3 || r.Matched != 3 || len(r.Missing) != 0 || len(r.Unexpected) != 0 {
		t.Fatalf("stocktake = %+v", r)
	}

	// A recall by list in another case.
	rc, err := f.svc.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", Serials: []string{"cd-1"}})
	if err != nil || rc.DeviceCount != 1 {
		t.Fatalf("recall cd-1 = %+v, %v", rc, err)
	}
}

// The migration keeps the oldest device of each normalised serial as it is and gives
// each later one a suffixed serial with an event that says why, then adds the
// constraint.
func TestSerialMigrationRenamesDuplicates(t *testing.T) {
	f := setup(t)
	oxi, err := f.svc.CreateProduct(f.ctx, inventory.NewProduct{SKU: "OXI", Name: "Oximeter", Category: "oximeter", Tracking: "serial"})
	if err != nil {
		t.Fatal(err)
	}
	ids := f.receive(t, "DUP-1", "UNIQ-1")
	g := db.Root(f.ctx)
	mig := migrationByID(t, "202612020230_inventory_serial_unique_norm")
	if err := g.Exec("DROP INDEX uq_devices_serial_norm").Error; err != nil {
		t.Fatal(err)
	}
	if err := g.Exec("CREATE UNIQUE INDEX uq_devices_product_serial ON devices (product_id, serial)").Error; err != nil {
		t.Fatal(err)
	}
	for _, sn := range []string{"dup-1", "DUP-1"} {
		if err := g.Exec("INSERT INTO devices (serial, product_id, state, location_id, recalled, unit_cost_ore, received_at, updated_at) VALUES (?, ?, 'available', ?, ?, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
			sn, oxi.ID, f.loc.ID, false).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := mig.Migrate(g); err != nil {
		t.Fatal(err)
	}
	var serials []string
	g.Table("devices").Order("id").Pluck("serial", &serials)
	if len(serials) != 4 || serials[0] != "DUP-1" || serials[1] != "UNIQ-1" || serials[2] == "dup-1" || serials[3] == "DUP-1" {
		t.Fatalf("serials after the migration: %v", serials)
	}
	if d := deviceBySerialOf(t, f, f.tablet.ID, "DUP-1"); d.ID != ids[0] {
		t.Fatalf("the oldest lost its serial: %+v", d)
	}
	var reasons []string
	g.Table("device_events").Where("reason LIKE ?", "serial % renamed to %").Pluck("reason", &reasons)
	if len(reasons) != 2 {
		t.Fatalf("events %v", reasons)
	}
	if ds, _ := f.svc.FindBySerial(f.ctx, "dup-1"); len(ds) != 1 || ds[0].ID != ids[0] {
		t.Fatalf("scan after migration: %+v", ds)
	}
}
