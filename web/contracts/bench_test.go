package contracts_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/web"
	"github.com/fsc/backoffice/web/ui"
)

// BenchmarkExpiringContractsHTTP asks a served app over loopback HTTP for the contracts
// whose end or notice deadline falls within 90 days, with 1,000 contracts (ends spread
// over six years around today), 2,000 extension options and 20,000 prices in the
// database: the pinned API call (a page of 50), the same sorted by deadline (up to 500)
// and the deadlines page as HTML. It reports the p99 of each. Run it on PostgreSQL with
//
//	FSC_TEST_DATABASE_URL=postgres://… FSC_TEST_REDIS_URL=redis://… \
//	  go test -run XXX -bench ExpiringContractsHTTP -benchtime 2000x ./web/contracts
func BenchmarkExpiringContractsHTTP(b *testing.B) {
	g := testenv.DB(b)
	r := testenv.Redis(b)
	sv := wire.New(g, r, wire.Options{})
	b.Cleanup(sv.Close)
	s := web.New(web.Deps{DB: g, Redis: r, Dispatcher: sv.Dispatcher, Auth: sv.Auth, Contracts: sv.Contracts,
		Inventory: sv.Inventory, Orders: sv.Orders, Logger: quiet()})
	ctx := auth.WithPrincipal(testenv.Context(b, g), auth.System)
	seedContracts(b, ctx, sv.Contracts, 1000, 20)
	if _, err := sv.Auth.CreateUser(ctx, auth.NewUser{Email: "finance@example.dk", Name: "finance", Password: "correct-horse-battery", Role: auth.RoleFinance}); err != nil {
		b.Fatal(err)
	}
	sess, err := sv.Auth.Login(db.NewContext(context.Background(), g), "finance@example.dk", "correct-horse-battery", "bench")
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.App.Listener(ln)
	b.Cleanup(func() { s.App.Shutdown() })
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}

	for _, bc := range []struct{ name, path string }{
		{"api", "/api/v1/contracts?expiring_within_days=90"},
		{"api-deadline-sort", "/api/v1/contracts?expiring_within_days=90&sort=deadline&limit=500"},
		{"deadlines-page", "/contracts/deadlines?days=90"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			size := 0
			for b.Loop() {
				req, _ := http.NewRequest("GET", base+bc.path, nil)
				req.Header.Set("Authorization", "Bearer "+sess.Token)
				req.AddCookie(&http.Cookie{Name: ui.SessionCookie, Value: sess.Token})
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				times = append(times, time.Since(t0))
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d %s", bc.path, resp.StatusCode, body)
				}
				size = len(body)
			}
			slices.Sort(times)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
			b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// seedContracts writes n contracts with two extension options and pricesEach prices
// each, in batches, as contracts' own benchmark does.
func seedContracts(b testing.TB, ctx context.Context, svc *contracts.Service, n, pricesEach int) {
	b.Helper()
	var vendors []int64
	for i, cvr := range []string{"29190925", "31415926", "16180335", "41421355", "17320505"} {
		v, err := svc.CreateVendor(ctx, contracts.NewVendor{Name: fmt.Sprintf("Leverandør %d", i), CVR: cvr})
		if err != nil {
			b.Fatal(err)
		}
		vendors = append(vendors, v.ID)
	}
	conn := db.Conn(ctx)
	rng := rand.New(rand.NewPCG(5, 6))
	today := civil.Today()
	cs := make([]contracts.Contract, n)
	for i := range cs {
		ends := today.AddDays(rng.IntN(6*365) - 3*365)
		cs[i] = contracts.Contract{Number: fmt.Sprintf("B-%05d", i), Title: "Benchmark", VendorID: vendors[i%len(vendors)],
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
