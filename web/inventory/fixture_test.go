package inventory_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
)

// fixture is a warehouse with a tablet (serialised, reorder level 5), an oximeter
// (serialised, no reorder level) and test strips (counted by quantity).
type fixture struct {
	loc, loc2            *inventory.Location
	tablet, oxi, strips  *inventory.Product
	devices              map[string]int64 // serial → device id
	logisticsCtx, sysCtx context.Context
}

func setup(t *testing.T, ts *webtest.Server) *fixture {
	t.Helper()
	ctx := ts.Ctx
	f := &fixture{devices: map[string]int64{}, sysCtx: ctx,
		logisticsCtx: auth.WithPrincipal(ctx, auth.Principal{Name: "logistics", Role: auth.RoleLogistics})}
	var err error
	if f.loc, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"}); err != nil {
		t.Fatal(err)
	}
	if f.loc2, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "HOR", Name: "Lager Horsens"}); err != nil {
		t.Fatal(err)
	}
	if f.tablet, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "TAB-10", Name: "Tablet 10 tommer", Category: "tablet", Tracking: "serial", ReorderLevel: 5}); err != nil {
		t.Fatal(err)
	}
	if f.oxi, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "OXI-2", Name: "Pulsoximeter", Category: "oximeter", Tracking: "serial"}); err != nil {
		t.Fatal(err)
	}
	if f.strips, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "STRIP-50", Name: "Teststrimler 50 stk.", Category: "consumable", Tracking: "quantity", ReorderLevel: 10}); err != nil {
		t.Fatal(err)
	}
	f.receive(t, ts, f.loc.ID, f.tablet.ID, "TAB-0001", "TAB-0002", "TAB-0003")
	f.receive(t, ts, f.loc.ID, f.oxi.ID, "OXI-0001", "OXI-0002", "OXI-0003", "OXI-0004", "OXI-0005", "OXI-0006")
	q := int64(40)
	if _, err := ts.Inventory.CreateReceipt(ctx, inventory.NewReceipt{LocationID: f.loc.ID, Reference: "FS-1",
		Lines: []inventory.NewReceiptLine{{ProductID: f.strips.ID, Quantity: &q, UnitCostOre: 1250}}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) receive(t *testing.T, ts *webtest.Server, loc, product int64, serials ...string) {
	t.Helper()
	r, err := ts.Inventory.CreateReceipt(f.sysCtx, inventory.NewReceipt{LocationID: loc, Reference: "setup",
		Lines: []inventory.NewReceiptLine{{ProductID: product, Serials: serials, UnitCostOre: 99900}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range r.Lines[0].DeviceIDs {
		f.devices[serials[i]] = id
	}
}

// deploy takes device serial through its workflow to a citizen of member.
func (f *fixture) deploy(t *testing.T, ts *webtest.Server, serial string, member *contracts.Member, citizen string) {
	t.Helper()
	id := f.devices[serial]
	for _, st := range []inventory.State{inventory.Reserved, inventory.InTransit, inventory.Deployed} {
		c := inventory.Change{Reason: "test"}
		if st == inventory.Reserved {
			c.MemberID, c.CitizenRef = &member.ID, &citizen
		}
		if _, err := ts.Inventory.Move(f.sysCtx, []int64{id}, st, c); err != nil {
			t.Fatalf("move %s to %s: %v", serial, st, err)
		}
	}
}

func loggedIn(t *testing.T, ts *webtest.Server, user string) *webtest.Client {
	t.Helper()
	b := webtest.NewClient(ts)
	b.Login(user+"@example.dk", webtest.Password)
	return b
}

// workbook fetches path as b and opens the workbook it answers.
func workbook(t *testing.T, b *webtest.Client, path string) [][]string {
	t.Helper()
	st, body, _ := b.Get(path)
	if st != 200 {
		t.Fatalf("GET %s: %d: %s", path, st, webtest.PageSnippet(body))
	}
	wb, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s is not a workbook: %v", path, err)
	}
	defer wb.Close()
	rows, err := wb.GetRows(wb.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// upload posts a multipart form with one file as b would from the import page.
func upload(t *testing.T, b *webtest.Client, path string, fields map[string]string, filename string, data []byte) (int, string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields["_csrf"] = b.CSRF
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	for k, v := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.TS.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header.Get("Location")
}

// mustCreate posts body as user and returns the id of what was created (201).
func mustCreate(ts *webtest.Server, path, user string, body any) int64 {
	ts.T.Helper()
	st, b := ts.Do("POST", path, user, body)
	if st != 201 {
		ts.T.Fatalf("POST %s: %d %s", path, st, b)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	webtest.DecodeInto(ts.T, b, &out)
	return out.ID
}
