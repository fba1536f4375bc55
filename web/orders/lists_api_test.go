package orders_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

// GET /shipments and GET /returns: filters, pages, and a member sees only its own.
func TestShipmentAndReturnLists(t *testing.T) {
	w := newAPIWorld(t)
	var shipped []int64
	for i := range 3 {
		o := w.place(fmt.Sprintf("L-%d", i))
		shipped = append(shipped, w.ship(idOf(t, o)))
	}
	list := func(path, user string) (items []map[string]any, next string) {
		t.Helper()
		st, body := w.ts.Do("GET", path, user, nil)
		if st != 200 {
			t.Fatalf("%s as %s: %d %s", path, user, st, body)
		}
		var l struct {
			Items []map[string]any `json:"items"`
			Next  string           `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &l); err != nil {
			t.Fatal(err)
		}
		return l.Items, l.Next
	}
	all, _ := list("/api/v1/shipments?direction=outbound&status=booked", "logistics")
	if len(all) != 3 || all[0]["id"] != float64(shipped[2]) {
		t.Fatalf("booked outbound shipments, newest first = %v", all)
	}
	page, next := list("/api/v1/shipments?limit=2", "logistics")
	if len(page) != 2 || next == "" {
		t.Fatalf("first page of 2: %d items, next %q", len(page), next)
	}
	if rest, next := list("/api/v1/shipments?limit=2&cursor="+next, "logistics"); len(rest) != 1 || next != "" {
		t.Fatalf("second page: %d items, next %q", len(rest), next)
	}
	if mine, _ := list("/api/v1/shipments", "member"); len(mine) != 3 {
		t.Fatalf("member sees %d of its 3 shipments", len(mine))
	}
	if theirs, _ := list("/api/v1/shipments", "member2"); len(theirs) != 0 {
		t.Fatalf("another member sees %d shipments, want none", len(theirs))
	}
	if none, _ := list("/api/v1/shipments?direction=inbound", "logistics"); len(none) != 0 {
		t.Fatalf("inbound shipments before any return: %v", none)
	}

	for _, bad := range []string{"/api/v1/shipments?direction=sideways", "/api/v1/shipments?from=yesterday",
		"/api/v1/returns?open=maybe", "/api/v1/returns?status=lost", "/api/v1/shipments?member_id=x"} {
		if st, body := w.ts.Do("GET", bad, "logistics", nil); st != 422 {
			t.Errorf("%s: %d %s, want 422", bad, st, body)
		}
	}
	if rs, _ := list("/api/v1/returns?open=true", "member"); len(rs) != 0 {
		t.Fatalf("open returns before any = %v", rs)
	}
}
