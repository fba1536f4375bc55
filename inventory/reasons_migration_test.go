package inventory_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

// The events written before reasons had codes get theirs from their English text:
// every kind the system wrote, and a reason a person wrote keeps none. The code and
// arguments say the very text again, so the pages lose nothing.
func TestOldReasonsGetTheirCodes(t *testing.T) {
	g := testenv.DBBefore(t, "202612021100_inventory_event_reason_code")
	now := time.Now().UTC()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := g.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	exec("INSERT INTO products (id, sku, name, category, tracking, reorder_level, created_at) VALUES (1, 'TAB-1', 'Tablet', 'tablet', 'serial', 0, ?)", now)
	exec("INSERT INTO devices (id, serial, product_id, state, received_at) VALUES (1, 'S-1', 1, 'available', ?)", now)
	exec("INSERT INTO recalls (id, product_id, vendor_ref, reason, created_at, created_by) VALUES (4, 1, 'V-9 (batch): 2', 'battery swells', ?, 'a')", now)
	want := []struct{ reason, code string }{
		{"received on receipt 12", inventory.WhyReceipt},
		{"opening balance: deployed at the citizen since 2025-03-01 (import åbning (1).xlsx)", inventory.WhyOpening},
		{"reserved for order O-2026-00017", inventory.WhyReserved},
		{"order O-2026-00017 cancelled", inventory.WhyCancelled},
		{"shipped with TRK00000001", inventory.WhyShipped},
		{"shipment failed: carrier refused the shipment: 422 {\"error\":\"postcode not served\"}", inventory.WhyShipFailed},
		{"delivered, reported by the carrier", inventory.WhyDeliveredCarrier},
		{"delivered (marked by hand)", inventory.WhyDeliveredByHand},
		{"pickup requested: not_needed", inventory.WhyPickup},
		{"received from pickup", inventory.WhyPickedUp},
		{"stocktake 3: not found", inventory.WhyStocktakeMissing},
		{"stocktake 3: found here", inventory.WhyStocktakeFound},
		{"transferred to member 2", inventory.WhyTransferTo},
		{"transferred from member 2 to member 3", inventory.WhyTransferFrom},
		{"recall 4 (V-9 (batch): 2): battery swells", inventory.WhyRecall},
		{"cleaned and tested", ""},
		{"order it again", ""},
		{"stocktake: found here", ""},
	}
	for i, w := range want {
		exec("INSERT INTO device_events (id, device_id, at, to_state, actor, reason) VALUES (?, 1, ?, 'available', 'a', ?)", i+1, now, w.reason)
	}
	if err := db.Migrate(g); err != nil {
		t.Fatal(err)
	}
	var evs []inventory.Event
	if err := g.Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i, e := range evs {
		if e.ReasonCode != want[i].code {
			t.Errorf("%q: code %q, want %q", e.Reason, e.ReasonCode, want[i].code)
			continue
		}
		if e.ReasonCode != "" && e.Why().Text() != e.Reason {
			t.Errorf("%q: code %s with args %q says %q", e.Reason, e.ReasonCode, e.ReasonArgs, e.Why().Text())
		}
	}
	if got := evs[1].ReasonArgs; !slices.Equal(got, inventory.Args{"2025-03-01", "åbning (1).xlsx"}) {
		t.Errorf("opening args = %q", got)
	}
}
