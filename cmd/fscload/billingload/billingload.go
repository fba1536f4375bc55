// Package billingload is `fscload billing`: it measures a billing run at the scale of
// all 98 Danish municipalities. It seeds a PostgreSQL database (once; later runs reuse
// it) with 98 members, 5 schemes that all of them joined, a contract per scheme pricing
// its product monthly and every event, 100,000 deployed devices over the month before
// this one (some deployed, collected or transferred during it), 20,000 shipments and
// pickups and 10,000 tickets, two allocation keys and two pools per scheme; then it
// computes the month's run (a draft, so the tool can run again), writes its workbook
// with the Devices sheet, writes the same rows with a bare excelize StreamWriter, and
// prints the times against the targets: compute < 30 s, workbook ≤ 1.3 × bare.
// Peak RSS is for `/usr/bin/time -v fscload billing …` to measure.
//
// It only writes to a database whose name contains "bench" or "load" (or with -force).
package billingload

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
	"github.com/fsc/backoffice/reports"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"
)

// Summary is the line `fscload help` prints.
const Summary = "seed 98 members and 100,000 deployed devices on PostgreSQL and time a billing run and its workbook"

// Targets from the issue.
const (
	computeTarget = 30 * time.Second
	workbookRatio = 1.3
)

type options struct {
	url                         string
	members, schemes            int
	devices, shipments, tickets int
	repeat                      int
	reset, force                bool
}

// Run runs the subcommand with its arguments.
func Run(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("fscload billing", flag.ContinueOnError)
	fs.StringVar(&o.url, "database-url", os.Getenv("FSC_DATABASE_URL"), "postgres://… of the bench database (default: $FSC_DATABASE_URL)")
	fs.IntVar(&o.members, "members", 98, "members (municipalities), all in every scheme")
	fs.IntVar(&o.schemes, "schemes", 5, "schemes, each with one product and one contract")
	fs.IntVar(&o.devices, "devices", 100_000, "deployed devices")
	fs.IntVar(&o.shipments, "shipments", 20_000, "shipments and pickups booked in the month")
	fs.IntVar(&o.tickets, "tickets", 10_000, "tickets received in the month")
	fs.IntVar(&o.repeat, "repeat", 7, "times each workbook is written, alternating ours and the bare one; medians are compared")
	fs.BoolVar(&o.reset, "reset", false, "drop and recreate the bench schema first")
	fs.BoolVar(&o.force, "force", false, "allow a database whose name has neither \"bench\" nor \"load\"")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fscload billing [flags]\n\n%s.\n\nFlags:\n", Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.url == "" || !load.IsPostgres(o.url) {
		return errors.New("pass -database-url postgres://… (or FSC_DATABASE_URL): the benchmark is for PostgreSQL")
	}
	if o.members < 2 || o.schemes < 1 || o.schemes > 9 || o.devices < 1 {
		return errors.New("need -members >= 2, 1 <= -schemes <= 9 and -devices >= 1")
	}
	return run(ctx, o)
}

func run(ctx context.Context, o options) error {
	if err := load.CheckHost(o.url, o.force); err != nil {
		return err
	}
	g, err := db.Open(o.url)
	if err != nil {
		return err
	}
	defer db.Close(g)
	name, err := load.DatabaseName(g)
	if err != nil {
		return err
	}
	if !load.Writable(name, o.force) {
		return fmt.Errorf("database %q: its name has neither \"bench\" nor \"load\"; pass -force to write to it anyway", name)
	}
	if o.reset {
		if err := load.ResetSchema(g); err != nil {
			return err
		}
	}
	if err := db.Migrate(g); err != nil {
		return err
	}
	ctx = auth.WithPrincipal(db.NewContext(ctx, g), auth.System)
	per := reports.PeriodOf(civil.Today().AddMonths(-1))
	var n int64
	if err := g.Table("members").Where("code LIKE 'L%'").Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		fmt.Printf("seeding %d members, %d schemes, %d devices, %d shipments, %d tickets for %s …\n", o.members, o.schemes, o.devices, o.shipments, o.tickets, per)
		t := time.Now()
		if err := seed(ctx, g, o, per); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		fmt.Printf("seeded in %s\n", time.Since(t).Round(time.Millisecond))
	} else {
		fmt.Printf("reusing the seeded data (pass -reset to seed again); billing %s\n", per)
	}
	return measure(ctx, g, per, o.repeat)
}

