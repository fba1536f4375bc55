package orders_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/web/webtest"
)

// A device delivered to a citizen of member 751 through an order and a shipment, then
// transferred by logistics to member 657: 657's user reads the device, its history and
// its list, and finds nothing of 751's custody (order, order number, shipment, tracking
// number, member, citizen); 751's user no longer finds the device (404), and staff
// still see the whole history. The service's TestDeviceCustodyAfterTransfer, over HTTP.
func TestDeviceHistoryAfterTransferOverHTTP(t *testing.T) {
	w := newAPIWorld(t)
	w.ts.AddUser("herning", "member", &w.member2, nil) // a second user of 657, besides member2
	const citizenA, citizenB = "AAR-BORGER-71", "HER-BORGER-92"
	o := w.place(citizenA)
	orderID, number := idOf(t, o), o["number"].(string)
	sid := w.ship(orderID)
	tracking := w.expect(200, "GET", fmt.Sprintf("/api/v1/shipments/%d", sid), "logistics", nil)["tracking_number"].(string)
	delivered := fmt.Sprintf(`{"tracking_number":%q,"event":"delivered","occurred_at":%q}`, tracking, time.Now().UTC().Add(-time.Minute).Format(time.RFC3339))
	if st, b := w.signed(delivered); st != 200 {
		t.Fatalf("delivered: %d %s", st, b)
	}
	device := deviceIDsOf(t, o)[0]
	path := fmt.Sprintf("/api/v1/devices/%d", device)
	if dev := w.expect(200, "GET", path, "member", nil); dev["state"] != "deployed" || dev["order_id"] != float64(orderID) {
		t.Fatalf("751 reads its delivered device: %v", dev)
	}

	if st, b := w.ts.Do("POST", path+"/transfer", "member", map[string]any{"member_id": w.member2, "citizen_ref": citizenB}); st != 403 {
		t.Fatalf("a member transfers: %d %s", st, b)
	}
	w.expect(200, "POST", path+"/transfer", "logistics", map[string]any{"member_id": w.member2, "citizen_ref": citizenB})

	// What 751's custody left behind, as JSON keys and values, and as words.
	numbers := map[string]float64{"order_id": float64(orderID), "shipment_id": float64(sid), "member_id": float64(w.member)}
	words := []string{number, tracking, citizenA, fmt.Sprintf("member %d", w.member), "Kommune 751"}
	for _, user := range []string{"member2", "herning"} {
		for _, p := range []string{path, path + "/events", "/api/v1/devices"} {
			st, b := w.ts.Do("GET", p, user, nil)
			if st != 200 {
				t.Fatalf("657's %s reads %s: %d %s", user, p, st, b)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for _, leak := range leaks(v, numbers) {
				t.Errorf("657's %s reads %s %s: %s", user, p, leak, b)
			}
			for _, word := range words {
				if strings.Contains(string(b), word) {
					t.Errorf("657's %s reads %q in %s: %s", user, word, p, b)
				}
			}
		}
	}
	dev := w.expect(200, "GET", path, "member2", nil)
	if dev["state"] != "deployed" || dev["member_id"] != float64(w.member2) || dev["citizen_ref"] != citizenB || dev["order_id"] != nil {
		t.Errorf("657 reads the transferred device: %v", dev)
	}
	var evs struct{ Items []map[string]any }
	st, b := w.ts.Do("GET", path+"/events", "member2", nil)
	if st != 200 {
		t.Fatalf("657 reads the history: %d %s", st, b)
	}
	webtest.DecodeInto(t, b, &evs)
	if len(evs.Items) != 1 || evs.Items[0]["citizen_ref"] != citizenB || evs.Items[0]["member_id"] != float64(w.member2) {
		t.Errorf("657's history: %s, want only the transfer to it", b)
	}

	// 751 no longer sees the device (API.md: a member sees devices held for it).
	for _, p := range []string{path, path + "/events"} {
		if st, b := w.ts.Do("GET", p, "member", nil); st != 404 {
			t.Errorf("751 reads %s after the transfer: %d %s, want 404", p, st, b)
		}
	}
	// Staff see the whole history, 751's order and shipment in it.
	st, b = w.ts.Do("GET", path+"/events", "logistics", nil)
	if st != 200 || !strings.Contains(string(b), fmt.Sprintf(`"order_id":%d`, orderID)) || !strings.Contains(string(b), fmt.Sprintf(`"shipment_id":%d`, sid)) {
		t.Errorf("staff history: %d %s", st, b)
	}
}

// leaks returns where v (decoded JSON) holds one of the key-value pairs of numbers.
func leaks(v any, numbers map[string]float64) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if n, ok := numbers[k]; ok && e == n {
				out = append(out, fmt.Sprintf("%s %v", k, e))
			}
			out = append(out, leaks(e, numbers)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, leaks(e, numbers)...)
		}
	}
	return out
}
