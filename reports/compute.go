package reports

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
)

// memberInfo is a member and its figures valid on the period's last day.
type memberInfo struct {
	id                         int64
	code, name, ean            string
	inhabitants, inhabitants65 int64
}

// periodData is what a month's run reads besides prices: members with their figures on
// the last day, who takes part in each scheme that day, each scheme's products, and
// the device-days of the month.
type periodData struct {
	per            Period
	members        map[int64]*memberInfo
	schemeMembers  map[int64][]int64
	schemeProducts map[int64]map[int64]bool
	usage          map[[2]int64]int64 // member, product → device-days in the period
	dds            []DeviceDay
}

func loadPeriod(ctx context.Context, per Period) (*periodData, error) {
	pd := &periodData{per: per, members: map[int64]*memberInfo{}, schemeMembers: map[int64][]int64{},
		schemeProducts: map[int64]map[int64]bool{}, usage: map[[2]int64]int64{}}
	last := per.Last()
	conn := db.Conn(ctx)
	rows, err := conn.Raw("SELECT id, code, name, ean, inhabitants, inhabitants_65_plus FROM members").Rows()
	if err != nil {
		return nil, fmt.Errorf("period %s: members: %w", per, err)
	}
	for rows.Next() {
		m := &memberInfo{}
		if err := rows.Scan(&m.id, &m.code, &m.name, &m.ean, &m.inhabitants, &m.inhabitants65); err != nil {
			rows.Close()
			return nil, fmt.Errorf("period %s: members: %w", per, err)
		}
		pd.members[m.id] = m
	}
	rows.Close()
	// The figures valid on the last day: of each member the latest valid_from on or before it.
	var figs []contracts.Figures
	if err := conn.Where("valid_from <= ?", last).Order("member_id, valid_from").Find(&figs).Error; err != nil {
		return nil, fmt.Errorf("period %s: figures: %w", per, err)
	}
	for _, f := range figs {
		if m := pd.members[f.MemberID]; m != nil {
			m.inhabitants, m.inhabitants65 = f.Inhabitants, 0
			if f.Inhabitants65Plus != nil {
				m.inhabitants65 = *f.Inhabitants65Plus
			}
		}
	}
	var parts []contracts.Participation
	if err := conn.Select("id", "scheme_id", "member_id", "joined_on", "left_on").
		Where("joined_on <= ? AND (left_on IS NULL OR left_on > ?)", last, last).Order("scheme_id, member_id").Find(&parts).Error; err != nil {
		return nil, fmt.Errorf("period %s: participations: %w", per, err)
	}
	for _, p := range parts {
		pd.schemeMembers[p.SchemeID] = append(pd.schemeMembers[p.SchemeID], p.MemberID)
	}
	krows, err := conn.Raw("SELECT DISTINCT k.scheme_id, c.product_id FROM kits k JOIN kit_components c ON c.kit_id = k.id").Rows()
	if err != nil {
		return nil, fmt.Errorf("period %s: scheme products: %w", per, err)
	}
	for krows.Next() {
		var sid, pid int64
		if err := krows.Scan(&sid, &pid); err != nil {
			krows.Close()
			return nil, err
		}
		if pd.schemeProducts[sid] == nil {
			pd.schemeProducts[sid] = map[int64]bool{}
		}
		pd.schemeProducts[sid][pid] = true
	}
	krows.Close()
	if pd.dds, err = DeviceDays(ctx, per.First(), last); err != nil {
		return nil, err
	}
	for _, x := range pd.dds {
		pd.usage[[2]int64{x.MemberID, x.ProductID}] += x.Devices
	}
	return pd, nil
}

// participants returns the members taking part in scheme on the period's last day,
// with their figures and their device-days in the scheme's products.
func (pd *periodData) participants(scheme int64) []participant {
	var out []participant
	for _, id := range pd.schemeMembers[scheme] {
		m := pd.members[id]
		if m == nil {
			continue
		}
		p := participant{id: id, code: m.code, inhabitants: m.inhabitants, inhabitants65Plus: m.inhabitants65}
		for pid := range pd.schemeProducts[scheme] {
			p.usage += pd.usage[[2]int64{id, pid}]
		}
		out = append(out, p)
	}
	return out
}

