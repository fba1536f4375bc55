package reports

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

// The operational reports: each over a range of days from…to (both included) in the
// business calendar, answered as {from, to, items}.

// MaxRangeDays is the longest range a report covers.
const MaxRangeDays = 731

// Range is a report's range of days.
type Range struct {
	From civil.Date `json:"from"`
	To   civil.Date `json:"to"`
}

// CheckRange parses from and to ("YYYY-MM-DD"; empty: the 30 days up to today) and
// returns Invalid naming the parameter for a bad date, to before from, or a range of
// more than MaxRangeDays.
func (s *Service) CheckRange(from, to string) (Range, error) {
	today := civil.Of(s.now())
	r := Range{To: today, From: today.AddDays(-29)}
	var fe apperr.Fields
	if to != "" {
		d, err := civil.Parse(to)
		if err != nil {
			fe.Add("to", apperr.NotDate, "must be a date YYYY-MM-DD")
		}
		r.To = d
		if from == "" && err == nil {
			r.From = d.AddDays(-29)
		}
	}
	if from != "" {
		d, err := civil.Parse(from)
		if err != nil {
			fe.Add("from", apperr.NotDate, "must be a date YYYY-MM-DD")
		}
		r.From = d
	}
	if err := fe.Err(); err != nil {
		return r, err
	}
	switch n := r.From.DaysUntil(r.To); {
	case n < 0:
		fe.Add("to", apperr.NotAfter, "must not be before from (%s)", r.From)
	case n >= MaxRangeDays:
		fe.Add("to", apperr.TooLarge, "the range must be at most %d days", MaxRangeDays)
	}
	return r, fe.Err()
}

// Days is the number of days in the range.
func (r Range) Days() int64 { return int64(r.From.DaysUntil(r.To)) + 1 }

func requireStaff(ctx context.Context) error {
	_, err := auth.RequireStaff(ctx)
	return err
}

// pct is 100 × a ÷ b with one decimal, 0 when b is 0.
func pct(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(1000*float64(a)/float64(b)) / 10
}

// StockItem is one product at one location (location_id null: deployed devices).
type StockItem struct {
	ProductID    int64  `json:"product_id"`
	SKU          string `json:"sku"`
	LocationID   *int64 `json:"location_id"`
	OnHand       int64  `json:"on_hand"`
	Reserved     int64  `json:"reserved"`
	Available    int64  `json:"available"`
	Deployed     int64  `json:"deployed"`
	ReorderLevel int64  `json:"reorder_level"`
	// BelowReorder is whether the product's available stock across locations is under
	// its reorder level.
	BelowReorder bool `json:"below_reorder"`
}

