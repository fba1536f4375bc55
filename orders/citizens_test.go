package orders_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/orders"
)

// The nightly erasure: a citizen whose last device came back longer ago than the
// retention loses name, address, phone and reference everywhere (orders, returns,
// shipments, device history, devices, audit trail); a citizen still holding a device,
// or seen recently, keeps them; every count is unchanged; a second run erases nothing.
func TestAnonymiseCitizens(t *testing.T) {
	f := setup(t)
	f.stock(t, 3)
	f.svc.CitizenRetention = 90 * 24 * time.Hour
	anna := &orders.Address{Name: "Anna Testesen", Street: "Solvej 17", Postcode: "8210", City: "Aarhus V", Phone: "+4511112222"}

	// Anna: delivered, then collected and received back.
	in := f.kitOrder("CIT-ANNA")
	in.Delivery, in.Note = anna, "ring på hos Anna"
	o, err := f.svc.Place(f.ctx, in, "")
	if err != nil {
		t.Fatal(err)
	}
	f.shipAndBook(t, o)
	if _, err := f.svc.Deliver(f.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	o = f.order(t, o.ID)
	ret, err := f.svc.RequestReturn(f.ctx, orders.NewReturn{MemberID: f.member.ID, DeviceIDs: devicesOf(o), Reason: "not_needed", Pickup: anna}, "")
	if err != nil {
		t.Fatal(err)
	}
	var scans []string
	for _, id := range devicesOf(o) {
		scans = append(scans, f.device(t, id).Serial)
	}
	if _, err := f.svc.ReceiveReturn(f.ctx, ret.ID, orders.ReceiveRequest{LocationID: f.loc.ID, Serials: scans}); err != nil {
		t.Fatal(err)
	}
	// Bo still has his devices; Carl's order was cancelled today.
	bo := f.deliveredKit(t, "CIT-BO")
	carl, err := f.svc.Place(f.ctx, f.kitOrder("CIT-CARL"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Cancel(f.ctx, carl.ID); err != nil {
		t.Fatal(err)
	}
	// Anna's and Bo's history is 100 days old.
	old := time.Now().UTC().Add(-100 * 24 * time.Hour)
	for _, ref := range []string{"CIT-ANNA", "CIT-BO"} {
		must(t, db.Conn(f.ctx).Exec("UPDATE orders SET updated_at = ? WHERE citizen_ref = ?", old, ref).Error)
		must(t, db.Conn(f.ctx).Exec("UPDATE device_events SET at = ? WHERE citizen_ref = ?", old, ref).Error)
	}

	tables := []string{"orders", "order_lines", "shipments", "returns", "return_devices", "devices", "device_events", "order_reservations"}
	before := rowCounts(t, f, tables)
	n, err := f.svc.AnonymiseCitizens(f.sys, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("erased %d citizens, %v; want 1 (Anna)", n, err)
	}
	if after := rowCounts(t, f, tables); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("row counts changed: %v, were %v", after, before)
	}
	secrets := []string{"Anna Testesen", "Solvej 17", "+4511112222", "CIT-ANNA", "ring på hos Anna"}
	for _, table := range append(tables, "audit_entries", "alerts", "carrier_events", "stock_movements") {
		var rows []map[string]any
		must(t, db.Conn(f.ctx).Table(table).Find(&rows).Error)
		for _, r := range rows {
			s := fmt.Sprint(r)
			for _, sec := range secrets {
				if strings.Contains(s, sec) {
					t.Errorf("%s still holds %q: %s", table, sec, s)
				}
			}
		}
	}
	got := f.order(t, o.ID)
	if !strings.HasPrefix(got.CitizenRef, orders.PseudonymPrefix) || got.Status != orders.Delivered || got.MemberID != f.member.ID || len(got.Lines) != 3 {
		t.Fatalf("erased order = %+v", got)
	}
	if got := f.order(t, bo.ID); got.CitizenRef != "CIT-BO" || got.Delivery.Name == "" {
		t.Fatalf("Bo's order was erased: %+v", got)
	}
	if got := f.order(t, carl.ID); got.CitizenRef != "CIT-CARL" {
		t.Fatalf("Carl's order was erased: %+v", got)
	}

	// Idempotent, and one audit entry per run.
	if n, err := f.svc.AnonymiseCitizens(f.sys, time.Now()); err != nil || n != 0 {
		t.Fatalf("second run erased %d, %v", n, err)
	}
	var runs int64
	must(t, db.Conn(f.ctx).Table("audit_entries").Where("action = 'anonymise' AND entity = 'citizens'").Count(&runs).Error)
	if runs != 2 {
		t.Fatalf("%d audit entries of runs, want 2", runs)
	}
	assertCounts(t, f)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func rowCounts(t *testing.T, f *fixture, tables []string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		must(t, db.Conn(f.ctx).Table(table).Count(&n).Error)
		out[table] = n
	}
	var byStatus []struct {
		MemberID int64
		Status   string
		N        int64
	}
	must(t, db.Conn(f.ctx).Table("orders").Select("member_id, status, COUNT(*) AS n").Group("member_id, status").Order("member_id, status").Scan(&byStatus).Error)
	for _, r := range byStatus {
		out[fmt.Sprintf("orders/%d/%s", r.MemberID, r.Status)] = r.N
	}
	return out
}
