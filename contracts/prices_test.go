package contracts_test

import (
	"math/rand/v2"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
)

func id(n int64) *int64 { return &n }

func TestAddPriceRules(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "C-1", v, "2024-01-01", "2026-12-31")
	add := func(in contracts.NewPrice) error {
		_, err := f.svc.AddPrice(f.ctx, c.ID, in)
		return err
	}
	if err := add(contracts.NewPrice{ProductID: id(1), Kind: contracts.PricePurchase, AmountOre: ore(249500), ValidFrom: d("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	err := add(contracts.NewPrice{ProductID: id(1), Kind: contracts.PricePurchase, AmountOre: ore(199500), ValidFrom: d("2024-01-01")})
	wantKind(t, err, apperr.KindConflict, "same product, kind and day")
	if codesOf(err)["valid_from"] != "taken" {
		t.Fatalf("duplicate: %v", err)
	}
	// The same day for another kind, product or event is another item.
	for _, in := range []contracts.NewPrice{
		{ProductID: id(1), Kind: contracts.PriceMonthly, AmountOre: ore(4500), ValidFrom: d("2024-01-01")},
		{ProductID: id(2), Kind: contracts.PricePurchase, AmountOre: ore(0), ValidFrom: d("2024-01-01")},
		{Kind: contracts.PriceEvent, Event: contracts.EventShipment, AmountOre: ore(8900), ValidFrom: d("2024-01-01")},
		{Kind: contracts.PriceEvent, Event: contracts.EventPickup, AmountOre: ore(8900), ValidFrom: d("2024-01-01")},
		{ProductID: id(1), Kind: contracts.PriceEvent, Event: contracts.EventCleaning, AmountOre: ore(3000), ValidFrom: d("2024-01-01")},
		{Kind: contracts.PriceEvent, Event: contracts.EventCleaning, AmountOre: ore(2000), ValidFrom: d("2024-01-01")},
	} {
		if err := add(in); err != nil {
			t.Errorf("%+v: %v", in, err)
		}
	}
	// NULL product ids are equal for the unique rule, on both dialects.
	err = add(contracts.NewPrice{Kind: contracts.PriceEvent, Event: contracts.EventShipment, AmountOre: ore(9900), ValidFrom: d("2024-01-01")})
	wantKind(t, err, apperr.KindConflict, "event without product twice")
	for _, tc := range []struct {
		in   contracts.NewPrice
		want map[string]string
	}{
		{contracts.NewPrice{Kind: contracts.PricePurchase, AmountOre: ore(-1), ValidFrom: d("2024-01-01")},
			map[string]string{"product_id": "required_for_kind", "amount_ore": "negative"}},
		{contracts.NewPrice{ProductID: id(1), Kind: contracts.PriceMonthly, Event: contracts.EventTicket, AmountOre: ore(1)},
			map[string]string{"event": "only_for_kind", "valid_from": "required"}},
		{contracts.NewPrice{Kind: contracts.PriceEvent, AmountOre: ore(1), ValidFrom: d("2024-01-01")},
			map[string]string{"event": "required_for_kind"}},
		{contracts.NewPrice{Kind: contracts.PriceEvent, Event: "repair", ValidFrom: d("2024-01-01")},
			map[string]string{"event": "one_of", "amount_ore": "required"}},
		{contracts.NewPrice{Kind: "rent", ValidFrom: d("2024-01-01"), AmountOre: ore(1)},
			map[string]string{"kind": "one_of"}},
	} {
		got := codesOf(add(tc.in))
		if len(got) != len(tc.want) {
			t.Errorf("%+v: fields %v, want %v", tc.in, got, tc.want)
			continue
		}
		for k, c := range tc.want {
			if got[k] != c {
				t.Errorf("%+v: field %s = %q, want %q", tc.in, k, got[k], c)
			}
		}
	}
	_, err = f.svc.AddPrice(f.ctx, c.ID+99, contracts.NewPrice{ProductID: id(1), Kind: contracts.PricePurchase, AmountOre: ore(1), ValidFrom: d("2024-01-01")})
	wantKind(t, err, apperr.KindNotFound, "unknown contract")
	_, err = f.svc.AddPrice(f.as(auth.Principal{Name: "l", Role: auth.RoleLogistics}), c.ID, contracts.NewPrice{ProductID: id(3), Kind: contracts.PricePurchase, AmountOre: ore(1), ValidFrom: d("2024-01-01")})
	wantKind(t, err, apperr.KindForbidden, "logistics adds a price")
	got, err := f.svc.GetContract(f.ctx, c.ID)
	if err != nil || len(got.Prices) != 7 {
		t.Fatalf("contract has %d prices, %v; want 7", len(got.Prices), err)
	}
	// The contract's audit trail holds its prices.
	es, _, err := audit.List(f.ctx, audit.Filter{Entity: "contract", EntityID: c.ID, Limit: 20})
	if err != nil || len(es) != 8 || es[0].Action != "add_price" || es[7].Action != "create" {
		t.Fatalf("contract audit = %d entries, %v", len(es), err)
	}
	if err := f.svc.DeletePrice(f.ctx, c.ID, got.Prices[0].ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, f.svc.DeletePrice(f.ctx, c.ID, got.Prices[0].ID), apperr.KindNotFound, "deleting a price twice")
}

// The price in force is the one with the latest valid_from on or before the day: the
// day before an entry still has the old price, the day itself the new one.
func TestPriceInForceOnBoundaries(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "C-1", v, "2024-01-01", "2026-12-31")
	for _, p := range []struct {
		from string
		ore  int64
	}{{"2024-01-01", 4500}, {"2024-07-01", 4700}, {"2025-01-01", 4900}} {
		if _, err := f.svc.AddPrice(f.ctx, c.ID, contracts.NewPrice{ProductID: id(1), Kind: contracts.PriceMonthly, AmountOre: ore(p.ore), ValidFrom: d(p.from)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.AddPrice(f.ctx, c.ID, contracts.NewPrice{Kind: contracts.PriceEvent, Event: contracts.EventCleaning, AmountOre: ore(2000), ValidFrom: d("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddPrice(f.ctx, c.ID, contracts.NewPrice{ProductID: id(1), Kind: contracts.PriceEvent, Event: contracts.EventCleaning, AmountOre: ore(3500), ValidFrom: d("2024-07-01")}); err != nil {
		t.Fatal(err)
	}
	book, err := f.svc.LoadPriceBook(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		item contracts.PriceItem
		day  string
		want int64 // -1: none
	}{
		{contracts.Monthly(1), "2023-12-31", -1},
		{contracts.Monthly(1), "2024-01-01", 4500},
		{contracts.Monthly(1), "2024-06-30", 4500},
		{contracts.Monthly(1), "2024-07-01", 4700},
		{contracts.Monthly(1), "2024-07-02", 4700},
		{contracts.Monthly(1), "2024-12-31", 4700},
		{contracts.Monthly(1), "2025-01-01", 4900},
		{contracts.Monthly(1), "2030-01-01", 4900},
		{contracts.Monthly(2), "2025-01-01", -1},
		{contracts.Purchase(1), "2025-01-01", -1},
		{contracts.EventFee(contracts.EventCleaning, 1), "2024-06-30", 2000}, // the general fee until the product's own
		{contracts.EventFee(contracts.EventCleaning, 1), "2024-07-01", 3500},
		{contracts.EventFee(contracts.EventCleaning, 2), "2024-07-01", 2000},
		{contracts.EventFee(contracts.EventCleaning, 0), "2024-07-01", 2000},
		{contracts.EventFee(contracts.EventPickup, 0), "2024-07-01", -1},
	} {
		got, ok := book.Price(c.ID, x.item, d(x.day))
		if !ok {
			got = -1
		}
		if got != x.want {
			t.Errorf("book: %+v on %s = %d, want %d", x.item, x.day, got, x.want)
		}
		p, err := f.svc.PriceOn(f.ctx, c.ID, x.item, d(x.day))
		switch {
		case x.want < 0 && !apperr.Is(err, apperr.KindNotFound):
			t.Errorf("PriceOn %+v on %s = %v, %v; want not found", x.item, x.day, p, err)
		case x.want >= 0 && (err != nil || p.AmountOre != x.want):
			t.Errorf("PriceOn %+v on %s = %v, %v; want %d", x.item, x.day, p, err, x.want)
		}
	}
	if a, ok, err := f.svc.PurchasePrice(f.ctx, c.ID, 1, d("2025-01-01")); err != nil || ok || a != 0 {
		t.Fatalf("purchase price with none = %d, %v, %v", a, ok, err)
	}
	if _, _, err := f.svc.PurchasePrice(f.ctx, c.ID+9, 1, d("2025-01-01")); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("purchase price under an unknown contract: %v", err)
	}
}

// Property: the in-memory book answers as the database query does, for random price
// lists and days around and between their entries.
func TestPriceBookAgreesWithQuery(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	rng := rand.New(rand.NewPCG(1, 2))
	start := d("2024-01-01")
	items := []contracts.PriceItem{contracts.Purchase(1), contracts.Purchase(2), contracts.Monthly(1), contracts.Monthly(3),
		contracts.EventFee(contracts.EventShipment, 0), contracts.EventFee(contracts.EventCleaning, 0), contracts.EventFee(contracts.EventCleaning, 2)}
	var cs []*contracts.Contract
	for i := range 3 {
		c := f.contract(t, "P-"+string(rune('A'+i)), v, "2024-01-01", "2028-12-31")
		cs = append(cs, c)
		for _, it := range items {
			used := map[int]bool{}
			for range rng.IntN(8) {
				off := rng.IntN(5 * 365)
				if used[off] {
					continue
				}
				used[off] = true
				in := contracts.NewPrice{Kind: it.Kind, Event: it.Event, AmountOre: ore(rng.Int64N(1_000_000)), ValidFrom: start.AddDays(off)}
				if it.ProductID != 0 {
					in.ProductID = id(it.ProductID)
				}
				if _, err := f.svc.AddPrice(f.ctx, c.ID, in); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	book, err := f.svc.LoadPriceBook(f.ctx) // every contract
	if err != nil {
		t.Fatal(err)
	}
	asked := append(items, contracts.EventFee(contracts.EventCleaning, 1), contracts.Monthly(2))
	for range 600 {
		c := cs[rng.IntN(len(cs))]
		it := asked[rng.IntN(len(asked))]
		day := start.AddDays(rng.IntN(5*365+60) - 30)
		got, ok := book.Price(c.ID, it, day)
		p, err := f.svc.PriceOn(f.ctx, c.ID, it, day)
		switch {
		case err != nil && !apperr.Is(err, apperr.KindNotFound):
			t.Fatal(err)
		case err != nil && ok:
			t.Fatalf("contract %d %+v on %s: book %d, query none", c.ID, it, day, got)
		case err == nil && (!ok || got != p.AmountOre):
			t.Fatalf("contract %d %+v on %s: book %d (%v), query %d", c.ID, it, day, got, ok, p.AmountOre)
		}
	}
}

// Participating answers "which contracts price product P for member M on day D": only
// contracts M takes part in that day, in their term, with a price in force.
func TestParticipatingContracts(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	a := f.contract(t, "A", v, "2024-01-01", "2024-12-31")
	b := f.contract(t, "B", v, "2024-01-01", "2026-12-31")
	other := f.contract(t, "C", v, "2024-01-01", "2026-12-31")
	m := f.member(t, "751")
	for _, x := range []struct {
		c          *contracts.Contract
		join, left string
	}{{a, "2024-01-01", ""}, {b, "2024-03-01", "2025-03-01"}} {
		var left civil.Date
		if x.left != "" {
			left = d(x.left)
		}
		if _, err := f.svc.AddParticipant(f.ctx, x.c.ID, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d(x.join), LeftOn: left}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*contracts.Contract{a, b, other} {
		if _, err := f.svc.AddPrice(f.ctx, c.ID, contracts.NewPrice{ProductID: id(1), Kind: contracts.PriceMonthly, AmountOre: ore(1000 * c.ID), ValidFrom: d("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.AddPrice(f.ctx, b.ID, contracts.NewPrice{Kind: contracts.PriceEvent, Event: contracts.EventShipment, AmountOre: ore(8900), ValidFrom: d("2024-06-01")}); err != nil {
		t.Fatal(err)
	}
	book, err := f.svc.LoadPriceBook(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		day  string
		item contracts.PriceItem
		want []int64
	}{
		{"2024-02-01", contracts.Monthly(1), []int64{a.ID}},
		{"2024-03-01", contracts.Monthly(1), []int64{a.ID, b.ID}},
		{"2024-12-31", contracts.Monthly(1), []int64{a.ID, b.ID}},
		{"2025-01-01", contracts.Monthly(1), []int64{b.ID}}, // a's term is over
		{"2025-03-01", contracts.Monthly(1), nil},           // left b
		{"2024-05-31", contracts.EventFee(contracts.EventShipment, 1), nil},
		{"2024-06-01", contracts.EventFee(contracts.EventShipment, 1), []int64{b.ID}},
		{"2024-06-01", contracts.Monthly(2), nil},
	} {
		got := book.Participating(m.ID, d(x.day), x.item)
		var ids []int64
		for _, cp := range got {
			ids = append(ids, cp.ContractID)
			if x.item.Kind == contracts.PriceMonthly && cp.AmountOre != 1000*cp.ContractID {
				t.Errorf("%s: contract %d asks %d", x.day, cp.ContractID, cp.AmountOre)
			}
		}
		if !equalIDs(ids, x.want) {
			t.Errorf("%s %+v: contracts %v, want %v", x.day, x.item, ids, x.want)
		}
	}
	if got := book.Participating(m.ID+1, d("2024-06-01"), contracts.Monthly(1)); len(got) != 0 {
		t.Fatalf("another member participates in %v", got)
	}
}
