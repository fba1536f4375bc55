package inventory_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

func recalledSerials(t *testing.T, f *fixture, recallID int64) []string {
	t.Helper()
	var out []string
	if err := db.Conn(f.ctx).Table("devices").Where("recall_id = ? AND recalled", recallID).Order("serial").Pluck("serial", &out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRecallByListAndRange(t *testing.T) {
	f := setup(t)
	ids := f.receive(t, "R-001", "R-002", "R-003", "R-004", "R-005", "R-006", "R-007", "R-010", "S-001")
	oxi, err := f.svc.CreateProduct(f.ctx, inventory.NewProduct{SKU: "OXI", Name: "Oximeter", Category: "oximeter", Tracking: "serial"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{{ProductID: oxi.ID, Serials: []string{"R-0055"}}}}); err != nil {
		t.Fatal(err)
	}

	// Validation names each field; nothing is recalled.
	cases := []struct {
		in   inventory.NewRecall
		want []string
	}{
		{inventory.NewRecall{}, []string{"product_id", "reason", "serials", "vendor_ref"}},
		{inventory.NewRecall{ProductID: f.strips.ID, VendorRef: "V", Reason: "r", Serials: []string{"X"}}, []string{"product_id"}},
		{inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", Serials: []string{"R-001"}, SerialFrom: "R-001", SerialTo: "R-002"}, []string{"serials"}},
		{inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", SerialFrom: "R-009", SerialTo: "R-001"}, []string{"serial_to"}},
		{inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", SerialFrom: "R-001"}, []string{"serial_to"}},
		{inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", Serials: []string{"R-002", "NOPE", " ", "R-003"}}, []string{"serials[1]", "serials[2]"}},
		{inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", SerialFrom: "Z-1", SerialTo: "Z-9"}, []string{"serials"}},
	}
	for i, c := range cases {
		_, err := f.svc.CreateRecall(f.ctx, c.in)
		got := fields(err)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("case %d: fields %v, want %v (%v)", i, got, c.want, err)
		}
	}
	var n int64
	db.Conn(f.ctx).Table("devices").Where("recalled").Count(&n)
	if n != 0 {
		t.Fatalf("%d devices recalled by refused recalls", n)
	}

	// By list: trimmed, a repeat counts once.
	r1, err := f.svc.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "VR-1", Reason: "battery swelling",
		Serials: []string{"R-002", " R-003 ", "R-002"}})
	if err != nil {
		t.Fatal(err)
	}
	if r1.DeviceCount != 2 || r1.SKU != "TAB-1" || !slices.Equal(recalledSerials(t, f, r1.ID), []string{"R-002", "R-003"}) {
		t.Fatalf("recall 1 = %+v, devices %v", r1, recalledSerials(t, f, r1.ID))
	}
	// By range: byte order, only this product, devices already recalled keep their recall.
	r2, err := f.svc.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "VR-2", Reason: "firmware", SerialFrom: "R-001", SerialTo: "R-007"})
	if err != nil {
		t.Fatal(err)
	}
	if got := recalledSerials(t, f, r2.ID); r2.DeviceCount != 5 || !slices.Equal(got, []string{"R-001", "R-004", "R-005", "R-006", "R-007"}) {
		t.Fatalf("recall 2 = %d devices %v", r2.DeviceCount, got)
	}
	if d := deviceBySerialOf(t, f, oxi.ID, "R-0055"); d.Recalled {
		t.Fatal("the oximeter with a serial in the range was recalled too")
	}
	_, err = f.svc.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "VR-3", Reason: "x", SerialFrom: "R-002", SerialTo: "R-003"})
	if !slices.Equal(fields(err), []string{"serials"}) {
		t.Fatalf("range of recalled devices: %v", err)
	}
	_, err = f.svc.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "VR-3", Reason: "x", Serials: []string{"R-010", "R-002"}})
	if !slices.Equal(fields(err), []string{"serials[1]"}) {
		t.Fatalf("list with a recalled device: %v", err)
	}

	// Recalled devices cannot be reserved and are not available stock.
	if _, err := f.svc.Move(f.ctx, ids[:1], inventory.Reserved, inventory.Change{Reason: "order"}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("reserve a recalled device: %v", err)
	}
	picked, err := inventory.PickDevices(f.ctx, []int64{f.tablet.ID}, 10)
	if err != nil || len(picked) != 2 { // R-010, S-001
		t.Fatalf("picked %v, %v", picked, err)
	}
	var reservable int64
	db.Conn(f.ctx).Table("devices").Where(inventory.ReservableFilter()).Where("product_id = ?", f.tablet.ID).Count(&reservable)
	if reservable != 2 {
		t.Fatalf("ReservableFilter matches %d tablets, want 2", reservable)
	}
	levels, _ := f.svc.Stock(f.ctx, 0)
	for _, l := range levels {
		if l.SKU == "TAB-1" && (l.OnHand != 9 || l.Available != 2) {
			t.Fatalf("tablet stock = %+v", l)
		}
	}

	rs, err := f.svc.ListRecalls(testenv.As(f.ctx, auth.Principal{UserID: 4, Name: "finance", Role: auth.RoleFinance}))
	if err != nil || len(rs) != 2 || rs[0].ID != r2.ID || rs[0].DeviceCount != 5 || rs[1].DeviceCount != 2 || rs[1].SKU != "TAB-1" {
		t.Fatalf("list = %+v, %v", rs, err)
	}
	es, _, _ := audit.List(f.ctx, audit.Filter{Entity: "recall", EntityID: r1.ID, Limit: 5})
	var after map[string]any
	if len(es) != 1 || json.Unmarshal([]byte(es[0].After), &after) != nil || after["device_count"] != float64(2) {
		t.Fatalf("audit = %+v", es)
	}
}

