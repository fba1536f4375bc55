package support_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/hibiken/asynq"
)

// env is the test app with what tickets need: a warehouse, a tablet product, a vendor
// with an active contract (SLA 4 h response, 24 h resolution) and its user "vendor",
// and a second vendor without a contract whose user is "vendor2".
type env struct {
	ts              *webtest.Server
	loc             *inventory.Location
	tablet          *inventory.Product
	vendor, vendor2 *contracts.Vendor
	a, b            *contracts.Member // 751 (user "member") and 657 ("member2")
	serial          atomic.Int64
}

func setup(t *testing.T) *env {
	t.Helper()
	return setupOn(t, webtest.New(t))
}

func setupOn(t *testing.T, ts *webtest.Server) *env {
	t.Helper()
	e := &env{ts: ts, a: ts.Members["751"], b: ts.Members["657"]}
	ctx := ts.Ctx
	var err error
	e.loc, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	must(t, err)
	e.tablet, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "TAB-A", Name: "Tablet A", Category: "tablet", Tracking: "serial"})
	must(t, err)
	e.vendor, err = ts.Contracts.CreateVendor(ctx, contracts.NewVendor{Name: "Medtek ApS", CVR: "12345674", Email: "service@medtek.dk"})
	must(t, err)
	e.vendor2, err = ts.Contracts.CreateVendor(ctx, contracts.NewVendor{Name: "Andet Firma A/S", CVR: "12345682", Email: "s@andet.dk"})
	must(t, err)
	today, notice := civil.Today(), 3
	_, err = ts.Contracts.CreateContract(ctx, contracts.NewContract{Number: "K-2026-1", Title: "Tablets", VendorID: e.vendor.ID,
		StartsOn: today.AddDays(-400), EndsOn: today.AddDays(400), NoticeMonths: &notice, SLA: &contracts.SLA{ResponseHours: 4, ResolutionHours: 24}})
	must(t, err)
	e.user(t, "vendor", auth.RoleVendor, nil, &e.vendor.ID)
	e.user(t, "vendor2", auth.RoleVendor, nil, &e.vendor2.ID)
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// user adds a user key with a token to the test server.
func (e *env) user(t *testing.T, key string, role auth.Role, member, vendor *int64) {
	t.Helper()
	in := auth.NewUser{Email: key + "@example.dk", Name: key, Password: webtest.Password, Role: role, MemberID: member, VendorID: vendor}
	_, err := e.ts.Auth.CreateUser(e.ts.Ctx, in)
	must(t, err)
	sess, err := e.ts.Auth.Login(db.NewContext(context.Background(), e.ts.DB), in.Email, webtest.Password, "setup-"+key)
	must(t, err)
	e.ts.Tokens[key] = sess.Token
}

var addr = &orders.Address{Name: "Borger Hansen", Street: "Vestergade 1", Postcode: "8000", City: "Aarhus C", Phone: "12345678"}

// deploy receives a tablet and delivers it through a real order to citizen ref of m.
func (e *env) deploy(t *testing.T, m *contracts.Member, ref string) *inventory.Device {
	t.Helper()
	ctx := e.ts.Ctx
	serial := fmt.Sprintf("TAB-%06d", e.serial.Add(1))
	_, err := e.ts.Inventory.CreateReceipt(ctx, inventory.NewReceipt{LocationID: e.loc.ID,
		Lines: []inventory.NewReceiptLine{{ProductID: e.tablet.ID, Serials: []string{serial}}}})
	must(t, err)
	o, err := e.ts.Orders.Place(ctx, orders.NewOrder{MemberID: m.ID, Lines: []orders.NewLine{{ProductID: e.tablet.ID, Quantity: 1}},
		CitizenRef: ref, Delivery: addr}, "")
	must(t, err)
	o, err = e.ts.Orders.Ship(ctx, o.ID)
	must(t, err)
	pl, _ := json.Marshal(orders.BookPayload{ShipmentID: *o.ShipmentID})
	must(t, e.ts.Orders.HandleBookShipment(ctx, asynq.NewTask(orders.TypeBookShipment, pl)))
	_, err = e.ts.Orders.Deliver(ctx, o.ID)
	must(t, err)
	d, err := e.ts.Inventory.GetDevice(ctx, o.Lines[0].DeviceIDs[0])
	must(t, err)
	if d.State != inventory.Deployed {
		t.Fatalf("device %s is %s", d.Serial, d.State)
	}
	return d
}