// Stock is the stock and reorder report, as of now (staff).
func (s *Service) Stock(ctx context.Context) ([]StockItem, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	type key struct {
		product int64
		loc     int64
	}
	items := map[key]*StockItem{}
	get := func(p, l int64) *StockItem {
		k := key{p, l}
		if items[k] == nil {
			items[k] = &StockItem{ProductID: p}
			if l != 0 {
				items[k].LocationID = ptr(l)
			}
		}
		return items[k]
	}
	conn := db.Conn(ctx)
	rows, err := conn.Raw(`SELECT product_id, COALESCE(location_id, 0),
  SUM(CASE WHEN state IN ('available','reserved') THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'reserved' THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'available' AND NOT recalled THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'deployed' THEN 1 ELSE 0 END)
FROM devices GROUP BY product_id, COALESCE(location_id, 0)`).Rows()
	if err != nil {
		return nil, fmt.Errorf("stock report: %w", err)
	}
	for rows.Next() {
		var p, l, on, res, av, dep int64
		if err := rows.Scan(&p, &l, &on, &res, &av, &dep); err != nil {
			rows.Close()
			return nil, err
		}
		if dep > 0 && l != 0 {
			get(p, 0).Deployed += dep
		} else {
			get(p, l).Deployed += dep
		}
		if on > 0 || res > 0 || av > 0 {
			it := get(p, l)
			it.OnHand, it.Reserved, it.Available = it.OnHand+on, it.Reserved+res, it.Available+av
		}
	}
	rows.Close()
	rows, err = conn.Raw("SELECT product_id, location_id, on_hand, reserved FROM stock_balances").Rows()
	if err != nil {
		return nil, fmt.Errorf("stock report: %w", err)
	}
	for rows.Next() {
		var p, l, on, res int64
		if err := rows.Scan(&p, &l, &on, &res); err != nil {
			rows.Close()
			return nil, err
		}
		it := get(p, l)
		it.OnHand, it.Reserved, it.Available = it.OnHand+on, it.Reserved+res, it.Available+on-res
	}
	rows.Close()
	type prod struct {
		sku     string
		reorder int64
	}
	prods := map[int64]prod{}
	rows, err = conn.Raw("SELECT id, sku, reorder_level FROM products").Rows()
	if err != nil {
		return nil, fmt.Errorf("stock report: %w", err)
	}
	for rows.Next() {
		var id int64
		var p prod
		if err := rows.Scan(&id, &p.sku, &p.reorder); err != nil {
			rows.Close()
			return nil, err
		}
		prods[id] = p
		get(id, 0) // every product shows, stock or not
	}
	rows.Close()
	avail := map[int64]int64{}
	for _, it := range items {
		avail[it.ProductID] += it.Available
	}
	out := make([]StockItem, 0, len(items))
	for _, it := range items {
		p := prods[it.ProductID]
		it.SKU, it.ReorderLevel = p.sku, p.reorder
		it.BelowReorder = p.reorder > 0 && avail[it.ProductID] < p.reorder
		if it.LocationID == nil && it.Deployed == 0 && it.OnHand == 0 && len(items) > 0 && hasLocated(items, it.ProductID) {
			continue // an empty deployed row beside located stock says nothing
		}
		out = append(out, *it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SKU != out[j].SKU {
			return out[i].SKU < out[j].SKU
		}
		return deref(out[i].LocationID) < deref(out[j].LocationID)
	})
	return out, nil
}

func hasLocated[K comparable](items map[K]*StockItem, product int64) bool {
	for _, it := range items {
		if it.ProductID == product && it.LocationID != nil {
			return true
		}
	}
	return false
}

// UtilisationItem is one product's deployed days over its owned days.
type UtilisationItem struct {
	ProductID      int64   `json:"product_id"`
	SKU            string  `json:"sku"`
	OwnedDays      int64   `json:"owned_days"`
	DeployedDays   int64   `json:"deployed_days"`
	UtilisationPct float64 `json:"utilisation_pct"`
}

