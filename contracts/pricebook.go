package contracts

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// PriceBook is the price lists, terms and participants of a set of contracts, loaded
// once and then read without a query: billing asks it for millions of device-days. It
// is immutable, so one book serves any number of goroutines.
//
// Each item of each contract is a series of (day, amount) sorted by day; "the price in
// force on D" is a binary search for the last day ≤ D. Days are counted from 1970-01-01
// so a series is two flat slices.
type PriceBook struct {
	index     u64Table // contract id → position in contracts
	contracts []contractBook
	members   map[int64][]membership // by member id
}

// contractBook is one contract's term and price series, by item key (see itemKey).
type contractBook struct {
	id     int64
	term   term
	items  u64Table // item key → position in series
	series []series
}

type series struct {
	from   []int32 // valid_from as day numbers, ascending
	amount []int64
}

type term struct{ from, to int32 } // both included

type membership struct {
	contract int64
	from, to int32 // [from, to); to is math.MaxInt32 when open-ended
}

// itemKey packs an item into one integer: the product id above a byte that says the
// kind, and for kind event the event. ok is false for a kind or event no price can have.
func itemKey(it PriceItem) (key uint64, ok bool) {
	var code uint64
	switch it.Kind {
	case PricePurchase:
		code = 1
	case PriceMonthly:
		code = 2
	case PriceEvent:
		switch it.Event {
		case EventShipment:
			code = 3
		case EventPickup:
			code = 4
		case EventCleaning:
			code = 5
		case EventTicket:
			code = 6
		default:
			return 0, false
		}
	default:
		return 0, false
	}
	return uint64(it.ProductID)<<8 | code, true
}

// ContractPrice is a contract and the amount one of its prices asks.
type ContractPrice struct {
	ContractID int64
	AmountOre  int64
}

var epoch = civil.MustParse("1970-01-01")

func dayNumber(d civil.Date) int32 { return int32(epoch.DaysUntil(d)) }

// LoadPriceBook reads the prices, terms and participants of the contracts ids, or of
// every contract when none is given, in three queries (staff and the system).
func (s *Service) LoadPriceBook(ctx context.Context, ids ...int64) (*PriceBook, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	only := func(col string) func(q *gorm.DB) *gorm.DB {
		return func(q *gorm.DB) *gorm.DB {
			if len(ids) > 0 {
				return q.Where(col+" IN ?", ids)
			}
			return q
		}
	}
	var prices []Price
	if err := only("contract_id")(db.Conn(ctx)).Order("contract_id, kind, product_id, event, valid_from").Find(&prices).Error; err != nil {
		return nil, fmt.Errorf("load price book: prices: %w", err)
	}
	var cs []Contract
	if err := only("id")(db.Conn(ctx).Select("id", "starts_on", "ends_on")).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("load price book: contracts: %w", err)
	}
	var ps []ContractParticipant
	if err := only("contract_id")(db.Conn(ctx)).Order("member_id, joined_on").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("load price book: participants: %w", err)
	}
	return NewPriceBook(prices, cs, ps), nil
}