func measure(ctx context.Context, g *gorm.DB, per reports.Period, repeat int) error {
	svc := reports.NewService(reports.Centre{Name: "FSC load", GLN: "5790000000005", CVR: "12345674"})
	fin := auth.WithPrincipal(ctx, auth.Principal{Name: "load", Role: auth.RoleFinance})
	// The two device-day queries a run makes, timed on their own.
	t := time.Now()
	dds, err := reports.DeviceDays(ctx, per.First(), per.Last())
	if err != nil {
		return err
	}
	byDay := time.Since(t)
	t = time.Now()
	tots, err := reports.DeviceTotals(ctx, per.First(), per.Last())
	if err != nil {
		return err
	}
	fmt.Printf("device-days query: %d member/product/day rows in %s; per device: %d rows in %s\n",
		len(dds), byDay.Round(time.Millisecond), len(tots), time.Since(t).Round(time.Millisecond))
	t = time.Now()
	run, err := svc.StartRun(fin, per.String())
	if err != nil {
		return err
	}
	if err := svc.ComputeRun(ctx, run.ID); err != nil {
		return err
	}
	compute := time.Since(t)
	run, err = svc.GetRun(fin, run.ID)
	if err != nil {
		return err
	}
	var lines, devices int64
	g.Table("billing_lines").Where("run_id = ?", run.ID).Count(&lines)
	g.Table("billing_device_days").Where("run_id = ?", run.ID).Count(&devices)
	fmt.Printf("\nrun %d of %s: %d statements, %d lines, %d devices, %d not billed, total %s kr.\n", run.ID, run.Period,
		len(run.Statements), lines, devices, len(run.Unbilled), money.FormatDanishNumber(run.TotalOre))
	fmt.Printf("compute (device-days, prices, pools, store): %s  (target < %s)\n", compute.Round(time.Millisecond), computeTarget)

	// A single write of either varies by a third on a shared machine: each is written
	// repeat times, in turns, and the medians compared.
	var oursT, bareT, readT []time.Duration
	var size, wbLen int
	for range max(repeat, 1) {
		var wb bytes.Buffer
		t = time.Now()
		if err := svc.WriteWorkbook(ctx, run, &wb); err != nil {
			return err
		}
		oursT = append(oursT, time.Since(t))
		wbLen = wb.Len()
		bare, read, n, err := bareWorkbook(ctx, g, run)
		if err != nil {
			return err
		}
		bareT, readT, size = append(bareT, bare), append(readT, read), n
	}
	ours, bare, read := median(oursT), median(bareT), median(readT)
	ratio := float64(ours) / float64(bare)
	fmt.Printf("workbook, median of %d: %s, %d bytes; bare StreamWriter of the same rows: %s, %d bytes (reading those rows: %s more); ratio %.2f, %.2f counting the bare one's reading (target ≤ %.1f)\n",
		len(oursT), ours.Round(time.Millisecond), wbLen, bare.Round(time.Millisecond), size, read.Round(time.Millisecond), ratio, float64(ours)/float64(bare+read), workbookRatio)
	fmt.Printf("  ours: %s\n  bare: %s\n", roundAll(oursT), roundAll(bareT))
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Printf("\nsummary: compute %s; workbook ratio %s\n", verdict(compute < computeTarget), verdict(ratio <= workbookRatio))
	return nil
}

