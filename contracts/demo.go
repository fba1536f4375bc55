package contracts

import (
	"context"
	"fmt"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

// DemoInput is what the contracts demo builds on: the demo's members by code, schemes
// by code and products by SKU (what is missing is left out), and the day that is today.
type DemoInput struct {
	Today    civil.Date
	Members  map[string]int64
	Schemes  map[string]int64
	Products map[string]int64
}

// Demo is what LoadDemo made: vendors by CVR and contracts by number.
type Demo struct {
	Vendors   map[string]*Vendor
	Contracts map[string]*Contract
}

// The demo's vendors are fictitious; their CVR numbers pass the check but belong to
// nobody we know of.
var demoVendors = []NewVendor{
	{Name: "Nordisk Telemedicin A/S", CVR: "31415926", Email: "ordre@nordisk-telemedicin.example", Phone: "+45 70 10 20 30", Contact: "Mette Lund"},
	{Name: "DoseVagt ApS", CVR: "16180335", Email: "salg@dosevagt.example", Phone: "+45 86 12 34 56", Contact: "Peter Holm"},
	{Name: "StomaDirekte A/S", CVR: "41421355", Email: "kunde@stomadirekte.example", Phone: "+45 75 55 44 33", Contact: "Hanne Krog"},
	{Name: "Jysk Sundhedslogistik A/S", CVR: "17320505", Email: "booking@jysk-logistik.example", Phone: "+45 87 00 11 22", Contact: "Jens Vestergaard"},
	{Name: "KontaktCenter Midt A/S", CVR: "22360671", Email: "drift@kontaktcenter-midt.example", Phone: "+45 89 40 50 60", Contact: "Louise Bach"},
	{Name: "RenTek Hygiejne ApS", CVR: "33166249", Email: "service@rentek.example", Phone: "+45 97 12 12 12", Contact: "Ole Madsen"},
}

type demoContract struct {
	number, title, vendorCVR, scheme, tender string
	endsInMonths                             int // from today, rounded to the month's end
	years, noticeMonths                      int
	extensions                               []int
	sla                                      *SLA
	prices                                   []demoPrice
	deadlineInDays                           int // > 0: end so that the notice deadline is this many days ahead
}

type demoPrice struct {
	sku   string // "" for an event fee without product
	kind  PriceKind
	event Event
	ore   int64
}

var demoContracts = []demoContract{
	{number: "FSC-2022-001", title: "Telemonitoreringsudstyr KOL", vendorCVR: "31415926", scheme: "copd", tender: "EU-udbud 2021/S 214-563412",
		endsInMonths: 14, years: 4, noticeMonths: 6, extensions: []int{12, 12}, sla: &SLA{ResponseHours: 4, ResolutionHours: 24},
		prices: []demoPrice{{"TAB-SAM-A9", PricePurchase, "", 219500}, {"TAB-SAM-A9", PriceMonthly, "", 4900}, {"TAB-LEN-M10", PricePurchase, "", 189500},
			{"TAB-LEN-M10", PriceMonthly, "", 4500}, {"OXI-NONIN-3230", PricePurchase, "", 129500}, {"OXI-NONIN-3230", PriceMonthly, "", 2900},
			{"BP-AND-UA651", PricePurchase, "", 89500}, {"BP-AND-UA651", PriceMonthly, "", 1900}, {"SCALE-AND-UC352", PricePurchase, "", 69500},
			{"SCALE-AND-UC352", PriceMonthly, "", 1500}, {"CONS-BATT-AA", PricePurchase, "", 2400}}},
	{number: "FSC-2022-002", title: "Medicindispensere", vendorCVR: "16180335", scheme: "medicine", tender: "EU-udbud 2021/S 233-611020",
		years: 3, noticeMonths: 3, extensions: []int{12}, sla: &SLA{ResponseHours: 2, ResolutionHours: 8}, deadlineInDays: 45,
		prices: []demoPrice{{"DISP-EVONDOS-E300", PricePurchase, "", 1495000}, {"DISP-EVONDOS-E300", PriceMonthly, "", 39500}, {"CONS-DISP-ROLL", PricePurchase, "", 14900}}},
	{number: "FSC-2023-001", title: "Stomiprodukter", vendorCVR: "41421355", scheme: "stoma", tender: "SKI 50.40 miniudbud 2022-17",
		endsInMonths: 26, years: 4, noticeMonths: 6, extensions: []int{24},
		prices: []demoPrice{{"STOMA-BAG-50", PricePurchase, "", 38900}}},
	{number: "FSC-2021-004", title: "Transport til og fra borgere", vendorCVR: "17320505", tender: "EU-udbud 2020/S 180-433871",
		endsInMonths: 10, years: 5, noticeMonths: 6, extensions: []int{12, 12}, sla: &SLA{ResponseHours: 24, ResolutionHours: 72},
		prices: []demoPrice{{"", PriceEvent, EventShipment, 18900}, {"", PriceEvent, EventPickup, 16900}}},
	{number: "FSC-2023-002", title: "Callcenter, 1. linje", vendorCVR: "22360671", tender: "EU-udbud 2022/S 101-285003",
		endsInMonths: 23, years: 3, noticeMonths: 6, extensions: []int{12}, sla: &SLA{ResponseHours: 1, ResolutionHours: 8},
		prices: []demoPrice{{"", PriceEvent, EventTicket, 6500}}},
	{number: "FSC-2024-001", title: "Rengøring og klargøring af udstyr", vendorCVR: "33166249", tender: "Direkte tildeling under tærskelværdi",
		endsInMonths: 8, years: 2, noticeMonths: 3,
		prices: []demoPrice{{"", PriceEvent, EventCleaning, 9500}, {"DISP-EVONDOS-E300", PriceEvent, EventCleaning, 24500}}},
}

// LoadDemo adds realistic vendors and contracts (one per scheme, plus transport, call
// centre and cleaning for all schemes) with price lists (a price from the start and an
// indexed one a year on), participants (a scheme contract's are the scheme's; the rest
// have every member), terms ending 8 to 26 months from today, and one contract whose
// notice deadline is 45 days ahead. What
// exists already (a CVR, a contract number) is left as it is.
func (s *Service) LoadDemo(ctx context.Context, in DemoInput) (*Demo, error) {
	ctx = auth.WithPrincipal(ctx, auth.System)
	out := &Demo{Vendors: map[string]*Vendor{}, Contracts: map[string]*Contract{}}
	for _, nv := range demoVendors {
		v, err := s.CreateVendor(ctx, nv)
		if apperr.Is(err, apperr.KindConflict) {
			v = &Vendor{}
			err = db.Conn(ctx).Where("cvr = ?", nv.CVR).Take(v).Error
		}
		if err != nil {
			return nil, fmt.Errorf("demo vendor %s: %w", nv.Name, err)
		}
		out.Vendors[nv.CVR] = v
	}
	for _, dc := range demoContracts {
		c, err := s.demoContract(ctx, in, out.Vendors[dc.vendorCVR].ID, dc)
		if err != nil {
			return nil, fmt.Errorf("demo contract %s: %w", dc.number, err)
		}
		if c != nil {
			out.Contracts[dc.number] = c
		}
	}
	return out, nil
}

// demoContract creates one demo contract with its prices and participants, or returns
// nil when its number exists.
func (s *Service) demoContract(ctx context.Context, in DemoInput, vendorID int64, dc demoContract) (*Contract, error) {
	ends := monthEnd(in.Today.AddMonths(dc.endsInMonths))
	if dc.deadlineInDays > 0 {
		ends = in.Today.AddDays(dc.deadlineInDays).AddMonths(dc.noticeMonths)
	}
	starts := ends.AddMonths(-12 * dc.years).AddDays(1)
	nc := NewContract{Number: dc.number, Title: dc.title, VendorID: vendorID, TenderRef: dc.tender,
		StartsOn: starts, EndsOn: ends, NoticeMonths: &dc.noticeMonths, SLA: dc.sla}
	if id, ok := in.Schemes[dc.scheme]; ok {
		nc.SchemeID = &id
	}
	for _, m := range dc.extensions {
		nc.Extensions = append(nc.Extensions, NewExtension{Months: m})
	}
	c, err := s.CreateContract(ctx, nc)
	if apperr.Is(err, apperr.KindConflict) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, p := range dc.prices {
		np := NewPrice{Kind: p.kind, Event: p.event}
		if p.sku != "" {
			id, ok := in.Products[p.sku]
			if !ok {
				continue
			}
			np.ProductID = &id
		}
		for i, from := range []civil.Date{starts, starts.AddMonths(12)} {
			amount := p.ore + p.ore*int64(i)*3/100 // indexed 3 % after a year
			np.AmountOre, np.ValidFrom = &amount, from
			if _, err := s.AddPrice(ctx, c.ID, np); err != nil {
				return nil, err
			}
		}
	}
	return c, s.demoParticipants(ctx, in, c, dc.scheme)
}

func (s *Service) demoParticipants(ctx context.Context, in DemoInput, c *Contract, scheme string) error {
	if schemeID, ok := in.Schemes[scheme]; ok {
		ps, err := listParticipations(ctx, participationFilter{SchemeID: schemeID})
		if err != nil {
			return err
		}
		for _, p := range ps {
			joined := p.JoinedOn
			if joined.Before(c.StartsOn) {
				joined = c.StartsOn
			}
			if !p.LeftOn.IsZero() && !p.LeftOn.After(joined) {
				continue
			}
			if _, err := s.AddParticipant(ctx, c.ID, NewParticipation{MemberID: p.MemberID, JoinedOn: joined, LeftOn: p.LeftOn}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, id := range in.Members {
		if _, err := s.AddParticipant(ctx, c.ID, NewParticipation{MemberID: id, JoinedOn: c.StartsOn}); err != nil {
			return err
		}
	}
	return nil
}

// monthEnd returns the last day of d's month.
func monthEnd(d civil.Date) civil.Date {
	first := civil.MustParse(d.String()[:8] + "01")
	return first.AddMonths(1).AddDays(-1)
}
