package inventory_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

// The opening balance: a file with member_code, citizen_ref and deployed_on creates the
// devices deployed for that member and citizen since that day, with a first event that
// says so and is dated that day; every bad row is named and nothing is stored then.
func TestOpeningBalance(t *testing.T) {
	f := setup(t)
	f.receive(t, "EXIST-1")
	admin := testenv.As(f.ctx, auth.Principal{UserID: 1, Name: "admin", Role: auth.RoleAdmin})
	today := civil.Today()

	bad := csvOf("sku,serial,member_code,citizen_ref,deployed_on",
		"TAB-1,OB-1,751,B-1,2024-03-01",
		"TAB-1,exist-1,751,B-2,2024-03-01",              // serial exists
		"TAB-1,OB-3,999,B-3,2024-03-01",                 // unknown member
		"TAB-1,OB-4,751,010170-1234,01-03-2024",         // CPR-looking reference
		"TAB-1,OB-5,751,B-5,"+today.AddDays(3).String(), // future
		"TAB-1,OB-6,751,B-6,31-02-2024",                 // no such day
		"STRIP,OB-7,751,B-7,2024-03-01",                 // counted by quantity
		"TAB-1,ob-1,657,B-8,2024-03-01")                 // twice in the file
	_, err := f.svc.StartImport(admin, 0, "opening.csv", bad)
	want := []string{"rows[3].serial", "rows[4].member_code", "rows[5].citizen_ref", "rows[6].deployed_on", "rows[7].deployed_on", "rows[8].sku", "rows[9].serial"}
	if got := fields(err); !slices.Equal(got, want) {
		t.Fatalf("errors on %v, want %v (%v)", got, want, err)
	}
	if n := countRows(t, f.ctx, "devices"); n != 1 {
		t.Fatalf("%d devices after a refused opening balance", n)
	}

	good := csvOf("SKU;Serial;Member_Code;Citizen_Ref;Deployed_On",
		"TAB-1;OB-1;751;B-1;2024-03-01",
		"TAB-1;OB-2;657;H-1;15.06.2025",
		"TAB-1;OB-3;751;B-1;45292") // an Excel date: 2024-01-01
	imp, err := f.svc.StartImport(admin, 0, "opening.csv", good)
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != inventory.ImportDone || imp.Result.DevicesCreated != 3 || imp.LocationID != 0 {
		t.Fatalf("import = %+v", imp)
	}
	ds, _, err := f.svc.ListDevices(f.ctx, inventory.DeviceFilter{Serial: "OB-", Limit: 10})
	if err != nil || len(ds) != 3 {
		t.Fatalf("devices = %+v, %v", ds, err)
	}
	wantOn := map[string]string{"OB-1": "2024-03-01", "OB-2": "2025-06-15", "OB-3": "2024-01-01"}
	for _, d := range ds {
		if d.State != inventory.Deployed || d.MemberID == nil || d.CitizenRef == nil || d.LocationID != nil {
			t.Fatalf("device %+v", d)
		}
		es, err := f.svc.Events(f.ctx, d.ID)
		if err != nil || len(es) != 1 {
			t.Fatalf("events of %s = %+v, %v", d.Serial, es, err)
		}
		if civil.Of(es[0].At).String() != wantOn[d.Serial] || es[0].To != "deployed" || !strings.Contains(es[0].Reason, "opening balance") ||
			!strings.Contains(es[0].Reason, wantOn[d.Serial]) || *es[0].CitizenRef != *d.CitizenRef {
			t.Fatalf("first event of %s = %+v", d.Serial, es[0])
		}
	}
	// The member sees its devices and their history.
	herning := testenv.As(f.ctx, auth.Principal{UserID: 7, Name: "herning", Role: auth.RoleMember, MemberID: &f.members[1].ID})
	if hs, _, err := f.svc.ListDevices(herning, inventory.DeviceFilter{Limit: 10}); err != nil || len(hs) != 1 || hs[0].Serial != "OB-2" {
		t.Fatalf("Herning sees %+v, %v", hs, err)
	}
	levels, err := f.svc.Stock(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range levels {
		if l.ProductID == f.tablet.ID && (l.Deployed != 3 || l.OnHand != 1) {
			t.Fatalf("stock of tablets = %+v", l)
		}
	}
	drift, err := inventory.CountDrift(f.ctx)
	if err != nil || len(drift) > 0 {
		t.Fatalf("counts drift %v, %v", drift, err)
	}
	// An admin imports only the opening balance.
	if _, err := f.svc.StartImport(admin, f.loc.ID, "d.csv", csvOf("sku,serial", "TAB-1,X-1")); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("admin delivery: %v, want forbidden", err)
	}
	// Half an opening header is refused.
	if _, err := f.svc.StartImport(admin, f.loc.ID, "d.csv", csvOf("sku,serial,member_code", "TAB-1,X-1,751")); !slices.Equal(fields(err), []string{"file"}) {
		t.Fatalf("half a header: %v", err)
	}
}

// A large opening balance runs as the background job with progress. FSC_TEST_OPENING_ROWS
// sets the size (the figure in the closing note is 100000 rows on PostgreSQL).
func TestOpeningBalanceLargeAsJob(t *testing.T) {
	f := setup(t)
	n := inventory.ImportSyncRows + 1
	if v, err := strconv.Atoi(os.Getenv("FSC_TEST_OPENING_ROWS")); err == nil && v > 0 {
		n = v
	}
	var b bytes.Buffer
	b.WriteString("sku,serial,member_code,citizen_ref,deployed_on\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "TAB-1,OPEN-%07d,751,C-%d,2024-%02d-%02d\n", i, i, i%12+1, i%28+1)
	}
	start := time.Now()
	imp, err := f.svc.StartImport(f.ctx, f.loc.ID, "opening.csv", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != inventory.ImportQueued || imp.RowsTotal != n {
		t.Fatalf("import = %+v", imp)
	}
	if err := f.svc.HandleImport(f.sys, importTask(t, imp.ID)); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	got, err := f.svc.GetImport(f.ctx, imp.ID)
	if err != nil || got.Status != inventory.ImportDone || got.RowsDone != n || got.DevicesCreated != n {
		t.Fatalf("import = %+v, %v", got, err)
	}
	var deployed int64
	if err := db.Conn(f.ctx).Table("devices").Where("state = 'deployed' AND member_id = ?", f.members[0].ID).Count(&deployed).Error; err != nil || deployed != int64(n) {
		t.Fatalf("%d deployed devices, want %d (%v)", deployed, n, err)
	}
	t.Logf("opening balance of %d devices as a job: %s (%.0f rows/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
}