func deviceBySerialOf(t *testing.T, f *fixture, productID int64, serial string) inventory.Device {
	t.Helper()
	ds, _, err := f.svc.ListDevices(f.ctx, inventory.DeviceFilter{Serial: serial, ProductID: productID, Limit: 5})
	if err != nil || len(ds) != 1 {
		t.Fatalf("device %s: %v, %v", serial, ds, err)
	}
	return ds[0]
}

func TestRecallShowsWhereDevicesAre(t *testing.T) {
	f := setup(t)
	ids := f.receive(t, "W-1", "W-2", "W-3", "W-4")
	m, other := f.members[0].ID, f.members[1].ID
	ref, ref2 := "AAR-7", "ODD-3"
	for _, to := range []inventory.State{inventory.Reserved, inventory.InTransit, inventory.Deployed} {
		if _, err := f.svc.Move(f.ctx, ids[:1], to, inventory.Change{MemberID: &m, CitizenRef: &ref}); err != nil {
			t.Fatal(err)
		}
	}
	for _, to := range []inventory.State{inventory.Reserved, inventory.InTransit} {
		if _, err := f.svc.Move(f.ctx, ids[1:2], to, inventory.Change{MemberID: &other, CitizenRef: &ref2}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Transition(f.ctx, ids[2], inventory.TransitionRequest{To: inventory.Repair, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "VR-9", Reason: "overheating", SerialFrom: "W-1", SerialTo: "W-3"})
	if err != nil {
		t.Fatal(err)
	}
	support := testenv.As(f.ctx, auth.Principal{UserID: 3, Name: "support", Role: auth.RoleSupport})
	got, err := f.svc.GetRecall(support, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.VendorRef != "VR-9" || got.DeviceCount != 3 || len(got.Devices) != 3 {
		t.Fatalf("recall = %+v", got)
	}
	w1, w2, w3 := got.Devices[0], got.Devices[1], got.Devices[2]
	if w1.Serial != "W-1" || w1.State != inventory.Deployed || w1.MemberID == nil || *w1.MemberID != m || *w1.MemberName != "K751" ||
		*w1.MemberCode != "751" || *w1.CitizenRef != "AAR-7" || w1.LocationID != nil || w1.LocationCode != nil {
		t.Errorf("deployed device = %+v", w1)
	}
	if w2.State != inventory.InTransit || *w2.MemberName != "K657" || *w2.CitizenRef != "ODD-3" || w2.LocationCode != nil {
		t.Errorf("in-transit device = %+v", w2)
	}
	if w3.State != inventory.Repair || w3.MemberID != nil || w3.CitizenRef != nil || *w3.LocationCode != "AAR" || *w3.LocationName != "Lager Aarhus" {
		t.Errorf("device in repair = %+v", w3)
	}
	if _, err := f.svc.GetRecall(f.ctx, 99999); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown recall: %v", err)
	}
	if _, err := f.svc.GetRecall(f.memberCtx(0), r.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member reads a recall: %v", err)
	}
	if _, err := f.svc.CreateRecall(support, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", Serials: []string{"W-4"}}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("support creates a recall: %v", err)
	}
	if _, err := f.svc.CreateRecall(testenv.As(f.ctx, auth.Principal{UserID: 1, Name: "a", Role: auth.RoleAdmin}),
		inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", Serials: []string{"W-4"}}); err != nil {
		t.Fatalf("admin creates a recall: %v", err)
	}
}
