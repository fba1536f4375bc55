package inventory_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryScannerSearchRedirectsToTheDevice(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")

	body := b.ExpectPage("/devices", 200, `name="serial"`, "autofocus", "TAB-0001", "OXI-0006")
	if !strings.Contains(body, `<input id="serial" name="serial"`) {
		t.Errorf("the device list has no scanner box at the top")
	}
	// A scanner types the serial and Enter: a single match opens the device.
	st, _, loc := b.Get("/devices?serial=" + url.QueryEscape(" TAB-0002 "))
	if want := fmt.Sprintf("/devices/%d", f.devices["TAB-0002"]); st != 303 || loc != want {
		t.Fatalf("scan TAB-0002: %d to %q; want 303 to %s", st, loc, want)
	}
	b.ExpectPage("/devices?serial=NOPE-1", 200, "Ingen enhed har serienummeret NOPE-1.")

	// Serials are matched ignoring case, and by prefix: a scan in lower case opens the
	// device; the start of a serial lists every device it begins.
	st, _, loc = b.Get("/devices?serial=" + url.QueryEscape("tab-0002"))
	if want := fmt.Sprintf("/devices/%d", f.devices["TAB-0002"]); st != 303 || loc != want {
		t.Fatalf("scan tab-0002: %d to %q; want 303 to %s", st, loc, want)
	}
	body = b.ExpectPage("/devices?serial=TAB-000", 200)
	for _, serial := range []string{"TAB-0001", "TAB-0002"} {
		if !strings.Contains(body, fmt.Sprintf(`href="/devices/%d"`, f.devices[serial])) {
			t.Errorf("the devices whose serial starts TAB-000 leave out %s", serial)
		}
	}
	// A serial that exists under another product is refused: one serial, one device.
	if _, err := ts.Inventory.CreateReceipt(ts.Ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.oxi.ID, Serials: []string{"tab-0001"}}}}); err == nil {
		t.Fatal("a receipt of tab-0001 under another product was accepted")
	}

	// Filters: state and product.
	body = b.ExpectPage(fmt.Sprintf("/devices?product_id=%d", f.tablet.ID), 200, "TAB-0003")
	if strings.Contains(body, "OXI-0002") {
		t.Error("the product filter lets another product through")
	}
	b.ExpectPage("/devices?state=repair", 200, "Intet at vise.")
	// Keyset pages: 10 devices, 4 a page.
	body = b.ExpectPage("/devices?limit=4", 200, "Næste side")
	if n := strings.Count(body, `<td><a class="mono" href="/devices/`); n != 4 {
		t.Errorf("a page of 4 shows %d devices", n)
	}
}

