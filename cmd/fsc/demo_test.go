package main

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/inventory"
	"github.com/redis/go-redis/v9"
)

// demoVars is the environment of an `fsc demo` on dbURL whose carrier is unreachable.
func demoVars(t *testing.T, dbURL string) []string {
	redisURL, _ := sharedRedis(t)
	return []string{"FSC_DATABASE_URL=" + dbURL, "FSC_REDIS_URL=" + redisURL, "FSC_CARRIER_URL=http://127.0.0.1:1",
		"FSC_SHUTDOWN_TIMEOUT=5s"}
}

func runDemoProc(t *testing.T, vars []string) (*proc, error) {
	t.Helper()
	if !strings.HasPrefix(vars[0], "FSC_DATABASE_URL=sqlite") {
		p := startProc(t, "migrate", vars, "migrate")
		if err := p.wait(t, time.Minute); err != nil {
			t.Fatalf("migrate: %v\n%s", err, p.output())
		}
	}
	p := startProc(t, "demo", vars, "demo")
	return p, p.wait(t, 2*time.Minute)
}

// statusCounts is how many orders the database holds per status, with the users and
// members.
func statusCounts(t *testing.T, dbURL string) map[string]int64 {
	t.Helper()
	g, err := db.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(g)
	var rows []struct {
		Status string
		N      int64
	}
	if err := g.Table("orders").Select("status, count(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out["orders "+r.Status] = r.N
	}
	for _, tbl := range []string{"users", "members", "devices", "shipments", "returns", "kits", "tickets", "ticket_alarms"} {
		var n int64
		g.Table(tbl).Count(&n)
		out[tbl] = n
	}
	return out
}

// `fsc demo` with the carrier unreachable loads the whole demo (its parcels are booked
// with the manual carrier, never the configured one), and a second run completes
// without adding anything. (The first run used to stop half-loaded at the first
// booking, and every later run failed on what the first had left.)
func TestDemoWithUnreachableCarrierLoadsAndRerunsWhole(t *testing.T) {
	dbURL := freshDatabase(t, "demo")
	vars := demoVars(t, dbURL)
	if p, err := runDemoProc(t, vars); err != nil {
		t.Fatalf("first fsc demo: %v\n%s", err, p.output())
	}
	first := statusCounts(t, dbURL)
	for _, want := range []string{"orders reserved", "orders backordered", "orders shipped", "orders delivered", "orders cancelled"} {
		if first[want] == 0 {
			t.Errorf("the demo has no %s: %v", want, first)
		}
	}
	if first["users"] < int64(len(demoUsers)) || first["members"] < 20 || first["returns"] == 0 || first["tickets"] < 20 || first["ticket_alarms"] == 0 {
		t.Errorf("demo data incomplete: %v", first)
	}
	p, err := runDemoProc(t, vars)
	if err != nil {
		t.Fatalf("second fsc demo: %v\n%s", err, p.output())
	}
	if again := statusCounts(t, dbURL); !maps.Equal(again, first) {
		t.Fatalf("the second run changed the data: %v, after the first %v", again, first)
	}
	if !strings.Contains(p.output(), "demo data already loaded") {
		t.Errorf("the second run did not say the demo was there:\n%s", p.output())
	}
}

// A demo load that fails partway leaves nothing behind, so it can be run again once
// the cause is gone. Here the catalogue holds a product of its own, so the demo skips
// its catalogue and its kits then find no products: the members, schemes and users
// loaded before must not stay.
func TestDemoThatFailsLeavesNothing(t *testing.T) {
	dbURL := freshDatabase(t, "demofail")
	vars := demoVars(t, dbURL)
	g, err := db.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(g)
	if err := db.Migrate(g); err != nil {
		t.Fatal(err)
	}
	redisURL := strings.TrimPrefix(vars[1], "FSC_REDIS_URL=")
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	s := wire.New(g, &jobs.Redis{Client: rc}, wire.Options{})
	defer s.Close()
	staff := s.Context(context.Background(), auth.Principal{Name: "test", Role: auth.RoleLogistics})
	if _, err := s.Inventory.CreateProduct(staff, inventory.NewProduct{SKU: "OWN-1", Name: "Own product", Category: "tablet", Tracking: inventory.TrackSerial}); err != nil {
		t.Fatal(err)
	}

	p, err := runDemoProc(t, vars)
	if err == nil {
		t.Fatalf("fsc demo succeeded without its catalogue:\n%s", p.output())
	}
	got := statusCounts(t, dbURL)
	delete(got, "devices") // none either way
	for k, n := range got {
		if n != 0 {
			t.Errorf("a failed demo left %d %s behind (all: %v)", n, k, got)
		}
	}
	if keys := slices.Sorted(maps.Keys(got)); len(keys) == 0 {
		t.Fatal("nothing counted")
	}
}
