package devicesload

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"gorm.io/gorm"
)

// scenario is one request shape measured under load.
type scenario struct {
	Name  string
	Note  string
	Path  func(r *rand.Rand) string // the request to send; may vary per request
	Probe string                    // one representative request, for EXPLAIN
	// Do, if set, replaces the HTTP request: a service call straight on the database.
	Do     func(r *rand.Rand) error
	Target time.Duration // p99 target; 0 for none
	Watch  time.Duration // not a target: above it a change is proposed
	Check  func(path string, body []byte) error

	Load    result
	Also    []result // at the -also concurrency levels
	Plan    planSummary
	Generic planSummary
}

// result is one measured run and the CPU figures around it.
type result struct {
	load.Result
	CPU   string
	Other float64 // share of the machine other processes used meanwhile
}

// prepare builds the scenarios: the filtered list, first page and deep page, for the
// most common product and for a new model (whose devices all sit at the end of the id
// range); the serial lookup; GET /stock.
func prepare(ctx context.Context, g *gorm.DB, a *load.App, fx *fixtures, o options) ([]scenario, error) {
	var out []scenario
	common, newest := fx.Products[0], fx.Products[len(fx.Products)-newModels]
	for _, p := range []benchProduct{common, newest} {
		sc, err := listScenarios(g, a, p, "deployed", o.deep)
		if err != nil {
			return nil, err
		}
		out = append(out, sc...)
	}

	serials, err := sampleSerials(g, 5000)
	if err != nil {
		return nil, err
	}
	fmt.Printf("prepare: sampled %d existing serials for lookups\n", len(serials))
	return append(out,
		scenario{Name: "serial lookup", Note: fmt.Sprintf("serial=S, S random of %d existing", len(serials)),
			Path:  func(r *rand.Rand) string { return "/api/v1/devices?serial=" + serials[r.IntN(len(serials))] },
			Probe: "/api/v1/devices?serial=" + serials[0], Target: serialTarget,
			Check: func(path string, b []byte) error {
				s := path[strings.LastIndexByte(path, '=')+1:]
				if !strings.Contains(string(b), `"serial":"`+s+`"`) {
					return fmt.Errorf("serial %s not in answer: %.80s", s, b)
				}
				return nil
			}},
		scenario{Name: "GET /stock", Note: "all products, all locations",
			Path: func(*rand.Rand) string { return "/api/v1/stock" }, Probe: "/api/v1/stock", Watch: stockWatch},
		pickScenario(g, common),
	), nil
}

var errRollback = errors.New("rollback")

// pickScenario is the reservation step of placing an order (inventory.PickDevices: the
// oldest available devices of a product, locked SKIP LOCKED), called on the database
// in a transaction that is rolled back, so nothing changes.
func pickScenario(g *gorm.DB, p benchProduct) scenario {
	base := db.NewContext(context.Background(), g)
	pick := func(*rand.Rand) error {
		err := db.WithTx(base, func(ctx context.Context) error {
			ids, err := inventory.PickDevices(ctx, []int64{p.ID}, 2)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				return fmt.Errorf("no available device of product %d picked", p.ID)
			}
			return errRollback
		})
		if errors.Is(err, errRollback) {
			return nil
		}
		return err
	}
	return scenario{Name: "reserve pick", Note: fmt.Sprintf("inventory.PickDevices(product %d, 2) in a rolled-back transaction, no HTTP", p.ID),
		Probe: "(service call)", Do: pick, Watch: listTarget}
}

// listScenarios returns the first page of devices in state of product p, and a page
// reached by walking next_cursor deep pages (or to the last page) the way a client does.
func listScenarios(g *gorm.DB, a *load.App, p benchProduct, state string, deep int) ([]scenario, error) {
	var rows int64
	var lo, hi int64
	if err := g.Raw("SELECT COUNT(*), COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM devices WHERE state = ? AND product_id = ?", state, p.ID).Row().Scan(&rows, &lo, &hi); err != nil {
		return nil, err
	}
	first := fmt.Sprintf("/api/v1/devices?state=%s&product_id=%d&limit=50", state, p.ID)
	start := time.Now()
	cursor, pages := "", 0
	var lastID int64
	for pages < deep {
		path := first
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		b, err := a.Get(path)
		if err != nil {
			return nil, err
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, fmt.Errorf("walk: %w", err)
		}
		if page.NextCursor == "" {
			break // keep the cursor of the last page that has one
		}
		pages++
		lastID = page.Items[len(page.Items)-1].ID
		cursor = page.NextCursor
	}
	walk := time.Since(start)
	fmt.Printf("prepare: %s (product %d): %d %s devices, ids %d..%d (%d pages of 50); walked %d pages in %s (%.2f ms/page, one client); deep %s\n",
		p.SKU, p.ID, rows, state, lo, hi, (rows+49)/50, pages, walk.Round(time.Millisecond), float64(walk.Microseconds())/1000/float64(max(pages, 1)), decodeCursorForPrint(cursor))
	deepPath := first + "&cursor=" + url.QueryEscape(cursor)
	listCheck := func(_ string, b []byte) error {
		if !strings.HasPrefix(string(b), `{"items":[{`) {
			return fmt.Errorf("empty page: %.80s", b)
		}
		return nil
	}
	return []scenario{
		{Name: "list " + shortSKU(p.SKU) + " first", Note: fmt.Sprintf("state=%s&product_id=%d&limit=50", state, p.ID),
			Path: func(*rand.Rand) string { return first }, Probe: first, Target: listTarget, Check: listCheck},
		{Name: "list " + shortSKU(p.SKU) + " deep", Note: fmt.Sprintf("same, cursor %d pages deep (after id %d)", pages, lastID),
			Path: func(*rand.Rand) string { return deepPath }, Probe: deepPath, Target: listTarget, Check: listCheck},
	}, nil
}