// bareWorkbook writes the rows of run's workbook with nothing but excelize's
// StreamWriter (values read into memory first, timed apart), and returns the time of
// the writing, of the reading and the size.
func bareWorkbook(ctx context.Context, g *gorm.DB, run *reports.Run) (time.Duration, time.Duration, int, error) {
	t0 := time.Now()
	type lineRow struct {
		MemberID                     int64
		Seq                          int
		Kind, Description            string
		Quantity, UnitOre, AmountOre int64
	}
	var ls []lineRow
	if err := g.Table("billing_lines").Where("run_id = ?", run.ID).Order("member_id, seq").Find(&ls).Error; err != nil {
		return 0, 0, 0, err
	}
	type devRow struct {
		Serial, SKU, Code string
		Days              int64
	}
	var ds []devRow
	if err := g.Raw(`SELECT d.serial, p.sku, m.code, x.days FROM billing_device_days x JOIN devices d ON d.id = x.device_id
JOIN products p ON p.id = x.product_id JOIN members m ON m.id = x.member_id WHERE x.run_id = ? ORDER BY x.device_id, x.member_id`, run.ID).Scan(&ds).Error; err != nil {
		return 0, 0, 0, err
	}
	read := time.Since(t0)
	t := time.Now()
	f := excelize.NewFile()
	defer f.Close()
	sheet := func(name string, first bool) (*excelize.StreamWriter, error) {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		return f.NewStreamWriter(name)
	}
	sw, err := sheet("Summary", true)
	if err != nil {
		return 0, 0, 0, err
	}
	for i, st := range run.Statements {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{st.MemberCode, st.MemberName, st.Lines, st.TotalOre, float64(st.TotalOre) / 100}); err != nil {
			return 0, 0, 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, 0, 0, err
	}
	i := 0
	for _, st := range run.Statements {
		sw, err := sheet(st.MemberCode, false)
		if err != nil {
			return 0, 0, 0, err
		}
		r := 2
		for ; i < len(ls) && ls[i].MemberID == st.MemberID; i++ {
			l := ls[i]
			cell, _ := excelize.CoordinatesToCellName(1, r)
			if err := sw.SetRow(cell, []any{l.Seq, l.Kind, l.Description, "", "", "", "", l.Quantity, l.UnitOre, l.AmountOre, float64(l.AmountOre) / 100}); err != nil {
				return 0, 0, 0, err
			}
			r++
		}
		if err := sw.Flush(); err != nil {
			return 0, 0, 0, err
		}
	}
	sw, err = sheet("Devices", false)
	if err != nil {
		return 0, 0, 0, err
	}
	for r, d := range ds {
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, []any{d.Serial, d.SKU, d.Code, d.Days}); err != nil {
			return 0, 0, 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, 0, 0, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return 0, 0, 0, err
	}
	return time.Since(t), read, buf.Len(), nil
}

