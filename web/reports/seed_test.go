package reports_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/hibiken/asynq"
)

// period is the month the tests bill: October 2026 (31 days; summer time ends on the 25th).
const period = "2026-10"

func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, civil.Copenhagen)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// seed is a billable October: scheme KOL with both members, a contract of 751 pricing
// the tablet at 310,00 kr. a month (10,00 kr. a day) and a shipment at 50,00 kr., 42
// device-days of 751 and 31 of 657 (no contract: not billed), one shipment, a pool of
// 100,01 kr. split by inhabitants (1000 each: 657 has the lower code and gets the odd
// øre) and a credit of 5,00 kr. to 751.
type seed struct {
	ts                 *webtest.Server
	m751, m657, scheme int64
	product, contract  int64
	key, pool          int64
}

func mustStatus(t *testing.T, what string, st int, body []byte, want int) map[string]any {
	t.Helper()
	if st != want {
		t.Fatalf("%s: %d, want %d: %s", what, st, want, body)
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return m
}

func id(m map[string]any) int64 { return int64(m["id"].(float64)) }

func newSeed(t *testing.T, ts *webtest.Server) *seed {
	t.Helper()
	s := &seed{ts: ts, m751: ts.Members["751"].ID, m657: ts.Members["657"].ID}
	do := func(what, method, path, user string, body any, want int) map[string]any {
		st, b := ts.Do(method, path, user, body)
		return mustStatus(t, what, st, b, want)
	}
	s.scheme = id(do("scheme", "POST", "/api/v1/schemes", "admin", map[string]any{"code": "KOL", "name": "KOL-telemedicin"}, 201))
	for _, m := range []int64{s.m751, s.m657} {
		do("join", "POST", fmt.Sprintf("/api/v1/schemes/%d/participants", s.scheme), "admin", map[string]any{"member_id": m, "joined_on": "2026-01-01"}, 201)
	}
	s.product = id(do("product", "POST", "/api/v1/products", "admin", map[string]any{"sku": "TAB-1", "name": "Tablet", "category": "tablet", "tracking": "serial"}, 201))
	do("kit", "POST", "/api/v1/kits", "admin", map[string]any{"code": "KOL-KIT", "name": "KOL-kit", "scheme_id": s.scheme,
		"components": []map[string]any{{"product_id": s.product, "quantity": 1}}}, 201)
	// Contracts through the service: their API is another package's.
	ctx := ts.Ctx
	cs := ts.Contracts
	v, err := cs.CreateVendor(ctx, contracts.NewVendor{Name: "Leverandør A/S", CVR: "12345674", Email: "a@example.dk"})
	if err != nil {
		t.Fatal(err)
	}
	three := 3
	c, err := cs.CreateContract(ctx, contracts.NewContract{Number: "K-1", Title: "Tablets", VendorID: v.ID, SchemeID: &s.scheme,
		StartsOn: civil.MustParse("2026-01-01"), EndsOn: civil.MustParse("2027-12-31"), NoticeMonths: &three})
	if err != nil {
		t.Fatal(err)
	}
	s.contract = c.ID
	for _, p := range []contracts.NewPrice{
		{ProductID: &s.product, Kind: contracts.PriceMonthly, AmountOre: ptr(int64(31000)), ValidFrom: civil.MustParse("2026-01-01")},
		{Kind: contracts.PriceEvent, Event: contracts.EventShipment, AmountOre: ptr(int64(5000)), ValidFrom: civil.MustParse("2026-01-01")},
	} {
		if _, err := cs.AddPrice(ctx, s.contract, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.AddParticipant(ctx, s.contract, contracts.NewParticipation{MemberID: s.m751, JoinedOn: civil.MustParse("2026-01-01")}); err != nil {
		t.Fatal(err)
	}

	// Devices and their events go straight into inventory's tables: the order flow that
	// deploys them is tested in orders; billing reads the events.
	dev := func(serial string) int64 {
		d := inventory.Device{Serial: serial, ProductID: s.product, State: inventory.Deployed, ReceivedAt: local("2026-08-01 10:00")}
		if err := db.Conn(ctx).Create(&d).Error; err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	event := func(device int64, at time.Time, member int64) {
		e := inventory.Event{DeviceID: device, At: at, From: "in_transit", To: "deployed", Actor: "test", MemberID: &member}
		if err := db.Conn(ctx).Create(&e).Error; err != nil {
			t.Fatal(err)
		}
	}
	event(dev("SN-1"), local("2026-09-15 00:00"), s.m751) // all October: 31
	event(dev("SN-2"), local("2026-10-21 12:00"), s.m751) // 21st–31st: 11
	event(dev("SN-3"), local("2026-09-01 00:00"), s.m657) // 31, no contract
	booked := local("2026-10-21 08:00")
	sh := orders.Shipment{Direction: "outbound", MemberID: s.m751, Status: "delivered", CreatedAt: booked, BookedAt: &booked,
		Recipient: orders.Address{Name: "Borger", Street: "Vej 1", Postcode: "8000", City: "Aarhus"}}
	if err := db.Conn(ctx).Create(&sh).Error; err != nil {
		t.Fatal(err)
	}

	s.key = id(do("key", "POST", "/api/v1/allocation-keys", "finance", map[string]any{"code": "INDB", "name": "Efter indbyggere", "weights": map[string]any{"inhabitants": 1}}, 201))
	s.pool = id(do("pool", "POST", "/api/v1/cost-pools", "finance", map[string]any{"scheme_id": s.scheme, "period": period, "name": "Personale",
		"amount_ore": 10001, "allocation_key_id": s.key}, 201))
	do("adjustment", "POST", "/api/v1/billing-adjustments", "finance", map[string]any{"member_id": s.m751, "period": period, "amount_ore": -500, "description": "Kredit for september"}, 201)
	return s
}

// runJobs runs the outbox's billing tasks not yet done, as the worker would.
func runJobs(t *testing.T, ts *webtest.Server) {
	t.Helper()
	var rows []struct {
		ID      int64
		Type    string
		Payload string
	}
	if err := db.Conn(ts.Ctx).Table("outbox").Where("type IN ? AND done_at IS NULL", []string{reports.TypeComputeRun, reports.TypeExportRun}).
		Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		task := asynq.NewTask(r.Type, []byte(r.Payload))
		var err error
		if r.Type == reports.TypeComputeRun {
			err = ts.Reports.HandleComputeRun(ts.Ctx, task)
		} else {
			err = ts.Reports.HandleExportRun(ts.Ctx, task)
		}
		if err != nil {
			t.Fatalf("task %s %s: %v", r.Type, r.Payload, err)
		}
		db.Conn(ts.Ctx).Table("outbox").Where("id = ?", r.ID).Update("done_at", time.Now().UTC())
	}
}

func ptr[T any](v T) *T { return &v }
