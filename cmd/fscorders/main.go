// Command fscorders measures ordering and dispatch under load. On a fresh database it
// seeds a member, a scheme it takes part in, a kit (tablet + oximeter + 2 strips) and
// stock for every order it will place, starts the real web application in-process on
// loopback, and then
//
//  1. places kit orders over HTTP (POST /api/v1/orders as a member user, each with its
//     own Idempotency-Key) from 1, 8 and 32 concurrent clients, and the same Place()
//     call in-process without HTTP at the same levels, printing orders/s, p50 and p99
//     and the HTTP/in-process ratio against the targets (≥ 200 orders/s and p99 <
//     100 ms at 32 clients over HTTP, HTTP ≥ 50 % of in-process);
//
//  2. ships 10,000 reserved orders over HTTP (POST /orders/{id}/ship) while the real
//     asynq worker books them with the HTTP carrier adapter against a fake carrier on
//     loopback, printing shipments/s until every one is booked, and checking that the
//     carrier booked each shipment exactly once.
//
//     psql -h 127.0.0.1 -U postgres -d test -c 'CREATE DATABASE fsc_orders_load'
//     go run ./cmd/fscorders -reset \
//     -database-url 'postgres://postgres@127.0.0.1:5432/fsc_orders_load?sslmode=disable'
//
// It writes only to a database whose name contains "load" (or with -force), and only to
// an empty one unless -reset, which drops and recreates its public schema. To see where
// the time goes: -sqlstats times every statement per run, -no-consumable orders a kit of
// devices only (no ledger lock), -cpuprofile and -dispatch-cpuprofile write pprof files.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

type config struct {
	databaseURL    string
	redisURL       string
	orders         int
	maxDur         time.Duration
	levels         []int
	warmup         int
	shipments      int
	shipClients    int
	workers        int
	carrierLatency time.Duration
	reset, force   bool
	cpuProfile     string
	dispatchCPU    string
	skipPlace      bool
	skipDispatch   bool
	noConsumable   bool
	sqlStats       bool
}

func main() {
	var cfg config
	var levels string
	flag.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL URL of a database for this command (required for the real figures)")
	flag.StringVar(&cfg.redisURL, "redis-url", "", "Redis for asynq (a database of its own); empty for an in-process Redis")
	flag.IntVar(&cfg.orders, "orders", 2000, "orders per concurrency level and mode")
	flag.DurationVar(&cfg.maxDur, "d", 60*time.Second, "at most this long per level and mode")
	flag.StringVar(&levels, "levels", "1,8,32", "concurrent clients, comma-separated")
	flag.IntVar(&cfg.warmup, "warmup", 100, "orders placed first (per mode) and not counted")
	flag.IntVar(&cfg.shipments, "shipments", 10_000, "orders to ship and book in the dispatch run (0 to skip)")
	flag.IntVar(&cfg.shipClients, "ship-clients", 16, "concurrent HTTP clients calling POST /orders/{id}/ship")
	flag.IntVar(&cfg.workers, "workers", 32, "asynq worker concurrency in the dispatch run")
	flag.DurationVar(&cfg.carrierLatency, "carrier-latency", 0, "how long the fake carrier takes per booking")
	flag.BoolVar(&cfg.reset, "reset", false, "drop and recreate the database's public schema first")
	flag.BoolVar(&cfg.force, "force", false, "allow a database whose name does not contain \"load\"")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the order placement runs to this file")
	flag.StringVar(&cfg.dispatchCPU, "dispatch-cpuprofile", "", "write a CPU profile of the dispatch run to this file")
	flag.BoolVar(&cfg.skipPlace, "skip-place", false, "skip the order placement runs")
	flag.BoolVar(&cfg.noConsumable, "no-consumable", false, "a kit of devices only (no strips from the ledger), to see what the ledger costs")
	flag.BoolVar(&cfg.sqlStats, "sqlstats", false, "time every SQL statement the application runs and print the top ones per run")
	flag.Parse()
	for _, s := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "fscorders: bad -levels %q\n", levels)
			os.Exit(2)
		}
		cfg.levels = append(cfg.levels, n)
	}
	cfg.skipDispatch = cfg.shipments <= 0
	// Only warnings: asynq and the app log through slog.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "fscorders:", err)
		os.Exit(1)
	}
}