// seed writes the fixture: members, schemes and contracts through the services, the
// bulk (devices, events, shipments, tickets) in set-based SQL.
func seed(ctx context.Context, g *gorm.DB, o options, per reports.Period) error {
	cs := contracts.NewService()
	var members []int64
	for i := 0; i < o.members; i++ {
		inh := int64(20_000 + (i*7919)%300_000)
		m, err := cs.CreateMember(ctx, contracts.NewMember{Code: contracts.Code(fmt.Sprintf("L%03d", i+1)), Name: fmt.Sprintf("Kommune %d", i+1),
			Kind: "municipality", EAN: "5798000416604", Inhabitants: inh, Inhabitants65Plus: inh / 5})
		if err != nil {
			return err
		}
		members = append(members, m.ID)
	}
	v, err := cs.CreateVendor(ctx, contracts.NewVendor{Name: "Load Leverandør A/S", CVR: "12345674", Email: "load@example.dk"})
	if err != nil {
		return err
	}
	start := per.First().AddMonths(-6)
	var products []int64
	for s := 0; s < o.schemes; s++ {
		sc, err := cs.CreateScheme(ctx, contracts.NewScheme{Code: fmt.Sprintf("LS%d", s+1), Name: fmt.Sprintf("Ordning %d", s+1)})
		if err != nil {
			return err
		}
		for _, m := range members {
			if _, err := cs.Join(ctx, sc.ID, contracts.NewParticipation{MemberID: m, JoinedOn: start}); err != nil {
				return err
			}
		}
		sku := fmt.Sprintf("LP-%d", s+1)
		if err := g.Exec("INSERT INTO products (sku, name, category, tracking, reorder_level, substitution_group, created_at) VALUES (?, ?, 'device', 'serial', 0, '', now())",
			sku, "Udstyr "+sku).Error; err != nil {
			return err
		}
		var pid int64
		g.Table("products").Where("sku = ?", sku).Pluck("id", &pid)
		products = append(products, pid)
		if err := g.Exec("INSERT INTO kits (code, name, scheme_id, created_at) VALUES (?, ?, ?, now())", "LK"+sku, "Kit "+sku, sc.ID).Error; err != nil {
			return err
		}
		if err := g.Exec("INSERT INTO kit_components (kit_id, product_id, quantity) SELECT id, ?, 1 FROM kits WHERE code = ?", pid, "LK"+sku).Error; err != nil {
			return err
		}
		three := 3
		c, err := cs.CreateContract(ctx, contracts.NewContract{Number: fmt.Sprintf("LOAD-%d", s+1), Title: "Kontrakt " + sku, VendorID: v.ID, SchemeID: &sc.ID,
			StartsOn: start, EndsOn: start.AddMonths(48), NoticeMonths: &three})
		if err != nil {
			return err
		}
		amt := func(n int64) *int64 { return &n }
		for _, p := range []contracts.NewPrice{
			{ProductID: &pid, Kind: contracts.PriceMonthly, AmountOre: amt(int64(19900 + s*10000)), ValidFrom: start},
			{ProductID: &pid, Kind: contracts.PriceMonthly, AmountOre: amt(int64(20900 + s*10000)), ValidFrom: per.First().AddDays(14)},
			{Kind: contracts.PriceEvent, Event: contracts.EventShipment, AmountOre: amt(18900), ValidFrom: start},
			{Kind: contracts.PriceEvent, Event: contracts.EventPickup, AmountOre: amt(16900), ValidFrom: start},
			{Kind: contracts.PriceEvent, Event: contracts.EventCleaning, AmountOre: amt(9500), ValidFrom: start},
			{Kind: contracts.PriceEvent, Event: contracts.EventTicket, AmountOre: amt(6500), ValidFrom: start},
		} {
			if _, err := cs.AddPrice(ctx, c.ID, p); err != nil {
				return err
			}
		}
		for _, m := range members {
			if _, err := cs.AddParticipant(ctx, c.ID, contracts.NewParticipation{MemberID: m, JoinedOn: start}); err != nil {
				return err
			}
		}
	}
	ms, ps := array(members), array(products)
	nm, np := len(members), len(products)
	first := dayStartUTC(per.First())
	recv := first.AddDate(0, -2, 0)
	days := int(per.Days())
	stmts := []struct {
		sql  string
		args []any
	}{
		{fmt.Sprintf(`INSERT INTO devices (serial, product_id, state, member_id, citizen_ref, recalled, unit_cost_ore, received_at, updated_at)
SELECT 'BL-' || i, (%s)[1 + i %% %d], 'deployed', (%s)[1 + i %% %d], 'borger-' || i, false, 0, ?, now() FROM generate_series(1, ?) i`, ps, np, ms, nm),
			[]any{recv, o.devices}},
		{`INSERT INTO device_events (device_id, at, from_state, to_state, actor, reason)
SELECT id, received_at, '', 'available', 'load', 'received' FROM devices WHERE serial LIKE 'BL-%'`, nil},
		// Most deployed before the month; every tenth during it.
		{fmt.Sprintf(`INSERT INTO device_events (device_id, at, from_state, to_state, actor, reason, member_id)
SELECT id, CASE WHEN id %% 10 = 0 THEN CAST(? AS timestamptz) + (id %% %d) * interval '1 day' + interval '10 hours' ELSE CAST(? AS timestamptz) - interval '30 days' END,
  'in_transit', 'deployed', 'load', 'delivered', member_id FROM devices WHERE serial LIKE 'BL-%%'`, days-1), []any{first, first}},
		// One in thirty-three moves to the next member on the 13th.
		{fmt.Sprintf(`INSERT INTO device_events (device_id, at, from_state, to_state, actor, reason, member_id)
SELECT id, CAST(? AS timestamptz) + interval '12 days 9 hours', 'deployed', 'deployed', 'load', 'transferred',
  (%s)[1 + (id + 1) %% %d] FROM devices WHERE serial LIKE 'BL-%%' AND id %% 33 = 2`, ms, nm), []any{first}},
		// One in twenty is collected in the second half and cleaned two days later.
		{`INSERT INTO device_events (device_id, at, from_state, to_state, actor, reason, member_id)
SELECT id, CAST(? AS timestamptz) + (14 + id % 10) * interval '1 day', 'deployed', 'returning', 'load', 'pickup', member_id FROM devices WHERE serial LIKE 'BL-%' AND id % 20 = 1`, []any{first}},
		{`INSERT INTO device_events (device_id, at, from_state, to_state, actor, reason, member_id)
SELECT id, CAST(? AS timestamptz) + (16 + id % 10) * interval '1 day', 'returning', 'cleaning', 'load', 'received', member_id FROM devices WHERE serial LIKE 'BL-%' AND id % 20 = 1`, []any{first}},
		{fmt.Sprintf(`INSERT INTO shipments (direction, member_id, status, attempts, last_error, recipient_name, recipient_street, recipient_postcode, recipient_city, recipient_phone, created_at, booked_at)
SELECT CASE WHEN i %% 4 = 0 THEN 'inbound' ELSE 'outbound' END, (%s)[1 + i %% %d], 'booked', 1, '', 'Borger', 'Vej 1', '8000', 'Aarhus', '',
  CAST(? AS timestamptz) + (i %% %d) * interval '1 hour', CAST(? AS timestamptz) + (i %% %d) * interval '1 hour' FROM generate_series(1, ?) i`, ms, nm, days*24, days*24),
			[]any{first, first, o.shipments}},
		{fmt.Sprintf(`INSERT INTO tickets (number, status, member_id, channel, category, priority, subject, received_at, calendar, first_response_due, resolution_due,
  first_response_warn, resolution_warn, next_due_at, created_by, created_at, updated_at)
SELECT 'BLT-' || i, 'new', (%s)[1 + i %% %d], 'phone', CASE WHEN i %% 3 = 0 THEN 'device_fault' ELSE 'usage' END, 'normal', 'Henvendelse',
  t, 'business', t, t, t, t, t, 'load', t, t
FROM (SELECT i, CAST(? AS timestamptz) + (i %% %d) * interval '1 hour' AS t FROM generate_series(1, ?) i) x`, ms, nm, days*24),
			[]any{first, o.tickets}},
	}
	for _, s := range stmts {
		if err := g.Exec(s.sql, s.args...).Error; err != nil {
			return fmt.Errorf("%.60s…: %w", strings.TrimSpace(s.sql), err)
		}
	}
	svc := reports.NewService(reports.Centre{})
	fin := auth.WithPrincipal(ctx, auth.Principal{Name: "load", Role: auth.RoleFinance})
	k1, err := svc.CreateAllocationKey(fin, reports.NewAllocationKey{Code: "L-REGION", Name: "Fast 20 % og indbyggere",
		Fixed: []reports.FixedShare{{MemberID: members[0], ShareBP: 2000}}, Weights: money.Weights{Inhabitants: 3, Inhabitants65Plus: 1}})
	if err != nil {
		return err
	}
	k2, err := svc.CreateAllocationKey(fin, reports.NewAllocationKey{Code: "L-USE", Name: "Forbrug og lige dele", Weights: money.Weights{Usage: 1, Equal: 1}})
	if err != nil {
		return err
	}
	var schemes []int64
	g.Table("schemes").Where("code LIKE 'LS%'").Order("id").Pluck("id", &schemes)
	for i, sc := range schemes {
		for _, p := range []reports.NewCostPool{
			{SchemeID: sc, Period: per.String(), Name: "Personale", AmountOre: 12_345_679 + int64(i), AllocationKeyID: k1.ID},
			{SchemeID: sc, Period: per.String(), Name: "IT", AmountOre: 3_000_001, AllocationKeyID: k2.ID},
		} {
			if _, err := svc.CreateCostPool(fin, p); err != nil {
				return err
			}
		}
	}
	return g.Exec("ANALYZE devices, device_events, shipments, tickets").Error
}

func array(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "ARRAY[" + strings.Join(s, ",") + "]::bigint[]"
}

func dayStartUTC(d civil.Date) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", d.String(), civil.Copenhagen)
	return t.UTC()
}

// median returns the median of ds (the upper one of an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// roundAll says ds in milliseconds, in the order measured.
func roundAll(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Round(time.Millisecond).String()
	}
	return strings.Join(parts, " ")
}