// contractInfo is what a line names of its contract.
type contractInfo struct {
	id       int64
	number   string
	schemeID *int64
}

// computed is a run's result before it is stored.
type computed struct {
	lines    []Line
	unbilled []Unbilled
	devices  []DeviceTotal
}

// lineKey groups what becomes one line.
type lineKey struct {
	member, contract, product, unit int64
	kind, event                     string
}

// compute works out every statement of period per from today's data. It reads only;
// the caller stores the result.
func (s *Service) compute(ctx context.Context, per Period) (*computed, error) {
	pd, err := loadPeriod(ctx, per)
	if err != nil {
		return nil, err
	}
	book, cinfo, err := loadPriceBook(ctx)
	if err != nil {
		return nil, err
	}
	products, err := productNames(ctx)
	if err != nil {
		return nil, err
	}
	out := &computed{}
	qty := map[lineKey]int64{}
	unb := map[lineKey]int64{} // contract 0
	var buf []contracts.ContractPrice
	cheapestFirst := func(cps []contracts.ContractPrice) contracts.ContractPrice {
		best := cps[0]
		for _, cp := range cps[1:] {
			if cp.ContractID < best.ContractID {
				best = cp
			}
		}
		return best
	}

	// Usage: device-days at the monthly price of the contract that prices the product
	// for the member that day (the lowest contract id if several do).
	for _, x := range pd.dds {
		buf = book.AppendParticipating(buf[:0], x.MemberID, x.Day, contracts.PriceItem{Kind: contracts.PriceMonthly, ProductID: x.ProductID})
		if len(buf) == 0 {
			unb[lineKey{kind: KindUsage, member: x.MemberID, product: x.ProductID}] += x.Devices
			continue
		}
		cp := cheapestFirst(buf)
		qty[lineKey{kind: KindUsage, member: x.MemberID, product: x.ProductID, contract: cp.ContractID, unit: cp.AmountOre}] += x.Devices
	}

	// Events: each at the event price of every contract of the member that prices it.
	evs, err := monthEvents(ctx, per)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		buf = book.AppendParticipating(buf[:0], e.member, e.day, contracts.PriceItem{Kind: contracts.PriceEvent, Event: contracts.Event(e.event), ProductID: e.product})
		if len(buf) == 0 {
			unb[lineKey{kind: KindEvent, member: e.member, product: e.product, event: e.event}]++
			continue
		}
		for _, cp := range buf {
			qty[lineKey{kind: KindEvent, member: e.member, product: e.product, event: e.event, contract: cp.ContractID, unit: cp.AmountOre}]++
		}
	}

	// Consumables: quantities shipped at the purchase price.
	cons, err := monthConsumables(ctx, per)
	if err != nil {
		return nil, err
	}
	for _, c := range cons {
		buf = book.AppendParticipating(buf[:0], c.member, c.day, contracts.PriceItem{Kind: contracts.PricePurchase, ProductID: c.product})
		if len(buf) == 0 {
			unb[lineKey{kind: KindConsumable, member: c.member, product: c.product}] += c.qty
			continue
		}
		cp := cheapestFirst(buf)
		qty[lineKey{kind: KindConsumable, member: c.member, product: c.product, contract: cp.ContractID, unit: cp.AmountOre}] += c.qty
	}

	days := per.Days()
	for k, q := range qty {
		if pd.members[k.member] == nil || q == 0 {
			continue
		}
		ci := cinfo[k.contract]
		l := Line{MemberID: k.member, Kind: k.kind, ContractID: ptr(k.contract), SchemeID: ci.schemeID, Event: k.event,
			Quantity: q, UnitOre: k.unit}
		if k.product != 0 {
			l.ProductID = ptr(k.product)
		}
		pname := products[k.product]
		switch k.kind {
		case KindUsage:
			if l.AmountOre, err = money.MulDivRound(k.unit, q, days); err != nil {
				return nil, fmt.Errorf("usage of member %d: %w", k.member, err)
			}
			l.setWords(say(LineUsage, pname, q, k.unit, days, ci.number))
			l.Basis = jsonOf(map[string]any{"contract_number": ci.number, "monthly_ore": k.unit, "device_days": q, "days_in_month": days})
		default:
			if l.AmountOre, err = money.Mul(k.unit, q); err != nil {
				return nil, fmt.Errorf("%s of member %d: %w", k.kind, k.member, err)
			}
			switch {
			case k.kind == KindConsumable:
				l.setWords(say(LineConsumable, pname, q, k.unit, ci.number))
			case pname != "":
				l.setWords(say(LineEventProduct, k.event, pname, q, k.unit, ci.number))
			default:
				l.setWords(say(LineEvent, k.event, q, k.unit, ci.number))
			}
			l.Basis = jsonOf(map[string]any{"contract_number": ci.number, "unit_ore": k.unit, "quantity": q})
		}
		out.lines = append(out.lines, l)
	}
	for k, q := range unb {
		u := Unbilled{Kind: k.kind, Event: k.event, Quantity: q}
		u.MemberID = ptr(k.member)
		if k.product != 0 {
			u.ProductID = ptr(k.product)
		}
		switch {
		case k.member == 0:
			u.MemberID = nil
			u.setWords(say(UnbilledNoMember, q, k.event))
		case k.kind == KindUsage:
			u.setWords(say(UnbilledNoMonthlyPrice, q, products[k.product]))
		case k.kind == KindEvent:
			u.setWords(say(UnbilledNoEventPrice, q, k.event))
		case k.kind == KindConsumable:
			u.setWords(say(UnbilledNoPurchasePrice, q, products[k.product]))
		}
		out.unbilled = append(out.unbilled, u)
	}

	// Shared: each pool split among the scheme's participants on the last day.
	if err := s.sharedLines(ctx, pd, out); err != nil {
		return nil, err
	}
	// Adjustments, as they are.
	var adjs []Adjustment
	if err := db.Conn(ctx).Where("period = ?", per.String()).Order("id").Find(&adjs).Error; err != nil {
		return nil, fmt.Errorf("adjustments of %s: %w", per, err)
	}
	for _, a := range adjs {
		if pd.members[a.MemberID] == nil {
			continue
		}
		b := map[string]any{"adjustment_id": a.ID}
		if a.CorrectsRunID != nil {
			b["corrects_run_id"] = *a.CorrectsRunID
		}
		l := Line{MemberID: a.MemberID, Kind: KindAdjustment, AdjustmentID: ptr(a.ID), Quantity: 1, UnitOre: a.AmountOre, AmountOre: a.AmountOre, Basis: jsonOf(b)}
		l.setWords(say(LineAdjustment, a.Description))
		out.lines = append(out.lines, l)
	}

	sortLines(out.lines, pd.members)
	sort.Slice(out.unbilled, func(i, j int) bool {
		a, b := out.unbilled[i], out.unbilled[j]
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		if x, y := deref(a.MemberID), deref(b.MemberID); x != y {
			return x < y
		}
		if x, y := deref(a.CostPoolID), deref(b.CostPoolID); x != y {
			return x < y
		}
		if a.Event != b.Event {
			return a.Event < b.Event
		}
		return deref(a.ProductID) < deref(b.ProductID)
	})
	for i := range out.unbilled {
		out.unbilled[i].Seq = i + 1
	}
	if out.devices, err = DeviceTotals(ctx, per.First(), per.Last()); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) sharedLines(ctx context.Context, pd *periodData, out *computed) error {
	var pools []CostPool
	if err := db.Conn(ctx).Where("period = ?", pd.per.String()).Order("id").Find(&pools).Error; err != nil {
		return fmt.Errorf("pools of %s: %w", pd.per, err)
	}
	keys, err := loadKeys(ctx, 0)
	if err != nil {
		return err
	}
	byID := map[int64]*AllocationKey{}
	for i := range keys {
		byID[keys[i].ID] = &keys[i]
	}
	for _, pool := range pools {
		k := byID[pool.AllocationKeyID]
		sp, err := splitPool(k, pd.participants(pool.SchemeID), pool.AmountOre)
		if err != nil {
			u := Unbilled{Kind: KindShared, SchemeID: ptr(pool.SchemeID), CostPoolID: ptr(pool.ID), Quantity: 1}
			u.setWords(say(UnbilledNoSplit, pool.Name, pool.AmountOre, k.Code, err.Error(), errorCode(err)))
			out.unbilled = append(out.unbilled, u)
			continue
		}
		for _, sh := range sp.Shares {
			if sh.AmountOre == 0 {
				continue
			}
			basis := map[string]any{"pool": pool.Name, "pool_amount_ore": pool.AmountOre, "key_code": k.Code, "key_name": k.Name,
				"weights": k.Weights, "factors": sp.Factors, "fraction": sh.Fraction, "inhabitants": sh.Inhabitants,
				"inhabitants_65_plus": sh.Inhabitants65Plus, "usage": sh.Usage}
			words := say(LineShared, pool.Name, sh.Fraction, pool.AmountOre, k.Code)
			if sh.Fixed != nil {
				basis["fixed_share_bp"] = *sh.Fixed
				words = say(LineSharedFixed, pool.Name, *sh.Fixed, pool.AmountOre, k.Code)
			}
			l := Line{MemberID: sh.MemberID, Kind: KindShared, SchemeID: ptr(pool.SchemeID), CostPoolID: ptr(pool.ID),
				Quantity: 1, UnitOre: sh.AmountOre, AmountOre: sh.AmountOre, Basis: jsonOf(basis)}
			l.setWords(words)
			out.lines = append(out.lines, l)
		}
	}
	return nil
}