// ---------------------------------------------------------------------------
// database

func checkTarget(cfg config) error {
	if cfg.databaseURL == "" {
		return errors.New("-database-url is required (a PostgreSQL database for this command, e.g. fsc_orders_load)")
	}
	if !strings.HasPrefix(cfg.databaseURL, "postgres") {
		fmt.Println("warning: not PostgreSQL; the figures will not say much about production")
		return nil
	}
	u, err := url.Parse(cfg.databaseURL)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.Contains(name, "load") && !cfg.force {
		return fmt.Errorf("database %q: fscorders writes only to a database whose name contains \"load\" (or use -force)", name)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) && !cfg.force {
		return fmt.Errorf("database host %s is not this machine (use -force)", u.Hostname())
	}
	return nil
}

func openDB(cfg config) (*gorm.DB, error) {
	g, err := db.Open(cfg.databaseURL)
	if err != nil {
		return nil, err
	}
	if db.DialectOf(g) == db.Postgres {
		if cfg.reset {
			if err := g.Exec("DROP SCHEMA IF EXISTS public CASCADE").Error; err != nil {
				db.Close(g)
				return nil, fmt.Errorf("reset: %w", err)
			}
			if err := g.Exec("CREATE SCHEMA public").Error; err != nil {
				db.Close(g)
				return nil, fmt.Errorf("reset: %w", err)
			}
		}
		var tables int64
		g.Raw("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables)
		if tables > 0 {
			db.Close(g)
			return nil, errors.New("the database is not empty; run with -reset to drop and recreate its public schema")
		}
	}
	start := time.Now()
	if err := db.Migrate(g); err != nil {
		db.Close(g)
		return nil, err
	}
	fmt.Printf("database: %s, migrated in %s\n", db.DialectOf(g), time.Since(start).Round(time.Millisecond))
	return g, nil
}

// ---------------------------------------------------------------------------
// the application, wired as cmd/fsc does

type app struct {
	g          *gorm.DB
	redis      *jobs.Redis
	dispatcher *jobs.Dispatcher
	contracts  *contracts.Service
	inventory  *inventory.Service
	orders     *orders.Service
	auth       *auth.Service
	web        *web.Server
	base       string
	client     *http.Client
	sql        *sqlStats // nil unless -sqlstats
}

func newApp(ctx context.Context, cfg config, g *gorm.DB) (*app, error) {
	r, err := jobs.OpenRedis(ctx, cfg.redisURL)
	if err != nil {
		return nil, err
	}
	a := &app{g: g, redis: r}
	a.dispatcher = jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	a.contracts = contracts.NewService()
	a.inventory = inventory.NewService(a.contracts)
	a.orders = orders.NewService(a.inventory, a.contracts)
	a.inventory.StockArrived = a.orders.StockArrived
	a.auth = auth.NewService(a.contracts, nil) // each user logs in once: no login rate limit
	a.web = web.New(web.Deps{DB: g, Redis: r, Dispatcher: a.dispatcher, Auth: a.auth, Contracts: a.contracts,
		Inventory: a.inventory, Orders: a.orders, CarrierSecret: "load-carrier-secret",
		Logger: slog.Default()}) // warnings and errors only: no access log line per request
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.Close()
		return nil, err
	}
	go func() {
		if err := a.web.App.Listener(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			slog.Error("web", "err", err)
		}
	}()
	a.base = "http://" + ln.Addr().String()
	a.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256, IdleConnTimeout: time.Minute}}
	return a, nil
}

func (a *app) close() {
	_ = a.web.App.ShutdownWithTimeout(5 * time.Second)
	a.dispatcher.Wait()
	a.redis.Close()
}