func shortSKU(s string) string { return strings.TrimPrefix(s, "BENCH-") }

func decodeCursorForPrint(c string) string {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "cursor " + c
	}
	return "cursor " + c + " = " + strconv.Quote(string(b))
}

// sampleSerials returns up to n serials of random existing devices.
func sampleSerials(g *gorm.DB, n int) ([]string, error) {
	var lo, hi int64
	if err := g.Raw("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM devices").Row().Scan(&lo, &hi); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	var out []string
	for len(out) < n {
		ids := make([]int64, 1000)
		for i := range ids {
			ids[i] = lo + r.Int64N(hi-lo+1)
		}
		var s []string
		if err := g.Raw("SELECT serial FROM devices WHERE id IN ?", ids).Scan(&s).Error; err != nil {
			return nil, err
		}
		if len(s) == 0 {
			return nil, fmt.Errorf("no devices found between ids %d and %d", lo, hi)
		}
		out = append(out, s...)
	}
	return out[:n], nil
}

// measure runs sc with o.conc clients after a warm-up, then at each -also level for a
// third of the time (with 1 client: the service time without queueing).
func measure(ctx context.Context, a *load.App, sc *scenario, o options, database string) {
	hammer(ctx, a, sc, o.conc, o.warm, o.maxReq) // connections, caches, prepared statements
	run := func(c int, d time.Duration) result {
		c0 := load.SampleCPU(database)
		r := result{Result: hammer(ctx, a, sc, c, d, o.maxReq)}
		r.CPU, r.Other = load.CPUUse(c0, load.SampleCPU(database), r.N())
		load.Line(sc.Name, r.Result)
		if r.CPU != "" {
			fmt.Printf("      %-16s       %s\n", "", r.CPU)
		}
		return r
	}
	sc.Load = run(o.conc, o.dur)
	for _, c := range o.also {
		if c != o.conc {
			sc.Also = append(sc.Also, run(c, min(max(o.dur/3, time.Second), 5*time.Second)))
		}
	}
}

// hammer sends sc's requests (or makes its service calls) from conc clients until d
// has passed or max were sent, checking each answer.
func hammer(ctx context.Context, a *load.App, sc *scenario, conc int, d time.Duration, max int) load.Result {
	return load.Run(ctx, conc, d, max, func(r *rand.Rand) error {
		if sc.Do != nil {
			return sc.Do(r)
		}
		path := sc.Path(r)
		b, err := a.Get(path)
		if err == nil && sc.Check != nil {
			err = sc.Check(path, b)
		}
		return err
	})
}

func summary(sc []scenario, o options) {
	fmt.Println()
	fmt.Println("SUMMARY")
	for _, s := range sc {
		if s.Do != nil {
			fmt.Printf("  %-16s %s\n", s.Name, s.Note)
			continue
		}
		fmt.Printf("  %-16s GET %s  (%s)\n", s.Name, s.Probe, s.Note)
	}
	fmt.Printf("%-16s %4s %8s %8s %9s %9s %9s %9s  %-12s %s\n", "scenario", "c", "requests", "req/s", "p50", "p90", "p99", "max", "target", "verdict")
	for _, s := range sc {
		for _, r := range append([]result{s.Load}, s.Also...) {
			target, verdict := "-", "-"
			switch {
			case s.Target > 0:
				target = "p99 < " + s.Target.String()
				verdict = "PASS"
				if r.Pct(.99) >= s.Target || r.N() == 0 || r.Errors > 0 {
					verdict = "MISS"
				}
			case s.Watch > 0:
				target = "(p99 < " + s.Watch.String() + ")"
				verdict = "ok"
				if r.Pct(.99) >= s.Watch || r.N() == 0 || r.Errors > 0 {
					verdict = "SLOW"
				}
			}
			if r.Clients != o.conc {
				verdict = strings.ToLower(verdict) + " (info)"
			}
			if r.Other > 0.2 {
				verdict += fmt.Sprintf(" [other processes used %s of the CPU]", load.Pct(r.Other))
			}
			fmt.Printf("%-16s %4d %8d %8.0f %9s %9s %9s %9s  %-12s %s\n", s.Name, r.Clients, r.N(), r.Rate(),
				load.Ms(r.Pct(.5)), load.Ms(r.Pct(.9)), load.Ms(r.Pct(.99)), load.Ms(r.Pct(1)), target, verdict)
		}
	}
	if !o.explain {
		return
	}
	fmt.Println()
	fmt.Printf("%-16s %-10s %-11s %s\n", "scenario", "plan", "exec time", "top node / scans")
	for _, s := range sc {
		for _, p := range []struct {
			kind string
			ps   planSummary
		}{{"custom", s.Plan}, {"generic", s.Generic}} {
			if p.ps.Top == "" {
				continue
			}
			fmt.Printf("%-16s %-10s %-11s %s\n", s.Name, p.kind, p.ps.Exec, p.ps.Top)
			if len(p.ps.Scans) > 0 {
				fmt.Printf("%-16s %-10s %-11s   scans: %s%s\n", "", "", "", strings.Join(p.ps.Scans, "; "), p.ps.JIT)
			}
		}
	}
}
