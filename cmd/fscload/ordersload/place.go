package ordersload

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/orders"
)

type placer struct {
	a   *rig
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
	st, b, err := p.a.Request("POST", "/api/v1/orders", p.w.memberToken, body, map[string]string{"Idempotency-Key": key})
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
	o, err := p.a.Orders.Place(p.ctx, in, key)
	if err != nil {
		return err
	}
	if o.Status != orders.Reserved {
		return fmt.Errorf("order %s is %s", o.Number, o.Status)
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func runPlacement(ctx context.Context, cfg config, a *rig, w *world) error {
	p := &placer{a: a, w: w, ctx: a.Context(ctx, w.memberUser)}
	// Warm-up: connections, prepared statements, caches.
	for _, fn := range []func() error{p.http, p.inProcess} {
		if r := hammer(ctx, 8, cfg.warmup, time.Minute, fn); r.Errors > 0 {
			return fmt.Errorf("warm-up: %d errors, first: %s", r.Errors, r.FirstErr)
		}
	}
	stop, err := load.CPUProfile(cfg.cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	type row struct {
		c           int
		http, local load.Result
	}
	var rows []row
	for _, c := range cfg.levels {
		a.sql.On(true)
		hr := hammer(ctx, c, cfg.orders, cfg.maxDur, p.http)
		fmt.Printf("  HTTP        %3d clients: %6d orders in %6.2fs  %7.1f orders/s  p50 %8s  p99 %8s  errors %d %s\n",
			c, hr.N(), hr.Elapsed.Seconds(), hr.Rate(), load.Ms(hr.Pct(.5)), load.Ms(hr.Pct(.99)), hr.Errors, hr.FirstErr)
		a.sql.Report(fmt.Sprintf("HTTP at %d clients", c), "order", hr.N())
		lr := hammer(ctx, c, cfg.orders, cfg.maxDur, p.inProcess)
		fmt.Printf("  in-process  %3d clients: %6d orders in %6.2fs  %7.1f orders/s  p50 %8s  p99 %8s  errors %d %s\n",
			c, lr.N(), lr.Elapsed.Seconds(), lr.Rate(), load.Ms(lr.Pct(.5)), load.Ms(lr.Pct(.99)), lr.Errors, lr.FirstErr)
		a.sql.Report(fmt.Sprintf("in-process at %d clients", c), "order", lr.N())
		a.sql.On(false)
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
		if r.local.Rate() > 0 {
			ratio = r.http.Rate() / r.local.Rate()
		}
		fmt.Printf("%7d | %13.1f | %8s | %8s | %16.1f | %8s | %8s | %11.0f%% | %d/%d\n", r.c, r.http.Rate(), load.Ms(r.http.Pct(.5)), load.Ms(r.http.Pct(.99)),
			r.local.Rate(), load.Ms(r.local.Pct(.5)), load.Ms(r.local.Pct(.99)), 100*ratio, r.http.Errors, r.local.Errors)
	}
	for _, r := range rows {
		if r.c != 32 {
			continue
		}
		ratio := r.http.Rate() / max(r.local.Rate(), 1e-9)
		fmt.Println()
		fmt.Printf("targets at 32 clients (HTTP):  ≥ 200 orders/s: %.1f %s   p99 < 100 ms: %s %s   HTTP ≥ 50%% of in-process: %.0f%% %s\n",
			r.http.Rate(), verdict(r.http.Rate() >= 200), load.Ms(r.http.Pct(.99)), verdict(r.http.Pct(.99) < 100*time.Millisecond),
			100*ratio, verdict(ratio >= 0.5))
	}
	return nil
}
