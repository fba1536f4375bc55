package inventory_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryStocktakePages(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.receive(t, ts, f.loc2.ID, f.oxi.ID, "OXI-HOR-1")
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/stocktakes", 200, `action="/stocktakes"`)
	st, _, loc := b.Post("/stocktakes", url.Values{"location_id": {fmt.Sprint(f.loc.ID)}})
	if st != 303 || !strings.HasPrefix(loc, "/stocktakes/") {
		t.Fatalf("start: %d %q", st, loc)
	}
	// A second one at the same location is refused.
	st, body, _ := b.Post("/stocktakes", url.Values{"location_id": {fmt.Sprint(f.loc.ID)}})
	if st != 409 || !strings.Contains(body, "Der er allerede en åben optælling") {
		t.Errorf("second stocktake: %d: %s", st, webtest.PageSnippet(body))
	}
	// The open stocktake is listed, linked, for staff who did not start it too.
	row := fmt.Sprintf(`<td><a href="%s">%s</a></td>`, loc, strings.TrimPrefix(loc, "/stocktakes/"))
	b.ExpectPage("/stocktakes", 200, row, "Lager Aarhus", `<span class="badge warn">Åben</span>`)
	loggedIn(t, ts, "support").ExpectPage("/stocktakes", 200, row)
	body = b.ExpectPage(loc, 200, "Optælling nr.", `<textarea id="serials" name="serials"`, `name="qty_`+fmt.Sprint(f.strips.ID)+`"`,
		"Scan hvad der står på hylderne først.")
	// Before anything is counted, every device on the books is "missing": booking that
	// is not offered, and refused if posted anyway.
	if strings.Contains(body, `action="`+loc+`/confirm"`) || strings.Contains(body, "bogføres som bortkommet") {
		t.Error("an uncounted stocktake offers to book its devices lost")
	}
	st, body, _ = b.Post(loc+"/confirm", url.Values{"reason": {"årsoptælling"}})
	if st != 409 || !strings.Contains(body, "Der er ikke talt noget endnu") {
		t.Errorf("confirm before counting: %d: %s", st, webtest.PageSnippet(body))
	}

	// Scan all but TAB-0003, one from the other warehouse and one unknown; count 38 strips.
	scan := "TAB-0001\nTAB-0002\nOXI-0001\nOXI-0002\nOXI-0003\nOXI-0004\nOXI-0005\nOXI-0006\nOXI-HOR-1\nUKENDT-1\n"
	st, _, _ = b.Post(loc+"/count", url.Values{"serials": {scan}, "qty_" + fmt.Sprint(f.strips.ID): {"38"}})
	if st != 303 {
		t.Fatalf("count: %d", st)
	}
	body = b.ExpectPage(loc, 200, "Optællingen er registreret.", "TAB-0003", "OXI-HOR-1", "flyttes hertil", "UKENDT-1", "ukendt serienummer", "STRIP-50", "-2",
		"1 enhed bogføres som bortkommet.")
	// A malformed serial names its row.
	st, body, _ = b.Post(loc+"/count", url.Values{"serials": {"TAB-0001\nbad serial!"}})
	if st != 422 || !strings.Contains(body, "<strong>Linje 2</strong>") {
		t.Errorf("bad scan: %d: %s", st, webtest.PageSnippet(body))
	}
	st, body, _ = b.Post(loc+"/confirm", url.Values{"reason": {""}})
	if st != 422 {
		t.Errorf("confirm without reason: %d", st)
	}
	if st, _, _ = b.Post(loc+"/confirm", url.Values{"reason": {"årsoptælling"}}); st != 303 {
		t.Fatalf("confirm: %d", st)
	}
	body = b.ExpectPage(loc, 200, "Bogført", "årsoptælling")
	b.ExpectPage("/stocktakes", 200, row, `<span class="badge ok">Bogført</span>`)
	if strings.Contains(body, `action="`+loc+`/count"`) {
		t.Error("a confirmed stocktake still offers the count form")
	}
	d, _ := ts.Inventory.GetDevice(ts.Ctx, f.devices["TAB-0003"])
	if d.State != inventory.Lost {
		t.Errorf("the missing tablet is %s after confirmation", d.State)
	}
}
