package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm/clause"
)

// Allocation is a quantity of a consumable taken at one location.
type Allocation struct {
	LocationID int64
	Quantity   int64
}

// LockProduct takes a row lock on product id for the rest of the transaction on
// PostgreSQL, so that ledger reservations of one consumable are serialised: two orders
// never both see the same free quantity. SQLite's single writer serialises anyway.
//
// The lock is FOR NO KEY UPDATE, not FOR UPDATE: every transaction that inserted a row
// referencing the product (an order line, a ledger movement) holds a FOR KEY SHARE lock
// on it through the foreign key, which FOR UPDATE waits for. Two orders of the same
// consumable would then each wait for the other's key share: a deadlock. NO KEY UPDATE
// does not conflict with KEY SHARE and still conflicts with itself.
func LockProduct(ctx context.Context, id int64) error {
	conn := db.Conn(ctx)
	if db.DialectOf(conn) != db.Postgres {
		return nil
	}
	var got int64
	if err := conn.Table("products").Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Where("id = ?", id).Pluck("id", &got).Error; err != nil {
		return fmt.Errorf("lock product %d: %w", id, err)
	}
	return nil
}

// ReserveQuantity reserves up to want of consumable productID for order orderID, from
// the locations with free stock (most free first), in the caller's transaction. It
// returns what it took, which may be less than want.
func (s *Service) ReserveQuantity(ctx context.Context, productID, want, orderID int64) ([]Allocation, error) {
	if err := LockProduct(ctx, productID); err != nil {
		return nil, err
	}
	var free []struct {
		LocationID int64
		Free       int64
	}
	err := db.Conn(ctx).Table("stock_movements").
		Select("location_id, SUM(delta_on_hand) - SUM(delta_reserved) AS free").
		Where("product_id = ?", productID).Group("location_id").
		Having("SUM(delta_on_hand) - SUM(delta_reserved) > 0").
		Order("free DESC, location_id").Scan(&free).Error
	if err != nil {
		return nil, fmt.Errorf("free stock of product %d: %w", productID, err)
	}
	var out []Allocation
	for _, f := range free {
		if want <= 0 {
			break
		}
		q := min(want, f.Free)
		if err := s.ledger(ctx, productID, f.LocationID, MoveReserved, 0, q, &orderID); err != nil {
			return nil, err
		}
		out = append(out, Allocation{LocationID: f.LocationID, Quantity: q})
		want -= q
	}
	return out, nil
}

// ReleaseQuantity gives back a reservation of qty at locationID for orderID and
// announces the product to StockArrived.
func (s *Service) ReleaseQuantity(ctx context.Context, productID, locationID, qty, orderID int64) error {
	if err := s.ledger(ctx, productID, locationID, MoveReleased, 0, -qty, &orderID); err != nil {
		return err
	}
	return s.stockArrived(ctx, productID)
}

// ShipQuantity takes a reserved qty at locationID out of stock as shipped for orderID.
func (s *Service) ShipQuantity(ctx context.Context, productID, locationID, qty, orderID int64) error {
	return s.ledger(ctx, productID, locationID, MoveShipped, -qty, -qty, &orderID)
}

func (s *Service) ledger(ctx context.Context, productID, locationID int64, kind string, onHand, reserved int64, orderID *int64) error {
	m := Movement{At: time.Now().UTC(), ProductID: productID, LocationID: locationID, Kind: kind,
		DeltaOnHand: onHand, DeltaReserved: reserved, OrderID: orderID, Actor: actorName(ctx)}
	if err := db.Conn(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("ledger %s: %w", kind, err)
	}
	return nil
}

// PickDevices returns up to n available, non-recalled devices of the products, tried
// in the order given, oldest received first. On PostgreSQL the rows are locked with
// FOR UPDATE SKIP LOCKED: racing orders skip each other's picks instead of waiting, and
// never get the same device. The caller moves them to reserved in the same transaction.
func PickDevices(ctx context.Context, productIDs []int64, n int) ([]int64, error) {
	var out []int64
	for _, pid := range productIDs {
		if len(out) >= n {
			break
		}
		q := db.Conn(ctx).Table("devices").
			Where("product_id = ? AND state = ? AND NOT recalled", pid, Available).
			Order("received_at, id").Limit(n - len(out))
		if db.DialectOf(q) == db.Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var ids []int64
		if err := q.Pluck("id", &ids).Error; err != nil {
			return nil, fmt.Errorf("pick devices of product %d: %w", pid, err)
		}
		out = append(out, ids...)
	}
	return out, nil
}

// Substitutes returns product id followed by the other products of its substitution
// group, by id.
func Substitutes(ctx context.Context, id int64) ([]int64, error) {
	p, err := findProduct(ctx, id)
	if err != nil {
		return nil, err
	}
	return SubstitutesOf(ctx, p)
}

// SubstitutesOf is Substitutes for a product already loaded: without a substitution
// group it asks the database nothing.
func SubstitutesOf(ctx context.Context, p *Product) ([]int64, error) {
	id := p.ID
	out := []int64{id}
	if p.SubstitutionGroup == "" {
		return out, nil
	}
	var others []int64
	if err := db.Conn(ctx).Table("products").Where("substitution_group = ? AND id <> ?", p.SubstitutionGroup, id).
		Order("id").Pluck("id", &others).Error; err != nil {
		return nil, fmt.Errorf("substitutes of product %d: %w", id, err)
	}
	return append(out, others...), nil
}
