package contracts_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
)

// BenchmarkPriceLookup looks up prices in a book of one contract with 200 prices over
// five years (20 products, purchase and monthly, a new price each year, and event fees),
// on random days, as billing does per device-day.
//
//	go test -bench PriceLookup -run XXX ./contracts
func BenchmarkPriceLookup(b *testing.B) {
	const contractID = 1
	start := civil.MustParse("2021-01-01")
	var prices []contracts.Price
	for p := int64(1); p <= 19; p++ {
		for y := range 5 {
			for _, k := range []contracts.PriceKind{contracts.PricePurchase, contracts.PriceMonthly} {
				pid := p
				prices = append(prices, contracts.Price{ContractID: contractID, ProductID: &pid, Kind: k,
					AmountOre: 1000*p + int64(y), ValidFrom: start.AddMonths(12 * y)})
			}
		}
	}
	for y := range 5 {
		for _, e := range contracts.Events[:2] {
			prices = append(prices, contracts.Price{ContractID: contractID, Kind: contracts.PriceEvent, Event: e,
				AmountOre: 8900 + int64(y), ValidFrom: start.AddMonths(12 * y)})
		}
	}
	if len(prices) != 200 {
		b.Fatalf("%d prices, want 200", len(prices))
	}
	book := contracts.NewPriceBook(prices, []contracts.Contract{{ID: contractID, StartsOn: start, EndsOn: start.AddMonths(60)}}, nil)
	rng := rand.New(rand.NewPCG(3, 4))
	type query struct {
		item contracts.PriceItem
		day  civil.Date
	}
	qs := make([]query, 1024)
	for i := range qs {
		it := contracts.Monthly(1 + rng.Int64N(19))
		switch rng.IntN(4) {
		case 0:
			it.Kind = contracts.PricePurchase
		case 1:
			it = contracts.EventFee(contracts.Events[rng.IntN(2)], it.ProductID)
		}
		qs[i] = query{it, start.AddDays(rng.IntN(5 * 365))}
	}
	var sum int64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := &qs[i&1023]
		a, ok := book.Price(contractID, q.item, q.day)
		if !ok {
			b.Fatalf("no price for %+v on %s", q.item, q.day)
		}
		sum += a
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	_ = sum
}

// BenchmarkExpiringContracts lists the contracts whose end or notice deadline falls
// within 90 days (a page of 50, and the deadlines view sorted by deadline) with 1,000
// contracts, 2,000 extension options and 20,000 prices in the database. Run it on
// PostgreSQL with
//
//	FSC_TEST_DATABASE_URL=postgres://… go test -bench ExpiringContracts -run XXX ./contracts
func BenchmarkExpiringContracts(b *testing.B) {
	f := newFix(b)
	f.today = civil.Today()
	seedContracts(b, f, 1000, 20)
	within := 90
	for _, bc := range []struct {
		name string
		f    contracts.ContractFilter
	}{
		{"page", contracts.ContractFilter{ExpiringWithinDays: &within}},
		{"deadlines", contracts.ContractFilter{ExpiringWithinDays: &within, Sort: contracts.SortByDeadline, Limit: 500}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			n := 0
			for b.Loop() {
				t0 := time.Now()
				cs, _, err := f.svc.ListContracts(f.ctx, bc.f)
				times = append(times, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				n = len(cs)
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(n), "contracts")
		})
	}
}

// seedContracts writes n contracts (ends spread over six years around today) with two
// extension options and pricesEach prices each, in batches.
func seedContracts(b testing.TB, f *fix, n, pricesEach int) {
	b.Helper()
	conn := db.Conn(f.ctx)
	var vendors []*contracts.Vendor
	for i, cvr := range []string{"29190925", "24256790", "22756214", "61126228", "54562519"} {
		vendors = append(vendors, f.vendor(b, fmt.Sprintf("Leverandør %d", i), cvr))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	today := f.today
	cs := make([]contracts.Contract, n)
	for i := range cs {
		ends := today.AddDays(rng.IntN(6*365) - 3*365)
		cs[i] = contracts.Contract{Number: fmt.Sprintf("B-%05d", i), Title: "Benchmark", VendorID: vendors[i%len(vendors)].ID,
			StartsOn: ends.AddMonths(-48), EndsOn: ends, NoticeMonths: 3 + i%4, NoticeDeadline: contracts.NoticeDeadline(ends, 3+i%4)}
	}
	if err := conn.CreateInBatches(&cs, 200).Error; err != nil {
		b.Fatal(err)
	}
	var exts []contracts.Extension
	var prices []contracts.Price
	for _, c := range cs {
		exts = append(exts, contracts.Extension{ContractID: c.ID, Position: 1, Months: 12}, contracts.Extension{ContractID: c.ID, Position: 2, Months: 12})
		for j := range pricesEach {
			pid := int64(1 + j/2)
			kind := []contracts.PriceKind{contracts.PricePurchase, contracts.PriceMonthly}[j%2]
			prices = append(prices, contracts.Price{ContractID: c.ID, ProductID: &pid, Kind: kind, AmountOre: int64(1000 + j), ValidFrom: c.StartsOn})
		}
	}
	if err := conn.CreateInBatches(&exts, 500).Error; err != nil {
		b.Fatal(err)
	}
	if err := conn.CreateInBatches(&prices, 500).Error; err != nil {
		b.Fatal(err)
	}
	if testenv.OnPostgres() {
		conn.Exec("ANALYZE")
	}
}