// sortLines orders lines by member code, kind, pool, adjustment, scheme, contract,
// event, product and price, and numbers them per member: the same data always gives
// the same statement.
func sortLines(ls []Line, members map[int64]*memberInfo) {
	sort.SliceStable(ls, func(i, j int) bool {
		a, b := &ls[i], &ls[j]
		if a.MemberID != b.MemberID {
			return lessCode(members[a.MemberID].code, members[b.MemberID].code)
		}
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		for _, p := range [][2]*int64{{a.CostPoolID, b.CostPoolID}, {a.AdjustmentID, b.AdjustmentID}, {a.SchemeID, b.SchemeID}, {a.ContractID, b.ContractID}} {
			if x, y := deref(p[0]), deref(p[1]); x != y {
				return x < y
			}
		}
		if a.Event != b.Event {
			return a.Event < b.Event
		}
		if x, y := deref(a.ProductID), deref(b.ProductID); x != y {
			return x < y
		}
		return a.UnitOre < b.UnitOre
	})
	seq := 0
	for i := range ls {
		if i == 0 || ls[i].MemberID != ls[i-1].MemberID {
			seq = 0
		}
		seq++
		ls[i].Seq = seq
	}
}

func ptr[T any](v T) *T { return &v }

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// loadPriceBook reads every contract's prices, term and participants with this
// package's own queries and builds contracts' in-memory price book from them.
func loadPriceBook(ctx context.Context) (*contracts.PriceBook, map[int64]contractInfo, error) {
	conn := db.Conn(ctx)
	var prices []contracts.Price
	if err := conn.Order("contract_id, kind, product_id, event, valid_from").Find(&prices).Error; err != nil {
		return nil, nil, fmt.Errorf("price book: prices: %w", err)
	}
	var cs []contracts.Contract
	if err := conn.Select("id", "number", "scheme_id", "starts_on", "ends_on").Find(&cs).Error; err != nil {
		return nil, nil, fmt.Errorf("price book: contracts: %w", err)
	}
	var ps []contracts.ContractParticipant
	if err := conn.Select("id", "contract_id", "member_id", "joined_on", "left_on").Order("member_id, joined_on").Find(&ps).Error; err != nil {
		return nil, nil, fmt.Errorf("price book: participants: %w", err)
	}
	info := make(map[int64]contractInfo, len(cs))
	for _, c := range cs {
		info[c.ID] = contractInfo{id: c.ID, number: c.Number, schemeID: c.SchemeID}
	}
	return contracts.NewPriceBook(prices, cs, ps), info, nil
}

