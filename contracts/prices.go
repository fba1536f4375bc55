package contracts

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

// PriceKind is what a price is paid for: buying a product, each month a device of a
// product is deployed, or an event.
type PriceKind string

const (
	PricePurchase PriceKind = "purchase"
	PriceMonthly  PriceKind = "monthly"
	PriceEvent    PriceKind = "event"
)

// PriceKinds lists the kinds.
var PriceKinds = []PriceKind{PricePurchase, PriceMonthly, PriceEvent}

// Event is a chargeable event with a fee of its own.
type Event string

const (
	EventShipment Event = "shipment"
	EventPickup   Event = "pickup"
	EventCleaning Event = "cleaning"
	EventTicket   Event = "ticket"
)

// Events lists the events.
var Events = []Event{EventShipment, EventPickup, EventCleaning, EventTicket}

// MaxAmountOre bounds a price: 100 million kroner.
const MaxAmountOre = 10_000_000_000

// Price is one dated entry of a contract's price list: from ValidFrom on, until a later
// entry for the same item, the item costs AmountOre. ProductID is set for purchase and
// monthly prices, and optionally for an event fee that applies to one product only.
type Price struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	ContractID int64      `json:"contract_id"`
	ProductID  *int64     `json:"product_id"`
	Kind       PriceKind  `json:"kind"`
	Event      Event      `json:"event,omitempty"`
	AmountOre  int64      `json:"amount_ore"`
	ValidFrom  civil.Date `json:"valid_from"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
}

// TableName keeps the table name stable.
func (Price) TableName() string { return "contract_prices" }

// Item returns what the price is for.
func (p Price) Item() PriceItem {
	it := PriceItem{Kind: p.Kind, Event: p.Event}
	if p.ProductID != nil {
		it.ProductID = *p.ProductID
	}
	return it
}

// PriceItem names what a price is for: a kind, the product (0 for none) and the event
// (only for kind event).
type PriceItem struct {
	Kind      PriceKind
	ProductID int64
	Event     Event
}

// Purchase is the item "buying product id".
func Purchase(productID int64) PriceItem { return PriceItem{Kind: PricePurchase, ProductID: productID} }

// Monthly is the item "a month of a deployed device of product id".
func Monthly(productID int64) PriceItem { return PriceItem{Kind: PriceMonthly, ProductID: productID} }

// EventFee is the item "event e", for product id or (0) any product. A lookup for a
// product falls back to the fee without product when the list has none for it.
func EventFee(e Event, productID int64) PriceItem {
	return PriceItem{Kind: PriceEvent, Event: e, ProductID: productID}
}

// NewPrice is the input to AddPrice. AmountOre is required (0 is a price).
type NewPrice struct {
	ProductID *int64     `json:"product_id"`
	Kind      PriceKind  `json:"kind"`
	Event     Event      `json:"event"`
	AmountOre *int64     `json:"amount_ore" validate:"gte=0,lte=10000000000"` // MaxAmountOre
	ValidFrom civil.Date `json:"valid_from"`
}

func checkNewPrice(in NewPrice) error {
	var fe apperr.Fields
	switch {
	case in.Kind == "":
		fe.Add("kind", apperr.Required, "is required")
	case !slices.Contains(PriceKinds, in.Kind):
		fe.Add("kind", apperr.OneOf, "must be one of %s", "purchase, monthly, event")
	case in.Kind == PriceEvent:
		switch {
		case in.Event == "":
			fe.Add("event", CodeRequiredForKind, "is required for kind %s", in.Kind)
		case !slices.Contains(Events, in.Event):
			fe.Add("event", apperr.OneOf, "must be one of %s", "shipment, pickup, cleaning, ticket")
		}
	default:
		if in.ProductID == nil {
			fe.Add("product_id", CodeRequiredForKind, "is required for kind %s", in.Kind)
		}
		if in.Event != "" {
			fe.Add("event", CodeOnlyForKind, "is only allowed for kind %s", PriceEvent)
		}
	}
	if in.ProductID != nil && *in.ProductID <= 0 {
		fe.Add("product_id", apperr.NotPositive, "must be a positive whole number")
	}
	switch {
	case in.AmountOre == nil:
		fe.Add("amount_ore", apperr.Required, "is required")
	case *in.AmountOre < 0:
		fe.Add("amount_ore", apperr.Negative, "must not be negative")
	case *in.AmountOre > MaxAmountOre:
		fe.Add("amount_ore", apperr.TooLarge, "must be at most %d", int64(MaxAmountOre))
	}
	if in.ValidFrom.IsZero() {
		fe.Add("valid_from", apperr.Required, "is required")
	}
	return fe.Err()
}

// AddPrice adds an entry to contract contractID's price list (admin, finance). It
// returns NotFound for an unknown contract, Invalid for bad fields (a product_id missing
// for purchase and monthly, an event missing for event or sent for another kind, a
// negative amount, an unknown product), and Conflict when the list has a price for the
// same product, kind and event from the same day.
func (s *Service) AddPrice(ctx context.Context, contractID int64, in NewPrice) (*Price, error) {
	p, err := auth.Require(ctx, contractWriters...)
	if err != nil {
		return nil, err
	}
	if err := checkNewPrice(in); err != nil {
		return nil, err
	}
	pr := &Price{ContractID: contractID, ProductID: in.ProductID, Kind: in.Kind, Event: in.Event,
		AmountOre: *in.AmountOre, ValidFrom: in.ValidFrom, CreatedBy: p.Name}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := lockContract(ctx, contractID); err != nil {
			return err
		}
		if err := s.checkProduct(ctx, "product_id", in.ProductID); err != nil {
			return err
		}
		if err := db.Conn(ctx).Create(pr).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("valid_from", apperr.Taken, "the price list already has a %s price for this item from %s", pr.Kind, pr.ValidFrom)
			}
			return fmt.Errorf("add price to contract %d: %w", contractID, err)
		}
		return audit.Record(ctx, "add_price", "contract", contractID, nil, pr)
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// checkProduct names an unknown product as a field error. Without a catalogue wired in
// (Service.Products nil) product ids are taken as given.
func (s *Service) checkProduct(ctx context.Context, field string, id *int64) error {
	if id == nil || s.Products == nil {
		return nil
	}
	err := s.Products.ProductExists(ctx, *id)
	if apperr.Is(err, apperr.KindNotFound) {
		return apperr.Invalid(apperr.Field(field, apperr.Unknown, "no product with id %d", *id))
	}
	return err
}

// DeletePrice removes entry priceID from contract contractID's price list (admin,
// finance), to correct a mistake. It returns NotFound when the contract has no such
// entry.
func (s *Service) DeletePrice(ctx context.Context, contractID, priceID int64) error {
	if _, err := auth.Require(ctx, contractWriters...); err != nil {
		return err
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := lockContract(ctx, contractID); err != nil {
			return err
		}
		var pr Price
		err := db.Conn(ctx).Where("id = ? AND contract_id = ?", priceID, contractID).Take(&pr).Error
		if db.IsNotFound(err) {
			return apperr.NotFound("price %d not found in contract %d", priceID, contractID)
		}
		if err != nil {
			return fmt.Errorf("load price %d: %w", priceID, err)
		}
		if err := db.Conn(ctx).Delete(&pr).Error; err != nil {
			return fmt.Errorf("delete price %d: %w", priceID, err)
		}
		return audit.Record(ctx, "delete_price", "contract", contractID, pr, nil)
	})
}

// PriceOn returns the entry of contract contractID's price list in force for item on
// day d: the one with the latest valid_from on or before d (for an event fee of a
// product, the product's own, else the fee without product). It asks the database each
// time; billing loads a PriceBook instead. It returns NotFound for an invisible contract
// and for no price in force.
func (s *Service) PriceOn(ctx context.Context, contractID int64, item PriceItem, d civil.Date) (*Price, error) {
	pr, err := s.priceInForce(ctx, contractID, item, d)
	if err != nil {
		return nil, err
	}
	if pr == nil {
		return nil, apperr.NotFound("contract %d has no %s price for this item on %s", contractID, item.Kind, d)
	}
	return pr, nil
}

// PurchasePrice returns the purchase price of product productID under contract
// contractID on day d, and false when the price list has none then. It is what
// inventory asks when a receipt names its contract. It returns NotFound for an unknown
// or invisible contract.
func (s *Service) PurchasePrice(ctx context.Context, contractID, productID int64, d civil.Date) (int64, bool, error) {
	pr, err := s.priceInForce(ctx, contractID, Purchase(productID), d)
	if err != nil || pr == nil {
		return 0, false, err
	}
	return pr.AmountOre, true, nil
}

// priceInForce is PriceOn with nil for no price in force.
func (s *Service) priceInForce(ctx context.Context, contractID int64, item PriceItem, d civil.Date) (*Price, error) {
	p, err := auth.Require(ctx, contractReaders...)
	if err != nil {
		return nil, err
	}
	if _, err := s.loadContract(ctx, contractID, scopeOf(p)); err != nil {
		return nil, err
	}
	pr, err := priceOn(ctx, contractID, item, d)
	if err == nil && pr == nil && item.Kind == PriceEvent && item.ProductID != 0 {
		pr, err = priceOn(ctx, contractID, EventFee(item.Event, 0), d)
	}
	return pr, err
}

// priceOn is the one query of "the price in force": the unique index
// (contract_id, kind, COALESCE(product_id, 0), event, valid_from) answers it.
func priceOn(ctx context.Context, contractID int64, item PriceItem, d civil.Date) (*Price, error) {
	var ps []Price
	err := db.Conn(ctx).
		Where("contract_id = ? AND kind = ? AND COALESCE(product_id, 0) = ? AND event = ? AND valid_from <= ?",
			contractID, item.Kind, item.ProductID, item.Event, d).
		Order("valid_from DESC").Limit(1).Find(&ps).Error
	if err != nil {
		return nil, fmt.Errorf("price in force under contract %d: %w", contractID, err)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	return &ps[0], nil
}

// listPrices returns a contract's price list by item, then valid_from.
func listPrices(ctx context.Context, contractID int64) ([]Price, error) {
	out := []Price{}
	err := db.Conn(ctx).Where("contract_id = ?", contractID).
		Order("kind, product_id, event, valid_from").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list prices of contract %d: %w", contractID, err)
	}
	return out, nil
}