func TestInventoryDevicePageTimelineAndTransitions(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")
	id := f.devices["TAB-0001"]
	path := fmt.Sprintf("/devices/%d", id)

	body := b.ExpectPage(path, 200, `<ol class="inv-history"`, "Modtaget på varemodtagelse", "TAB-10", "Tablet 10 tommer",
		"AAR – Lager Aarhus", `action="`+path+`/transition"`)
	// Only the manual moves from available are offered.
	for _, want := range []string{`value="repair"`, `value="scrapped"`, `value="lost"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the move form lacks %s", want)
		}
	}
	for _, not := range []string{`value="reserved"`, `value="deployed"`, `value="cleaning"`, `action="` + path + `/transfer"`} {
		if strings.Contains(body, not) {
			t.Errorf("the device page offers %s for an available device", not)
		}
	}

	// A manual move through the form.
	st, _, loc := b.Post(path+"/transition", url.Values{"to": {"repair"}, "reason": {"revnet skærm"}})
	if st != 303 || loc != path {
		t.Fatalf("transition: %d to %q", st, loc)
	}
	body = b.ExpectPage(path, 200, "Status er skiftet.", "revnet skærm", `badge state-repair`)
	if strings.Index(body, "revnet skærm") > strings.Index(body, "Modtaget på varemodtagelse") {
		t.Error("the timeline does not show the newest event first")
	}
	d, err := ts.Inventory.GetDevice(ts.Ctx, id)
	if err != nil || d.State != inventory.Repair {
		t.Fatalf("device after the move: %+v, %v", d, err)
	}

	// An illegal move (a crafted or stale form) is refused and said in Danish.
	st, body, _ = b.Post(path+"/transition", url.Values{"to": {"deployed"}, "reason": {"forsøg"}})
	if st != 409 || !strings.Contains(body, "En enhed kan ikke skifte fra »Reparation« til »Hos borger« her.") {
		t.Errorf("illegal move: %d: %s", st, webtest.PageSnippet(body))
	}
	if !strings.Contains(body, `<ol class="inv-history"`) || !strings.Contains(body, `value="forsøg"`) {
		t.Error("a refused move does not show the device page again with the reason kept")
	}
	// Without a reason.
	st, body, _ = b.Post(path+"/transition", url.Values{"to": {"available"}, "reason": {" "}})
	if st != 422 || !strings.Contains(body, "<strong>Begrundelse</strong>: skal udfyldes") {
		t.Errorf("move without reason: %d: %s", st, webtest.PageSnippet(body))
	}

	// A deployed device can be transferred to another member's citizen.
	f.deploy(t, ts, "TAB-0002", ts.Members["751"], "borger-17")
	p2 := fmt.Sprintf("/devices/%d", f.devices["TAB-0002"])
	b.ExpectPage(p2, 200, `action="`+p2+`/transfer"`, "borger-17", "Kommune 751")
	st, body, _ = b.Post(p2+"/transfer", url.Values{"member_id": {fmt.Sprint(ts.Members["657"].ID)}, "citizen_ref": {"0101701234"}})
	if st != 422 || !strings.Contains(body, "ligner et CPR-nummer") {
		t.Errorf("transfer with a CPR number: %d: %s", st, webtest.PageSnippet(body))
	}
	st, _, _ = b.Post(p2+"/transfer", url.Values{"member_id": {fmt.Sprint(ts.Members["657"].ID)}, "citizen_ref": {"ref-9"}})
	if st != 303 {
		t.Fatalf("transfer: %d", st)
	}
	b.ExpectPage(p2, 200, "Enheden er overdraget.", "Overdraget fra Kommune 751 til Kommune 657", "ref-9")

	// Support sees the page but not the forms.
	s := loggedIn(t, ts, "support")
	body = s.ExpectPage(path, 200, `<ol class="inv-history"`)
	if strings.Contains(body, "/transition") {
		t.Error("support is offered the move form")
	}
	if st, _, _ := s.Post(path+"/transition", url.Values{"to": {"available"}, "reason": {"x"}}); st != 403 {
		t.Errorf("support posts a move: %d, want 403", st)
	}
}

func TestInventoryMemberSeesOnlyOwnDevices(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.deploy(t, ts, "TAB-0001", ts.Members["751"], "borger-751")
	f.deploy(t, ts, "OXI-0001", ts.Members["657"], "borger-657")
	m := loggedIn(t, ts, "member")

	body := m.ExpectPage("/devices", 200, "<h1>Mine enheder</h1>", "TAB-0001", "borger-751")
	for _, not := range []string{"OXI-0001", "borger-657", "TAB-0002", "Lager Aarhus"} {
		if strings.Contains(body, not) {
			t.Errorf("the member's list shows %s", not)
		}
	}
	m.ExpectPage(fmt.Sprintf("/devices/%d", f.devices["TAB-0001"]), 200, "borger-751", `<ol class="inv-history"`)
	st, body, _ := m.Get(fmt.Sprintf("/devices/%d", f.devices["OXI-0001"]))
	if st != 404 || strings.Contains(body, "borger-657") {
		t.Errorf("another member's device: %d", st)
	}
	// Scanning another member's serial finds nothing.
	m.ExpectPage("/devices?serial=OXI-0001", 200, "Ingen enhed har serienummeret OXI-0001.")
	st, _, loc := m.Get("/devices?serial=TAB-0001")
	if st != 303 || loc != fmt.Sprintf("/devices/%d", f.devices["TAB-0001"]) {
		t.Errorf("member scans own serial: %d to %q", st, loc)
	}
	rows := workbook(t, m, "/devices.xlsx")
	if len(rows) != 2 || rows[1][0] != "TAB-0001" {
		t.Errorf("member's devices.xlsx: %v", rows)
	}
	if st, _, _ := m.Post(fmt.Sprintf("/devices/%d/transition", f.devices["TAB-0001"]), url.Values{"to": {"lost"}, "reason": {"x"}}); st != 403 {
		t.Errorf("member posts a move: %d", st)
	}

	// After a transfer to 657, the new member's user does not see 751's citizen in the history.
	if _, err := ts.Inventory.Transfer(f.logisticsCtx, f.devices["TAB-0001"], inventory.TransferRequest{MemberID: ts.Members["657"].ID, CitizenRef: "ny-borger"}); err != nil {
		t.Fatal(err)
	}
	m2 := loggedIn(t, ts, "member2")
	body = m2.ExpectPage(fmt.Sprintf("/devices/%d", f.devices["TAB-0001"]), 200, "ny-borger")
	if strings.Contains(body, "borger-751") {
		t.Error("the new member sees the former member's citizen reference")
	}
	if st, _, _ := m.Get(fmt.Sprintf("/devices/%d", f.devices["TAB-0001"])); st != 404 {
		t.Errorf("former member still opens the device: %d", st)
	}
}

// Every reason the system writes on a device event has words in every language, taking
// as many arguments as the code gives.
func TestEveryDeviceReasonHasWords(t *testing.T) {
	for _, code := range inventory.WhyCodes() {
		for _, lc := range i18n.Codes {
			if !i18n.For(lc).Has("inv.reason." + code) {
				t.Errorf("%s lacks inv.reason.%s", lc, code)
			}
		}
	}
}
