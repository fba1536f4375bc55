package inventory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/webtest"
)

// The largest lists the API accepts really write, on both databases: a receipt of
// MaxReceiptSerials serials (two lines of 10,000, the most a line holds), a recall of
// 10,000 serials and a stocktake count of 10,000 (the most a list of serials holds).
// Every row is there afterwards; nothing answers 5xx (a statement over the driver's
// parameter limit would). Under -race it takes about 9 s on PostgreSQL and about a minute
// on SQLite (the pure-Go SQLite under checkptr; 2 s without -race), so SQLite under
// -race writes lists of 4,000: the statements are batched the same way, and the
// longest list a statement takes whole (the serials of a receipt, 8,000 here) stays
// far under SQLite's 32,766 variables either way. Every other run writes the maximum.
func TestLargestListsWrite(t *testing.T) {
	ts := webtest.New(t)
	var perList int64 = 10_000
	if raceEnabled && !testenv.OnPostgres() {
		perList = 4_000
	}
	loc := mustCreate(ts, "/api/v1/locations", "logistics", map[string]any{"code": "BIG", "name": "Stort lager"})
	tablet := mustCreate(ts, "/api/v1/products", "logistics", map[string]any{"sku": "TAB", "name": "Tablet", "category": "tablet", "tracking": "serial"})
	oxi := mustCreate(ts, "/api/v1/products", "logistics", map[string]any{"sku": "OXI", "name": "Oximeter", "category": "oximeter", "tracking": "serial"})
	serials := func(prefix string) []string {
		s := make([]string, perList)
		for i := range s {
			s[i] = fmt.Sprintf("%s-%05d", prefix, i)
		}
		return s
	}
	tabs, oxis := serials("TAB"), serials("OXI")
	if perList == 10_000 && 2*perList != inventory.MaxReceiptSerials {
		t.Fatalf("a receipt holds %d serials; this test writes %d", inventory.MaxReceiptSerials, 2*perList)
	}
	count := func(table, where string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Conn(ts.Ctx).Table(table).Where(where, args...).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	timed := func(what string, f func()) {
		t.Helper()
		start := time.Now()
		f()
		t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond))
	}

	timed(fmt.Sprintf("receipt of %d serials", 2*perList), func() {
		st, body := ts.Do("POST", "/api/v1/receipts", "logistics", map[string]any{"location_id": loc, "reference": "stor levering",
			"lines": []map[string]any{{"product_id": tablet, "serials": tabs}, {"product_id": oxi, "serials": oxis}}})
		var rc inventory.Receipt
		webtest.DecodeInto(t, body, &rc)
		if st != 201 || len(rc.Lines) != 2 || int64(len(rc.Lines[0].DeviceIDs)) != perList || int64(len(rc.Lines[1].DeviceIDs)) != perList {
			t.Fatalf("receipt: %d, %d lines", st, len(rc.Lines))
		}
	})
	if n := count("devices", "location_id = ? AND state = ?", loc, inventory.Available); n != 2*perList {
		t.Fatalf("%d devices in stock after the receipt, want %d", n, 2*perList)
	}
	if n := count("device_events", "device_id IN (SELECT id FROM devices WHERE location_id = ?)", loc); n < 2*perList {
		t.Fatalf("%d device events after the receipt, want at least %d", n, 2*perList)
	}

	timed(fmt.Sprintf("recall of %d serials", perList), func() {
		st, body := ts.Do("POST", "/api/v1/recalls", "logistics", map[string]any{"product_id": oxi, "vendor_ref": "V-BIG", "reason": "batteri", "serials": oxis})
		var rr inventory.Recall
		webtest.DecodeInto(t, body, &rr)
		if st != 201 || rr.DeviceCount != perList {
			t.Fatalf("recall: %d, %d devices", st, rr.DeviceCount)
		}
		if n := count("devices", "recall_id = ? AND recalled = ?", rr.ID, true); n != perList {
			t.Fatalf("%d devices recalled, want %d", n, perList)
		}
	})

	timed(fmt.Sprintf("stocktake count of %d serials", perList), func() {
		id := mustCreate(ts, "/api/v1/stocktakes", "logistics", map[string]any{"location_id": loc})
		if st, body := ts.Do("POST", fmt.Sprintf("/api/v1/stocktakes/%d/counts", id), "logistics", map[string]any{"serials": tabs}); st != 200 {
			t.Fatalf("count: %d %.500s", st, body)
		}
		if n := count("stocktake_counts", "stocktake_id = ? AND serial IS NOT NULL", id); n != perList {
			t.Fatalf("%d counted serials, want %d", n, perList)
		}
	})
}
