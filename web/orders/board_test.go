package orders_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

// The board finds an order by its number (in any case) or its citizen reference, keeps
// to a member, and lists oldest or newest first.
func TestOrderBoardSearchAndSort(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	m := webtest.NewClient(ts)
	m.Login("member@example.dk", webtest.Password)
	var ids []int64
	for _, ref := range []string{"SAG-A", "SAG-B", "SAG-C"} {
		ids = append(ids, f.placeByForm(t, m, ref))
	}
	b := webtest.NewClient(ts)
	b.Login("logistics@example.dk", webtest.Password)
	rows := func(path string) []string {
		t.Helper()
		body := b.ExpectPage(path, 200)
		var out []string
		for _, id := range ids {
			if i := strings.Index(body, fmt.Sprintf(`<a href="/orders/%d">`, id)); i >= 0 {
				out = append(out, fmt.Sprintf("%d@%d", id, i))
			}
		}
		return out
	}
	number := fmt.Sprintf("o-%06d", ids[1]) // numbers are O-000001 …; typed in lower case
	if got := rows("/orders?q=" + number); len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprint(ids[1])+"@") {
		t.Fatalf("search %s: %v", number, got)
	}
	if got := rows("/orders?q=SAG-C"); len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprint(ids[2])+"@") {
		t.Fatalf("search SAG-C: %v", got)
	}
	if got := rows(fmt.Sprintf("/orders?member_id=%d", ts.Members["657"].ID)); len(got) != 0 {
		t.Fatalf("another member's orders: %v", got)
	}
	newest := b.ExpectPage("/orders", 200, `aria-sort="descending"`, `href="/orders?sort=oldest"`)
	oldest := b.ExpectPage("/orders?sort=oldest", 200, `aria-sort="ascending"`)
	pos := func(body string, id int64) int { return strings.Index(body, fmt.Sprintf(`<a href="/orders/%d">`, id)) }
	if !(pos(newest, ids[2]) < pos(newest, ids[0])) || !(pos(oldest, ids[0]) < pos(oldest, ids[2])) {
		t.Fatal("sort=oldest does not turn the board's order around")
	}
	// The due column sorts the whole list by the day due, and turns it round.
	b.ExpectPage("/orders", 200, `href="/orders?sort=due" title="Tidligst ønsket først"`)
	b.ExpectPage("/orders?sort=due", 200, `aria-sort="ascending"`, `href="/orders?sort=due_last"`, `name="sort" value="due"`)
	if st, body := ts.Do("GET", "/api/v1/orders?sort=due_last", "logistics", nil); st != 200 || strings.Count(string(body), `"number"`) != 3 {
		t.Fatalf("API sort by due: %d %s", st, body)
	}
	// The API searches alike.
	st, body := ts.Do("GET", "/api/v1/orders?q=SAG-B&sort=oldest", "logistics", nil)
	if st != 200 || strings.Count(string(body), `"number"`) != 1 {
		t.Fatalf("API search: %d %s", st, body)
	}
	if st, _ := ts.Do("GET", "/api/v1/orders?sort=sideways", "logistics", nil); st != 422 {
		t.Fatalf("bad sort: %d, want 422", st)
	}
}

// The shipment page that device histories link to: the member sees its own, another
// member gets 404, staff see the member and the tracking number.
func TestShipmentPage(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	m := webtest.NewClient(ts)
	m.Login("member@example.dk", webtest.Password)
	id := f.placeByForm(t, m, "SAG-S")
	if st, body := ts.Do("POST", fmt.Sprintf("/api/v1/orders/%d/ship", id), "logistics", nil); st != 202 {
		t.Fatalf("ship: %d %s", st, body)
	}
	f.book(t, id)
	st, body := ts.Do("GET", fmt.Sprintf("/api/v1/orders/%d", id), "logistics", nil)
	var o struct {
		ShipmentID int64 `json:"shipment_id"`
	}
	webtest.DecodeInto(t, body, &o)
	if st != 200 || o.ShipmentID == 0 {
		t.Fatalf("order %d: %d %s", id, st, body)
	}
	path := fmt.Sprintf("/shipments/%d", o.ShipmentID)
	m.ExpectPage(path, 200, "Forsendelse", "Booket", fmt.Sprintf(`href="/orders/%d"`, id), "MAN-")
	b := webtest.NewClient(ts)
	b.Login("logistics@example.dk", webtest.Password)
	b.ExpectPage(path, 200, "Kommune 751")
	other := webtest.NewClient(ts)
	other.Login("member2@example.dk", webtest.Password)
	if st, _, _ := other.Get(path); st != 404 {
		t.Fatalf("another member's shipment page: %d, want 404", st)
	}
}