// NewPriceBook builds a book from prices, the contracts' terms and their participants,
// in any order. Prices of contracts not in contracts are kept, with an empty term.
func NewPriceBook(prices []Price, contracts []Contract, participants []ContractParticipant) *PriceBook {
	type building struct {
		term   term
		series map[uint64]*series
	}
	byID := map[int64]*building{}
	get := func(id int64) *building {
		x := byID[id]
		if x == nil {
			x = &building{term: term{from: math.MaxInt32, to: math.MinInt32}, series: map[uint64]*series{}}
			byID[id] = x
		}
		return x
	}
	for _, c := range contracts {
		get(c.ID).term = term{from: dayNumber(c.StartsOn), to: dayNumber(c.EndsOn)}
	}
	for _, p := range prices {
		k, ok := itemKey(p.Item())
		if !ok {
			continue // the database's CHECK allows no such price
		}
		x := get(p.ContractID)
		sr := x.series[k]
		if sr == nil {
			sr = &series{}
			x.series[k] = sr
		}
		sr.from = append(sr.from, dayNumber(p.ValidFrom))
		sr.amount = append(sr.amount, p.AmountOre)
	}
	b := &PriceBook{index: newU64Table(len(byID)), members: map[int64][]membership{}}
	for id, x := range byID {
		cb := contractBook{id: id, term: x.term, items: newU64Table(len(x.series))}
		for k, sr := range x.series {
			sort.Sort(sr)
			cb.items.put(k, int32(len(cb.series)))
			cb.series = append(cb.series, *sr)
		}
		b.index.put(uint64(id), int32(len(b.contracts)))
		b.contracts = append(b.contracts, cb)
	}
	for _, p := range participants {
		m := membership{contract: p.ContractID, from: dayNumber(p.JoinedOn), to: math.MaxInt32}
		if !p.LeftOn.IsZero() {
			m.to = dayNumber(p.LeftOn)
		}
		b.members[p.MemberID] = append(b.members[p.MemberID], m)
	}
	return b
}

// contract returns the book of contract id, or nil.
func (b *PriceBook) contract(id int64) *contractBook {
	if id <= 0 {
		return nil
	}
	i := b.index.get(uint64(id))
	if i < 0 {
		return nil
	}
	return &b.contracts[i]
}

func (s *series) Len() int           { return len(s.from) }
func (s *series) Less(i, j int) bool { return s.from[i] < s.from[j] }
func (s *series) Swap(i, j int) {
	s.from[i], s.from[j] = s.from[j], s.from[i]
	s.amount[i], s.amount[j] = s.amount[j], s.amount[i]
}

// on returns the amount in force on day d: of the last entry from on or before d.
func (s *series) on(d int32) (int64, bool) {
	lo, hi := 0, len(s.from) // the first entry after d is at lo when the loop ends
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.from[mid] <= d {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return 0, false
	}
	return s.amount[lo-1], true
}

// Price returns what item costs under contract contractID on day d, as PriceOn would,
// and false when the price list has no price for it in force then. It does not look at
// the contract's term.
func (b *PriceBook) Price(contractID int64, item PriceItem, d civil.Date) (int64, bool) {
	return b.price(contractID, item, dayNumber(d))
}

func (b *PriceBook) price(contractID int64, item PriceItem, d int32) (int64, bool) {
	cb := b.contract(contractID)
	if cb == nil {
		return 0, false
	}
	return cb.price(item, d)
}

func (cb *contractBook) price(item PriceItem, d int32) (int64, bool) {
	k, ok := itemKey(item)
	if !ok {
		return 0, false
	}
	if i := cb.items.get(k); i >= 0 {
		if a, ok := cb.series[i].on(d); ok {
			return a, true
		}
	}
	if item.Kind == PriceEvent && item.ProductID != 0 { // the fee without product
		if i := cb.items.get(k & 0xff); i >= 0 {
			return cb.series[i].on(d)
		}
	}
	return 0, false
}

// Participating returns the contracts that member memberID takes part in on day d, in
// force that day, and that price item then, with the amount each asks: who bills a
// member for a device-day of a product or for an event.
func (b *PriceBook) Participating(memberID int64, d civil.Date, item PriceItem) []ContractPrice {
	return b.AppendParticipating(nil, memberID, d, item)
}

// AppendParticipating is Participating appending to dst, so a billing loop reuses one
// slice and allocates nothing.
func (b *PriceBook) AppendParticipating(dst []ContractPrice, memberID int64, d civil.Date, item PriceItem) []ContractPrice {
	day := dayNumber(d)
	for _, m := range b.members[memberID] {
		if day < m.from || day >= m.to {
			continue
		}
		cb := b.contract(m.contract)
		if cb == nil || day < cb.term.from || day > cb.term.to {
			continue
		}
		if a, ok := cb.price(item, day); ok {
			dst = append(dst, ContractPrice{ContractID: m.contract, AmountOre: a})
		}
	}
	return dst
}
