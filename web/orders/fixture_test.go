package orders_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/hibiken/asynq"
)

// fixture is a catalogue and stock for the order pages: member 751 has joined the
// COPD scheme, whose kit holds a tablet, an oximeter and two boxes of strips; three of
// each device and 50 strips are on the shelf at AAR.
type fixture struct {
	ts                  *webtest.Server
	loc                 *inventory.Location
	tablet, oxi, strips *inventory.Product
	kit                 *inventory.Kit
}

func seedOrders(t *testing.T, ts *webtest.Server) *fixture {
	t.Helper()
	ctx := ts.Ctx
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{ts: ts}
	sc, err := ts.Contracts.CreateScheme(ctx, contracts.NewScheme{Code: "kol", Name: "KOL telemonitorering"})
	must(err)
	_, err = ts.Contracts.Join(ctx, sc.ID, contracts.NewParticipation{MemberID: ts.Members["751"].ID, JoinedOn: civil.MustParse("2020-01-01")})
	must(err)
	f.loc, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	must(err)
	f.tablet, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "TAB-10", Name: "Tablet 10\"", Category: "tablet", Tracking: "serial"})
	must(err)
	f.oxi, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "OXI-1", Name: "Pulsoximeter", Category: "oximeter", Tracking: "serial"})
	must(err)
	f.strips, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "STRIP", Name: "Teststrimler", Category: "consumable", Tracking: "quantity"})
	must(err)
	f.kit, err = ts.Inventory.CreateKit(ctx, inventory.NewKit{Code: "kol-kit", Name: "KOL-kit", SchemeID: sc.ID,
		Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: 1}, {ProductID: f.oxi.ID, Quantity: 1}, {ProductID: f.strips.ID, Quantity: 2}}})
	must(err)
	fifty := int64(50)
	_, err = ts.Inventory.CreateReceipt(ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"TAB-0001", "TAB-0002", "TAB-0003"}},
		{ProductID: f.oxi.ID, Serials: []string{"OXI-0001", "OXI-0002", "OXI-0003"}},
		{ProductID: f.strips.ID, Quantity: &fifty},
	}})
	must(err)
	return f
}

// orderForm is a filled-in order form for the kit.
func (f *fixture) orderForm(key, citizen string) url.Values {
	return url.Values{"key": {key}, "kit_id": {fmt.Sprint(f.kit.ID)}, "citizen_ref": {citizen},
		"delivery_name": {"Karen Jensen"}, "delivery_street": {"Vestergade 12, 2. th."}, "delivery_postcode": {"8000"},
		"delivery_city": {"Aarhus C"}, "delivery_phone": {"+45 12 34 56 78"}, "requested_on": {""}, "note": {"Ring på hos naboen"}}
}

var orderPathRE = regexp.MustCompile(`^/orders/([0-9]+)$`)

// placeByForm orders the kit through the form as the logged-in member and returns the
// order's id.
func (f *fixture) placeByForm(t *testing.T, b *webtest.Client, citizen string) int64 {
	t.Helper()
	form := b.ExpectPage("/orders/new", 200)
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form)
	if key == nil {
		t.Fatal("order form has no idempotency key")
	}
	st, body, loc := b.Post("/orders/new", f.orderForm(key[1], citizen))
	m := orderPathRE.FindStringSubmatch(loc)
	if st != 303 || m == nil {
		t.Fatalf("POST /orders/new: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

// book runs the booking job of the order's shipment, as the worker would.
func (f *fixture) book(t *testing.T, orderID int64) {
	t.Helper()
	o, err := f.ts.Orders.Get(f.ts.Ctx, orderID)
	if err != nil || o.ShipmentID == nil {
		t.Fatalf("order %d has no shipment (%v)", orderID, err)
	}
	f.bookShipment(t, *o.ShipmentID)
}

func (f *fixture) bookShipment(t *testing.T, id int64) {
	t.Helper()
	payload, _ := json.Marshal(orders.BookPayload{ShipmentID: id})
	if err := f.ts.Orders.HandleBookShipment(f.ts.Ctx, asynq.NewTask(orders.TypeBookShipment, payload)); err != nil {
		t.Fatalf("book shipment %d: %v", id, err)
	}
}

func (f *fixture) deviceState(t *testing.T, serial string) inventory.Device {
	t.Helper()
	ds, err := f.ts.Inventory.FindBySerial(f.ts.Ctx, serial)
	if err != nil || len(ds) != 1 {
		t.Fatalf("device %s: %v (%d found)", serial, err, len(ds))
	}
	return ds[0]
}