// productNames returns "name (SKU)" of every product by id.
func productNames(ctx context.Context) (map[int64]string, error) {
	rows, err := db.Conn(ctx).Raw("SELECT id, sku, name FROM products").Rows()
	if err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var sku, name string
		if err := rows.Scan(&id, &sku, &name); err != nil {
			return nil, err
		}
		out[id] = name + " (" + sku + ")"
	}
	return out, rows.Err()
}

// billableEvent is one event of the month: a shipment or pickup booked, a device
// received into cleaning, a ticket opened.
type billableEvent struct {
	member, product int64
	event           string
	day             civil.Date
}

func monthEvents(ctx context.Context, per Period) ([]billableEvent, error) {
	from, to := dayStart(per.First()), dayEnd(per.Last())
	conn := db.Conn(ctx)
	var out []billableEvent
	scan := func(what, q string, args ...any) error {
		rows, err := conn.Raw(q, args...).Rows()
		if err != nil {
			return fmt.Errorf("%s of %s: %w", what, per, err)
		}
		defer rows.Close()
		for rows.Next() {
			var e billableEvent
			var member, product *int64
			var at time.Time
			if err := rows.Scan(&member, &product, &e.event, &at); err != nil {
				return fmt.Errorf("%s of %s: %w", what, per, err)
			}
			e.member, e.product, e.day = deref(member), deref(product), civil.Of(at)
			out = append(out, e)
		}
		return rows.Err()
	}
	if err := scan("shipments", `SELECT member_id, NULL, CASE WHEN direction = 'outbound' THEN 'shipment' ELSE 'pickup' END, booked_at
FROM shipments WHERE booked_at >= ? AND booked_at < ? ORDER BY id`, from, to); err != nil {
		return nil, err
	}
	if err := scan("cleanings", `SELECT COALESCE(e.member_id, r.member_id), d.product_id, 'cleaning', e.at
FROM device_events e JOIN devices d ON d.id = e.device_id LEFT JOIN returns r ON r.id = e.return_id
WHERE e.to_state = 'cleaning' AND e.at >= ? AND e.at < ? ORDER BY e.id`, from, to); err != nil {
		return nil, err
	}
	if err := scan("tickets", `SELECT t.member_id, d.product_id, 'ticket', t.received_at
FROM tickets t LEFT JOIN devices d ON d.id = t.device_id WHERE t.received_at >= ? AND t.received_at < ? ORDER BY t.id`, from, to); err != nil {
		return nil, err
	}
	return out, nil
}

// consumable is a quantity of a product shipped to a member on a day.
type consumable struct {
	member, product, qty int64
	day                  civil.Date
}

func monthConsumables(ctx context.Context, per Period) ([]consumable, error) {
	rows, err := db.Conn(ctx).Raw(`SELECT o.member_id, m.product_id, -m.delta_on_hand, m.at
FROM stock_movements m JOIN orders o ON o.id = m.order_id JOIN products p ON p.id = m.product_id
WHERE m.kind = 'shipped' AND p.tracking = 'quantity' AND m.at >= ? AND m.at < ? ORDER BY m.id`,
		dayStart(per.First()), dayEnd(per.Last())).Rows()
	if err != nil {
		return nil, fmt.Errorf("consumables of %s: %w", per, err)
	}
	defer rows.Close()
	var out []consumable
	for rows.Next() {
		var c consumable
		var at time.Time
		if err := rows.Scan(&c.member, &c.product, &c.qty, &at); err != nil {
			return nil, fmt.Errorf("consumables of %s: %w", per, err)
		}
		c.day = civil.Of(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