func (a *app) sqlOn(on bool) {
	if a.sql != nil {
		a.sql.on.Store(on)
	}
}

// ctxAs is where in-process calls start: the database, the outbox dispatcher, and p.
func (a *app) ctxAs(ctx context.Context, p auth.Principal) context.Context {
	return auth.WithPrincipal(a.dispatcher.NewContext(db.NewContext(ctx, a.g)), p)
}

// request sends a JSON request with a bearer token and returns status and body.
func (a *app) request(method, path, token string, body []byte, header map[string]string) (int, []byte, error) {
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(string(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (a *app) login(email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	st, b, err := a.request("POST", "/api/v1/auth/login", "", body, nil)
	if err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	if st != 200 || json.Unmarshal(b, &out) != nil || out.Token == "" {
		return "", fmt.Errorf("login %s: %d %s", email, st, b)
	}
	return out.Token, nil
}

// ---------------------------------------------------------------------------
// SQL timing (-sqlstats)

// sqlStats times every statement gorm runs, by its SQL text, while on.
type sqlStats struct {
	on atomic.Bool
	mu sync.Mutex
	m  map[string]*sqlStat
}

type sqlStat struct {
	sql        string
	n          int
	total, max time.Duration
}

const sqlStartKey = "fscorders:start"

func (st *sqlStats) install(g *gorm.DB) error {
	st.m = map[string]*sqlStat{}
	before := func(tx *gorm.DB) {
		if st.on.Load() {
			tx.InstanceSet(sqlStartKey, time.Now())
		}
	}
	after := func(tx *gorm.DB) {
		v, ok := tx.InstanceGet(sqlStartKey)
		if !ok {
			return
		}
		d := time.Since(v.(time.Time))
		q := strings.Join(strings.Fields(tx.Statement.SQL.String()), " ")
		if i := strings.Index(q, " VALUES "); i > 0 {
			q = q[:i] // multi-row inserts differ only in their values
		}
		if len(q) > 110 {
			q = q[:110]
		}
		st.mu.Lock()
		s := st.m[q]
		if s == nil {
			s = &sqlStat{sql: q}
			st.m[q] = s
		}
		s.n++
		s.total += d
		s.max = max(s.max, d)
		st.mu.Unlock()
	}
	cb := g.Callback()
	regs := []struct {
		name   string
		before func(string) error
		after  func(string) error
	}{
		{"create", func(n string) error { return cb.Create().Before("gorm:create").Register(n, before) }, func(n string) error { return cb.Create().After("gorm:create").Register(n, after) }},
		{"query", func(n string) error { return cb.Query().Before("gorm:query").Register(n, before) }, func(n string) error { return cb.Query().After("gorm:query").Register(n, after) }},
		{"update", func(n string) error { return cb.Update().Before("gorm:update").Register(n, before) }, func(n string) error { return cb.Update().After("gorm:update").Register(n, after) }},
		{"delete", func(n string) error { return cb.Delete().Before("gorm:delete").Register(n, before) }, func(n string) error { return cb.Delete().After("gorm:delete").Register(n, after) }},
		{"row", func(n string) error { return cb.Row().Before("gorm:row").Register(n, before) }, func(n string) error { return cb.Row().After("gorm:row").Register(n, after) }},
		{"raw", func(n string) error { return cb.Raw().Before("gorm:raw").Register(n, before) }, func(n string) error { return cb.Raw().After("gorm:raw").Register(n, after) }},
	}
	for _, r := range regs {
		if err := r.before("fscorders:before_" + r.name); err != nil {
			return err
		}
		if err := r.after("fscorders:after_" + r.name); err != nil {
			return err
		}
	}
	return nil
}

// report prints the statements that took the most time since the last report, and
// resets the figures.
func (st *sqlStats) report(label string, orders int) {
	if st == nil || st.m == nil {
		return
	}
	st.mu.Lock()
	all := make([]*sqlStat, 0, len(st.m))
	var total time.Duration
	var n int
	for _, s := range st.m {
		all = append(all, s)
		total += s.total
		n += s.n
	}
	st.m = map[string]*sqlStat{}
	st.mu.Unlock()
	slices.SortFunc(all, func(a, b *sqlStat) int { return int(b.total - a.total) })
	per := float64(max(orders, 1))
	fmt.Printf("    SQL of %s: %d statements (%.1f per order), %.1f ms per order in SQL (commits not included)\n",
		label, n, float64(n)/per, float64(total.Microseconds())/1000/per)
	for _, s := range all[:min(len(all), 10)] {
		fmt.Printf("      %7.2f ms/order  n=%-6d avg %6.2f ms  max %7.1f ms  %s\n", float64(s.total.Microseconds())/1000/per, s.n,
			float64(s.total.Microseconds())/1000/float64(s.n), float64(s.max.Microseconds())/1000, s.sql)
	}
}

// ---------------------------------------------------------------------------
// seed

const password = "load-password-2026"

type world struct {
	member       *contracts.Member
	kit          *inventory.Kit
	memberUser   auth.Principal
	memberToken  string
	logisticsTok string
	delivery     orders.Address
	kitDesc      string
}

func seed(ctx context.Context, a *app, stock int, noConsumable bool) (*world, error) {
	sys := a.ctxAs(ctx, auth.System)
	w := &world{delivery: orders.Address{Name: "Borger Borgersen", Street: "Vestergade 1", Postcode: "8000", City: "Aarhus C", Phone: "+4512345678"}}
	var err error
	if w.member, err = a.contracts.CreateMember(sys, contracts.NewMember{Code: "751", Name: "Aarhus Kommune", Kind: "municipality",
		EAN: "5798000416604", Inhabitants: 360000, Inhabitants65Plus: 60000}); err != nil {
		return nil, err
	}
	sc, err := a.contracts.CreateScheme(sys, contracts.NewScheme{Code: "copd", Name: "COPD telemonitoring"})
	if err != nil {
		return nil, err
	}
	if _, err := a.contracts.Join(sys, sc.ID, contracts.NewParticipation{MemberID: w.member.ID, JoinedOn: civil.MustParse("2020-01-01")}); err != nil {
		return nil, err
	}
	loc, err := a.inventory.CreateLocation(sys, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	if err != nil {
		return nil, err
	}
	var ps []*inventory.Product
	for _, p := range []inventory.NewProduct{
		{SKU: "TAB-A", Name: "Tablet", Category: "tablet", Tracking: inventory.TrackSerial, SubstitutionGroup: "tablet"},
		{SKU: "OXI", Name: "Oximeter", Category: "oximeter", Tracking: inventory.TrackSerial},
		{SKU: "STRIP", Name: "Strips", Category: "consumable", Tracking: inventory.TrackQuantity},
	} {
		np, err := a.inventory.CreateProduct(sys, p)
		if err != nil {
			return nil, err
		}
		ps = append(ps, np)
	}
	components := []inventory.NewKitComponent{{ProductID: ps[0].ID, Quantity: 1}, {ProductID: ps[1].ID, Quantity: 1}, {ProductID: ps[2].ID, Quantity: 2}}
	w.kitDesc = "tablet + oximeter + 2 strips"
	if noConsumable {
		components, w.kitDesc = components[:2], "tablet + oximeter"
	}
	if w.kit, err = a.inventory.CreateKit(sys, inventory.NewKit{Code: "copd-kit", Name: "COPD kit", SchemeID: sc.ID, Components: components}); err != nil {
		return nil, err
	}
	start := time.Now()
	const chunk = 10_000
	for _, p := range ps[:2] {
		for from := 0; from < stock; from += chunk {
			line := inventory.NewReceiptLine{ProductID: p.ID}
			for i := from; i < min(from+chunk, stock); i++ {
				line.Serials = append(line.Serials, fmt.Sprintf("%s-%07d", p.SKU, i))
			}
			if _, err := a.inventory.CreateReceipt(sys, inventory.NewReceipt{LocationID: loc.ID, Lines: []inventory.NewReceiptLine{line}}); err != nil {
				return nil, err
			}
		}
	}
	q := int64(2 * stock)
	if _, err := a.inventory.CreateReceipt(sys, inventory.NewReceipt{LocationID: loc.ID,
		Lines: []inventory.NewReceiptLine{{ProductID: ps[2].ID, Quantity: &q}}}); err != nil {
		return nil, err
	}
	fmt.Printf("seeded: member 751, kit %d (%s), stock for %d kits in %s\n", w.kit.ID, w.kitDesc, stock, time.Since(start).Round(time.Millisecond))

	mu, err := a.auth.CreateUser(sys, auth.NewUser{Email: "load-member@fsc.example", Name: "Load member", Password: password,
		Role: auth.RoleMember, MemberID: &w.member.ID})
	if err != nil {
		return nil, err
	}
	w.memberUser = auth.Principal{UserID: mu.ID, Name: mu.Email, Role: auth.RoleMember, MemberID: &w.member.ID}
	if _, err := a.auth.CreateUser(sys, auth.NewUser{Email: "load-logistics@fsc.example", Name: "Load logistics", Password: password,
		Role: auth.RoleLogistics}); err != nil {
		return nil, err
	}
	if w.memberToken, err = a.login("load-member@fsc.example", password); err != nil {
		return nil, err
	}
	if w.logisticsTok, err = a.login("load-logistics@fsc.example", password); err != nil {
		return nil, err
	}
	return w, nil
}

// ---------------------------------------------------------------------------
// measuring

type result struct {
	n, errs int
	elapsed time.Duration
	lat     []time.Duration
	firstEr string
}

func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.n) / r.elapsed.Seconds()
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

// hammer calls fn from conc goroutines until n calls were made or d has passed, and
// returns the latencies of the calls that succeeded, sorted.
func hammer(ctx context.Context, conc, n int, d time.Duration, fn func() error) result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var sent atomic.Int64
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var errs int
			var first string
			for ctx.Err() == nil && sent.Add(1) <= int64(n) {
				t0 := time.Now()
				if err := fn(); err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, mine...)
			res.errs += errs
			if res.firstEr == "" {
				res.firstEr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(res.lat)
	slices.Sort(res.lat)
	return res
}

// placer places kit orders numbered from a shared counter, over HTTP or in-process.
type placer struct {
	a   *app
	w   *world
	seq atomic.Int64
	ctx context.Context // in-process: the member principal
}

func (p *placer) next() (orders.NewOrder, []byte, string) {
	i := p.seq.Add(1)
	in := orders.NewOrder{MemberID: p.w.member.ID, KitID: &p.w.kit.ID, CitizenRef: fmt.Sprintf("LOAD-%07d", i), Delivery: &p.w.delivery,
		Note: "ring på, 2. sal"}
	b, _ := json.Marshal(in)
	return in, b, fmt.Sprintf("load-%d", i)
}

func (p *placer) http() error {
	_, body, key := p.next()
	st, b, err := p.a.request("POST", "/api/v1/orders", p.w.memberToken, body, map[string]string{"Idempotency-Key": key})
	if err != nil {
		return err
	}
	if st != 201 {
		return fmt.Errorf("POST /orders: %d %.200s", st, b)
	}
	if !strings.Contains(string(b), `"status":"reserved"`) {
		return fmt.Errorf("order not reserved: %.200s", b)
	}
	return nil
}

func (p *placer) inProcess() error {
	in, _, key := p.next()
	o, err := p.a.orders.Place(p.ctx, in, key)
	if err != nil {
		return err
	}
	if o.Status != orders.Reserved {
		return fmt.Errorf("order %s is %s", o.Number, o.Status)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func runPlacement(ctx context.Context, cfg config, a *app, w *world) error {
	p := &placer{a: a, w: w, ctx: a.ctxAs(ctx, w.memberUser)}
	// Warm-up: connections, prepared statements, caches.
	for _, fn := range []func() error{p.http, p.inProcess} {
		if r := hammer(ctx, 8, cfg.warmup, time.Minute, fn); r.errs > 0 {
			return fmt.Errorf("warm-up: %d errors, first: %s", r.errs, r.firstEr)
		}
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	type row struct {
		c           int
		http, local result
	}
	var rows []row
	for _, c := range cfg.levels {
		a.sqlOn(true)
		hr := hammer(ctx, c, cfg.orders, cfg.maxDur, p.http)
		fmt.Printf("  HTTP        %3d clients: %6d orders in %6.2fs  %7.1f orders/s  p50 %8s  p99 %8s  errors %d %s\n",
			c, hr.n, hr.elapsed.Seconds(), hr.rate(), ms(hr.pct(.5)), ms(hr.pct(.99)), hr.errs, hr.firstEr)
		a.sql.report(fmt.Sprintf("HTTP at %d clients", c), hr.n)
		lr := hammer(ctx, c, cfg.orders, cfg.maxDur, p.inProcess)
		fmt.Printf("  in-process  %3d clients: %6d orders in %6.2fs  %7.1f orders/s  p50 %8s  p99 %8s  errors %d %s\n",
			c, lr.n, lr.elapsed.Seconds(), lr.rate(), ms(lr.pct(.5)), ms(lr.pct(.99)), lr.errs, lr.firstEr)
		a.sql.report(fmt.Sprintf("in-process at %d clients", c), lr.n)
		a.sqlOn(false)
		rows = append(rows, row{c, hr, lr})
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	fmt.Println()
	fmt.Printf("POST /orders (kit: %s), HTTP vs in-process Place()\n", w.kitDesc)
	fmt.Println("clients | HTTP orders/s |   p50    |   p99    | in-proc orders/s |   p50    |   p99    | HTTP/in-proc | errors")
	fmt.Println("--------+---------------+----------+----------+------------------+----------+----------+--------------+-------")
	for _, r := range rows {
		ratio := 0.0
		if r.local.rate() > 0 {
			ratio = r.http.rate() / r.local.rate()
		}
		fmt.Printf("%7d | %13.1f | %8s | %8s | %16.1f | %8s | %8s | %11.0f%% | %d/%d\n", r.c, r.http.rate(), ms(r.http.pct(.5)), ms(r.http.pct(.99)),
			r.local.rate(), ms(r.local.pct(.5)), ms(r.local.pct(.99)), 100*ratio, r.http.errs, r.local.errs)
	}
	for _, r := range rows {
		if r.c != 32 {
			continue
		}
		ratio := r.http.rate() / max(r.local.rate(), 1e-9)
		fmt.Println()
		fmt.Printf("targets at 32 clients (HTTP):  ≥ 200 orders/s: %.1f %s   p99 < 100 ms: %s %s   HTTP ≥ 50%% of in-process: %.0f%% %s\n",
			r.http.rate(), verdict(r.http.rate() >= 200), ms(r.http.pct(.99)), verdict(r.http.pct(.99) < 100*time.Millisecond),
			100*ratio, verdict(ratio >= 0.5))
	}
	return nil
}

// ---------------------------------------------------------------------------
// dispatch

// fakeCarrier answers POST /shipments like the carrier: one booking per
// Idempotency-Key, the same tracking number for a repeat.
type fakeCarrier struct {
	mu       sync.Mutex
	tracking map[string]string
	booked   map[string]int
	calls    atomic.Int64
	bad      atomic.Int64
	latency  time.Duration
}

func (fc *fakeCarrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fc.calls.Add(1)
	key := r.Header.Get("Idempotency-Key")
	var b struct {
		Reference string         `json:"reference"`
		Direction string         `json:"direction"`
		Recipient orders.Address `json:"recipient"`
		Parcels   int            `json:"parcels"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if r.Method != "POST" || r.URL.Path != "/shipments" || key == "" || dec.Decode(&b) != nil || b.Reference == "" || b.Parcels < 1 {
		fc.bad.Add(1)
		http.Error(w, `{"error":"bad booking"}`, http.StatusBadRequest)
		return
	}
	if fc.latency > 0 {
		time.Sleep(fc.latency)
	}
	fc.mu.Lock()
	tr, ok := fc.tracking[key]
	if !ok {
		tr = fmt.Sprintf("TRK%09d", len(fc.tracking)+1)
		fc.tracking[key] = tr
		fc.booked[key]++
	}
	fc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"tracking_number":%q}`, tr)
}

func runDispatch(ctx context.Context, cfg config, a *app, w *world) error {
	n := cfg.shipments
	// Reserved orders to ship: those placed above, topped up in-process.
	var ids []int64
	if err := a.g.Table("orders").Where("status = ?", orders.Reserved).Order("id").Limit(n).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if missing := n - len(ids); missing > 0 {
		start := time.Now()
		p := &placer{a: a, w: w, ctx: a.ctxAs(ctx, w.memberUser)}
		p.seq.Store(10_000_000)
		if r := hammer(ctx, 16, missing, time.Hour, p.inProcess); r.errs > 0 {
			return fmt.Errorf("placing orders to ship: %d errors, first: %s", r.errs, r.firstEr)
		}
		fmt.Printf("placed %d more orders to ship in %s\n", missing, time.Since(start).Round(time.Millisecond))
		ids = ids[:0]
		if err := a.g.Table("orders").Where("status = ?", orders.Reserved).Order("id").Limit(n).Pluck("id", &ids).Error; err != nil {
			return err
		}
	}
	if len(ids) < n {
		return fmt.Errorf("only %d reserved orders to ship", len(ids))
	}

	fc := &fakeCarrier{tracking: map[string]string{}, booked: map[string]int{}, latency: cfg.carrierLatency}
	carrier := httptest.NewServer(fc)
	defer carrier.Close()
	a.orders.Carrier = orders.NewHTTPCarrier(carrier.URL)

	base := func() context.Context { return a.ctxAs(context.Background(), auth.System) }
	wk := jobs.NewWorker(a.redis, jobs.WorkerConfig{Concurrency: cfg.workers, BaseContext: base})
	mux := wk.Mux()
	mux.Use(jobs.OutboxMiddleware(a.g))
	mux.HandleFunc(orders.TypeBookShipment, a.orders.HandleBookShipment)
	mux.HandleFunc(orders.TypeFillBackorders, func(ctx context.Context, _ *asynq.Task) error {
		_, err := a.orders.FillBackorders(ctx)
		return err
	})
	if err := wk.Start(); err != nil {
		return err
	}
	defer wk.Shutdown()
	// Rows written before (fill-backorders from the receipts) go to the worker too.
	if _, err := a.dispatcher.Reconcile(a.ctxAs(ctx, auth.System), 1000); err != nil {
		return err
	}

	if cfg.dispatchCPU != "" {
		f, err := os.Create(cfg.dispatchCPU)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var next atomic.Int64
	start := time.Now()
	done := make(chan result, 1)
	go func() {
		done <- hammer(ctx, cfg.shipClients, n, time.Hour, func() error {
			id := ids[next.Add(1)-1]
			st, b, err := a.request("POST", fmt.Sprintf("/api/v1/orders/%d/ship", id), w.logisticsTok, nil, nil)
			if err != nil {
				return err
			}
			if st != 202 {
				return fmt.Errorf("ship order %d: %d %.200s", id, st, b)
			}
			return nil
		})
	}()
	var shipRes result
	var shipDone bool
	var firstBooked time.Time
	var booked int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Minute)
	for booked < int64(n) {
		select {
		case shipRes = <-done:
			shipDone = true
			if shipRes.errs > 0 {
				return fmt.Errorf("shipping: %d errors, first: %s", shipRes.errs, shipRes.firstEr)
			}
			fmt.Printf("  ship calls: %d in %.2fs, %.1f/s, p50 %s, p99 %s\n", shipRes.n, shipRes.elapsed.Seconds(), shipRes.rate(),
				ms(shipRes.pct(.5)), ms(shipRes.pct(.99)))
		case <-tick.C:
			a.g.Table("shipments").Where("status = ?", orders.ShipmentBooked).Count(&booked)
			if booked > 0 && firstBooked.IsZero() {
				firstBooked = time.Now()
			}
		case <-deadline:
			return fmt.Errorf("timed out: %d of %d shipments booked", booked, n)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	total := time.Since(start)
	if !shipDone {
		shipRes = <-done
		fmt.Printf("  ship calls: %d in %.2fs, %.1f/s, p50 %s, p99 %s\n", shipRes.n, shipRes.elapsed.Seconds(), shipRes.rate(),
			ms(shipRes.pct(.5)), ms(shipRes.pct(.99)))
	}
	// Checks: one booking per shipment, every order shipped.
	fc.mu.Lock()
	twice := 0
	for _, c := range fc.booked {
		if c != 1 {
			twice++
		}
	}
	distinct := len(fc.tracking)
	fc.mu.Unlock()
	var shipped, failed, pendingOutbox int64
	a.g.Table("orders").Where("status = ?", orders.Shipped).Count(&shipped)
	a.g.Table("shipments").Where("status = ?", orders.ShipmentFailed).Count(&failed)
	a.g.Table("outbox").Where("done_at IS NULL AND type = ?", orders.TypeBookShipment).Count(&pendingOutbox)
	fmt.Println()
	fmt.Printf("dispatch: %d shipments booked in %.2fs end to end: %.1f shipments/s (worker concurrency %d, %d ship clients, carrier latency %s)\n",
		n, total.Seconds(), float64(n)/total.Seconds(), cfg.workers, cfg.shipClients, cfg.carrierLatency)
	fmt.Printf("  carrier: %d calls, %d shipments booked, %d booked more than once, %d bad requests; orders shipped %d, shipments failed %d, booking tasks not done %d\n",
		fc.calls.Load(), distinct, twice, fc.bad.Load(), shipped, failed, pendingOutbox)
	if twice > 0 || distinct != n || fc.bad.Load() > 0 || failed > 0 {
		return errors.New("dispatch check failed")
	}
	return nil
}

// ---------------------------------------------------------------------------

func run(ctx context.Context, cfg config) error {
	if err := checkTarget(cfg); err != nil {
		return err
	}
	g, err := openDB(cfg)
	if err != nil {
		return err
	}
	defer db.Close(g)
	a, err := newApp(ctx, cfg, g)
	if err != nil {
		return err
	}
	defer a.close()
	if cfg.sqlStats {
		a.sql = &sqlStats{}
		if err := a.sql.install(g); err != nil {
			return err
		}
	}
	placed := 0
	if !cfg.skipPlace {
		placed = 2 * (cfg.warmup + cfg.orders*len(cfg.levels))
	}
	stock := placed + max(cfg.shipments, 0) + 100
	w, err := seed(ctx, a, stock, cfg.noConsumable)
	if err != nil {
		return err
	}
	fmt.Printf("app: %s (GOMAXPROCS %d, %d CPUs), redis %s\n\n", a.base, runtime.GOMAXPROCS(0), runtime.NumCPU(), redisKind(a.redis))
	if !cfg.skipPlace {
		if err := runPlacement(ctx, cfg, a, w); err != nil {
			return err
		}
		fmt.Println()
	}
	if !cfg.skipDispatch {
		return runDispatch(ctx, cfg, a, w)
	}
	return nil
}

func redisKind(r *jobs.Redis) string {
	if r.Embedded != nil {
		return "in-process"
	}
	return "external"
}
