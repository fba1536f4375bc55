package inventory_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryStockFlagsBelowReorder(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")
	body := b.ExpectPage("/stock", 200, "TAB-10", "OXI-2", "STRIP-50", "1 produkt under genbestillingsniveau.")
	row := func(sku string) string {
		i := strings.Index(body, ">"+sku+"<")
		if i < 0 {
			t.Fatalf("no row for %s", sku)
		}
		start := strings.LastIndex(body[:i], "<tr")
		end := strings.Index(body[i:], "</tr>")
		return body[start : i+end]
	}
	// 3 tablets available under a reorder level of 5; 6 oximeters without a level; 40 strips over 10.
	if r := row("TAB-10"); !strings.Contains(r, `class="below"`) || !strings.Contains(r, ">Genbestil<") {
		t.Errorf("TAB-10 row is not flagged: %s", r)
	}
	for _, sku := range []string{"OXI-2", "STRIP-50"} {
		if r := row(sku); strings.Contains(r, "below") {
			t.Errorf("%s is flagged: %s", sku, r)
		}
	}
	// Values from the receipts: 3 tablets and 6 oximeters at 999 kr., 40 strips at 12,50 kr.
	for sku, want := range map[string]string{"TAB-10": "2.997,00", "OXI-2": "5.994,00", "STRIP-50": "500,00"} {
		if r := row(sku); !strings.Contains(r, ">"+want+"</td>") {
			t.Errorf("%s row does not say its value %s: %s", sku, want, r)
		}
	}
	if !strings.Contains(body, "Lagerværdi i alt, kr.") || !strings.Contains(body, ">9.491,00</th>") {
		t.Errorf("the stock page has no total value of 9.491,00: %s", webtest.PageSnippet(body))
	}
	// At the other warehouse there is nothing, so the strips are under their level too.
	b.ExpectPage(fmt.Sprintf("/stock?location_id=%d", f.loc2.ID), 200, "2 produkter under genbestillingsniveau.")

	// The dashboard's panel shows the same warning to staff, and nothing to a member.
	dash := b.ExpectPage("/", 200, `class="panel reorder"`, "1 produkt under genbestillingsniveau.", `<a href="/stock">TAB-10</a>`)
	if strings.Contains(dash, `<a href="/stock">STRIP-50</a>`) {
		t.Error("the dashboard warns of a product above its reorder level")
	}
	m := loggedIn(t, ts, "member")
	if st, _, _ := m.Get("/stock"); st != 403 {
		t.Errorf("member opens /stock: %d", st)
	}
	if strings.Contains(m.ExpectPage("/", 200), "panel reorder") {
		t.Error("a member's dashboard warns of stock")
	}
}

func TestInventoryExcelExports(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.deploy(t, ts, "TAB-0003", ts.Members["751"], "borger-3")
	b := loggedIn(t, ts, "logistics")

	rows := workbook(t, b, "/devices.xlsx")
	if len(rows) != 1+9 || rows[0][0] != "Serienummer" {
		t.Fatalf("devices.xlsx: %d rows, header %v", len(rows), rows[0])
	}
	rows = workbook(t, b, fmt.Sprintf("/devices.xlsx?state=deployed&product_id=%d", f.tablet.ID))
	if len(rows) != 2 || rows[1][0] != "TAB-0003" || rows[1][3] != "Hos borger" || rows[1][5] != "Kommune 751" || rows[1][6] != "borger-3" {
		t.Errorf("filtered devices.xlsx: %v", rows)
	}
	// The list page's export link carries its filters.
	b.ExpectPage("/devices?state=deployed", 200, `href="/devices.xlsx?state=deployed"`)

	rows = workbook(t, b, "/stock.xlsx")
	if len(rows) != 1+3 || rows[0][0] != "Varenummer" {
		t.Fatalf("stock.xlsx: %v", rows)
	}
	for _, r := range rows[1:] {
		if r[0] == "TAB-10" && (r[5] != "2" || r[6] != "1" || r[8] != "TRUE") {
			t.Errorf("stock.xlsx TAB-10 row: %v", r)
		}
	}
	if rows := workbook(t, b, fmt.Sprintf("/stock.xlsx?location_id=%d", f.loc2.ID)); len(rows) != 4 {
		t.Errorf("stock.xlsx at a location: %v", rows)
	}
}