// ticket is the part of a ticket's JSON the tests read.
type ticket struct {
	ID        int64   `json:"id"`
	Number    string  `json:"number"`
	Status    string  `json:"status"`
	MemberID  int64   `json:"member_id"`
	DeviceID  *int64  `json:"device_id"`
	VendorID  *int64  `json:"vendor_id"`
	OLADue    *string `json:"ola_due"`
	Priority  string  `json:"priority"`
	Channel   string  `json:"channel"`
	Category  string  `json:"category"`
	Received  string  `json:"received_at"`
	CitizenRf *string `json:"citizen_ref"`
	SLA       struct {
		Calendar         string  `json:"calendar"`
		FirstResponseDue string  `json:"first_response_due"`
		ResolutionDue    string  `json:"resolution_due"`
		FirstResponseAt  *string `json:"first_response_at"`
		ResolvedAt       *string `json:"resolved_at"`
		Paused           bool    `json:"paused"`
		Breached         bool    `json:"breached"`
	} `json:"sla"`
	Comments []struct {
		ID       int64  `json:"id"`
		Author   string `json:"author"`
		Body     string `json:"body"`
		Internal bool   `json:"internal"`
		At       string `json:"at"`
	} `json:"comments"`
	Alarms []struct {
		Kind   string `json:"kind"`
		Serial string `json:"serial"`
	} `json:"alarms"`
	Attachments []struct {
		ID       int64  `json:"id"`
		Filename string `json:"filename"`
		Size     int64  `json:"size"`
	} `json:"attachments"`
	Swaps []struct {
		OrderID  int64 `json:"order_id"`
		ReturnID int64 `json:"return_id"`
	} `json:"swaps"`
}

// do sends a request and checks its status.
func (e *env) do(t *testing.T, method, path, user string, body any, want int) []byte {
	t.Helper()
	st, b := e.ts.Do(method, "/api/v1"+path, user, body)
	if st != want {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, user, st, want, b)
	}
	return b
}

func (e *env) ticket(t *testing.T, user string, id int64) ticket {
	t.Helper()
	var out ticket
	webtest.DecodeInto(t, e.do(t, "GET", fmt.Sprintf("/tickets/%d", id), user, nil, 200), &out)
	return out
}

// phone opens a phone ticket for member m as support and returns it.
func (e *env) phone(t *testing.T, m *contracts.Member, prio string, extra map[string]any) ticket {
	t.Helper()
	body := map[string]any{"member_id": m.ID, "channel": "phone", "category": "usage", "priority": prio,
		"subject": "Borgeren kan ikke logge ind", "contact": map[string]any{"name": "Sygeplejerske Jensen", "phone": "87654321"}}
	for k, v := range extra {
		body[k] = v
	}
	var out ticket
	webtest.DecodeInto(t, e.do(t, "POST", "/tickets", "support", body, 201), &out)
	return out
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func jsonEncoder(w io.Writer) *json.Encoder { return json.NewEncoder(w) }

// receiptOf is a receipt of one more tablet with serial.
func receiptOf(e *env, serial string) inventory.NewReceipt {
	return inventory.NewReceipt{LocationID: e.loc.ID, Lines: []inventory.NewReceiptLine{{ProductID: e.tablet.ID, Serials: []string{serial}}}}
}

func createReceipt(e *env, serial string) error {
	_, err := e.ts.Inventory.CreateReceipt(e.ts.Ctx, receiptOf(e, serial))
	return err
}

func attachment(name string) support.AttachmentInput {
	return support.AttachmentInput{Filename: name, Data: []byte("log line\n")}
}

func newRoute(member int64, pattern string) support.NewEmailRoute {
	return support.NewEmailRoute{MemberID: member, Pattern: pattern}
}