// Utilisation is the utilisation per product over r (staff), from the device-days.
func (s *Service) Utilisation(ctx context.Context, r Range) ([]UtilisationItem, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	pts, err := ProductTotals(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	skus, err := productSKUs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UtilisationItem, 0, len(pts))
	for _, p := range pts {
		out = append(out, UtilisationItem{ProductID: p.ProductID, SKU: skus[p.ProductID], OwnedDays: p.Owned, DeployedDays: p.Deployed,
			UtilisationPct: pct(p.Deployed, p.Owned)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out, nil
}

func productSKUs(ctx context.Context) (map[int64]string, error) {
	rows, err := db.Conn(ctx).Raw("SELECT id, sku FROM products").Rows()
	if err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var sku string
		if err := rows.Scan(&id, &sku); err != nil {
			return nil, err
		}
		out[id] = sku
	}
	return out, rows.Err()
}

// LeadTimeItem is one member's orders delivered in the range and the hours from order
// placed to delivered: median and 90th percentile (nearest rank).
type LeadTimeItem struct {
	MemberID int64   `json:"member_id"`
	Orders   int64   `json:"orders"`
	P50Hours float64 `json:"p50_hours"`
	P90Hours float64 `json:"p90_hours"`
}

// LeadTimes is the lead-time report over r: orders delivered in it (staff).
func (s *Service) LeadTimes(ctx context.Context, r Range) ([]LeadTimeItem, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.Conn(ctx).Raw(`SELECT o.member_id, o.created_at, sh.delivered_at FROM orders o JOIN shipments sh ON sh.id = o.shipment_id
WHERE sh.delivered_at IS NOT NULL AND sh.delivered_at >= ? AND sh.delivered_at < ? ORDER BY o.member_id`,
		dayStart(r.From), dayEnd(r.To)).Rows()
	if err != nil {
		return nil, fmt.Errorf("lead times: %w", err)
	}
	defer rows.Close()
	hours := map[int64][]float64{}
	for rows.Next() {
		var m int64
		var placed, delivered time.Time
		if err := rows.Scan(&m, &placed, &delivered); err != nil {
			return nil, err
		}
		hours[m] = append(hours[m], delivered.Sub(placed).Hours())
	}
	out := []LeadTimeItem{}
	for m, hs := range hours {
		sort.Float64s(hs)
		out = append(out, LeadTimeItem{MemberID: m, Orders: int64(len(hs)), P50Hours: rank(hs, 50), P90Hours: rank(hs, 90)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MemberID < out[j].MemberID })
	return out, rows.Err()
}

// rank is the nearest-rank percentile p of sorted xs, to one decimal.
func rank(xs []float64, p int) float64 {
	i := int(math.Ceil(float64(p)/100*float64(len(xs)))) - 1
	if i < 0 {
		i = 0
	}
	return math.Round(xs[i]*10) / 10
}

// SLAItem is one priority's tickets received in the range and how many met their due
// times; compliance is the share that met both.
type SLAItem struct {
	Priority         string  `json:"priority"`
	Tickets          int64   `json:"tickets"`
	FirstResponseMet int64   `json:"first_response_met"`
	ResolutionMet    int64   `json:"resolution_met"`
	CompliancePct    float64 `json:"compliance_pct"`
}

// SLA is the SLA compliance report over r, by priority (staff).
func (s *Service) SLA(ctx context.Context, r Range) ([]SLAItem, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.Conn(ctx).Raw(`SELECT priority, COUNT(*),
  SUM(CASE WHEN first_response_at IS NOT NULL AND first_response_at <= first_response_due THEN 1 ELSE 0 END),
  SUM(CASE WHEN resolved_at IS NOT NULL AND resolved_at <= resolution_due THEN 1 ELSE 0 END),
  SUM(CASE WHEN first_response_at IS NOT NULL AND first_response_at <= first_response_due AND resolved_at IS NOT NULL AND resolved_at <= resolution_due THEN 1 ELSE 0 END)
FROM tickets WHERE received_at >= ? AND received_at < ? GROUP BY priority`, dayStart(r.From), dayEnd(r.To)).Rows()
	if err != nil {
		return nil, fmt.Errorf("sla report: %w", err)
	}
	defer rows.Close()
	got := map[string]SLAItem{}
	for rows.Next() {
		var it SLAItem
		var both int64
		if err := rows.Scan(&it.Priority, &it.Tickets, &it.FirstResponseMet, &it.ResolutionMet, &both); err != nil {
			return nil, err
		}
		it.CompliancePct = pct(both, it.Tickets)
		got[it.Priority] = it
	}
	out := []SLAItem{}
	for _, p := range []string{"critical", "high", "normal", "low"} {
		it, ok := got[p]
		if !ok {
			it = SLAItem{Priority: p}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// FailureItem is one product and vendor: device-fault tickets naming its devices in
// the range, and those tickets per 100 devices deployed on average over it.
type FailureItem struct {
	ProductID      int64   `json:"product_id"`
	SKU            string  `json:"sku"`
	VendorID       *int64  `json:"vendor_id"`
	Tickets        int64   `json:"tickets"`
	DeviceDays     int64   `json:"device_days"`
	Per100Deployed float64 `json:"per_100_deployed"`
}

// FailureRates is the failure-rate report over r (staff). A device's vendor is the
// vendor of the contract it was received under.
func (s *Service) FailureRates(ctx context.Context, r Range) ([]FailureItem, error) {
	if err := requireStaff(ctx); err != nil {
		return nil, err
	}
	vendorOf := map[int64]int64{}
	rows, err := db.Conn(ctx).Raw(`SELECT d.id, c.vendor_id FROM devices d JOIN receipts rc ON rc.id = d.receipt_id JOIN contracts c ON c.id = rc.contract_id`).Rows()
	if err != nil {
		return nil, fmt.Errorf("failure rates: %w", err)
	}
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return nil, err
		}
		vendorOf[id] = v
	}
	rows.Close()
	type key struct{ product, vendor int64 }
	items := map[key]*FailureItem{}
	get := func(p, v int64) *FailureItem {
		k := key{p, v}
		if items[k] == nil {
			items[k] = &FailureItem{ProductID: p}
			if v != 0 {
				items[k].VendorID = ptr(v)
			}
		}
		return items[k]
	}
	tots, err := DeviceTotals(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	for _, x := range tots {
		get(x.ProductID, vendorOf[x.DeviceID]).DeviceDays += x.Days
	}
	rows, err = db.Conn(ctx).Raw(`SELECT t.device_id, d.product_id FROM tickets t JOIN devices d ON d.id = t.device_id
WHERE t.category = 'device_fault' AND t.received_at >= ? AND t.received_at < ?`, dayStart(r.From), dayEnd(r.To)).Rows()
	if err != nil {
		return nil, fmt.Errorf("failure rates: %w", err)
	}
	for rows.Next() {
		var dev, p int64
		if err := rows.Scan(&dev, &p); err != nil {
			rows.Close()
			return nil, err
		}
		get(p, vendorOf[dev]).Tickets++
	}
	rows.Close()
	skus, err := productSKUs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FailureItem, 0, len(items))
	for _, it := range items {
		it.SKU = skus[it.ProductID]
		if it.DeviceDays > 0 {
			// tickets ÷ (device-days ÷ days) × 100
			it.Per100Deployed = math.Round(1000*float64(it.Tickets)*float64(r.Days())/float64(it.DeviceDays)) / 10
		}
		out = append(out, *it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SKU != out[j].SKU {
			return out[i].SKU < out[j].SKU
		}
		return deref(out[i].VendorID) < deref(out[j].VendorID)
	})
	return out, nil
}

// CostItem is what one member was billed for one scheme in one month by finalised
// runs (scheme_id null: adjustments, which belong to no scheme).
type CostItem struct {
	MemberID      int64  `json:"member_id"`
	SchemeID      *int64 `json:"scheme_id"`
	Period        string `json:"period"`
	UsageOre      int64  `json:"usage_ore"`
	EventOre      int64  `json:"event_ore"`
	ConsumableOre int64  `json:"consumable_ore"`
	SharedOre     int64  `json:"shared_ore"`
	AdjustmentOre int64  `json:"adjustment_ore"`
	TotalOre      int64  `json:"total_ore"`
}

// Costs is the costs report: the finalised runs of the months that overlap r, per
// member, scheme and month (staff; a member user its own rows only).
func (s *Service) Costs(ctx context.Context, r Range) ([]CostItem, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() && p.Role != auth.RoleMember {
		return nil, apperr.Forbidden("role %s may not read costs", p.Role)
	}
	q := db.Conn(ctx).Table("billing_lines l").Select("l.member_id, l.scheme_id, br.period, l.kind, SUM(l.amount_ore)").
		Joins("JOIN billing_runs br ON br.id = l.run_id").
		Where("br.status = ? AND br.period >= ? AND br.period <= ?", RunFinalized, PeriodOf(r.From).String(), PeriodOf(r.To).String()).
		Group("l.member_id, l.scheme_id, br.period, l.kind")
	if !p.IsStaff() {
		if p.MemberID == nil {
			return []CostItem{}, nil
		}
		q = q.Where("l.member_id = ?", *p.MemberID)
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, fmt.Errorf("costs report: %w", err)
	}
	defer rows.Close()
	type key struct {
		member, scheme int64
		period         string
	}
	items := map[key]*CostItem{}
	for rows.Next() {
		var m int64
		var sc *int64
		var period, kind string
		var sum int64
		if err := rows.Scan(&m, &sc, &period, &kind, &sum); err != nil {
			return nil, err
		}
		k := key{m, deref(sc), period}
		it := items[k]
		if it == nil {
			it = &CostItem{MemberID: m, SchemeID: sc, Period: period}
			items[k] = it
		}
		switch kind {
		case KindUsage:
			it.UsageOre += sum
		case KindEvent:
			it.EventOre += sum
		case KindConsumable:
			it.ConsumableOre += sum
		case KindShared:
			it.SharedOre += sum
		case KindAdjustment:
			it.AdjustmentOre += sum
		}
		it.TotalOre += sum
	}
	out := make([]CostItem, 0, len(items))
	for _, it := range items {
		out = append(out, *it)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.MemberID != b.MemberID {
			return a.MemberID < b.MemberID
		}
		return deref(a.SchemeID) < deref(b.SchemeID)
	})
	return out, rows.Err()
}
