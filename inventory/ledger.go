package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Allocation is a quantity of a consumable taken at one location.
type Allocation struct {
	LocationID int64
	Quantity   int64
}

// ReserveQuantity reserves up to want of consumable productID for order orderID, from
// the locations with free stock in location order, in the caller's transaction. It
// returns what it took, which may be less than want.
//
// Each take is a guarded UPDATE of the product's balance at a location ("reserved +
// q where on hand − reserved ≥ q"): two orders can never both get the same units, and an
// order waits only for the row of the one location it takes from, and only until the
// other commits. Locations are taken in id order, so orders never wait on each other in
// a circle.
func (s *Service) ReserveQuantity(ctx context.Context, productID, want, orderID int64) ([]Allocation, error) {
	var free []struct {
		LocationID int64
		Free       int64
	}
	err := db.Conn(ctx).Table("stock_balances").Select("location_id, on_hand - reserved AS free").
		Where("product_id = ? AND on_hand - reserved > 0", productID).Order("location_id").Scan(&free).Error
	if err != nil {
		return nil, fmt.Errorf("free stock of product %d: %w", productID, err)
	}
	var out []Allocation
	for _, f := range free {
		if want <= 0 {
			break
		}
		q, err := takeFree(ctx, productID, f.LocationID, min(want, f.Free))
		if err != nil {
			return nil, err
		}
		if q == 0 {
			continue
		}
		m := &Movement{ProductID: productID, LocationID: f.LocationID, Kind: MoveReserved, DeltaReserved: q, OrderID: &orderID}
		if err := insertMovement(ctx, m); err != nil {
			return nil, err
		}
		out = append(out, Allocation{LocationID: f.LocationID, Quantity: q})
		want -= q
	}
	return out, nil
}

// takeFree reserves q at one location, or as much as is still free there when a
// racing order took some since it was read; it returns how much it took.
func takeFree(ctx context.Context, productID, locationID, q int64) (int64, error) {
	for q > 0 {
		res := db.Conn(ctx).Table("stock_balances").
			Where("product_id = ? AND location_id = ? AND on_hand - reserved >= ?", productID, locationID, q).
			Update("reserved", gorm.Expr("reserved + ?", q))
		if res.Error != nil {
			return 0, fmt.Errorf("reserve product %d at location %d: %w", productID, locationID, res.Error)
		}
		if res.RowsAffected == 1 {
			return q, nil
		}
		var left int64
		if err := db.Conn(ctx).Table("stock_balances").Select("on_hand - reserved").
			Where("product_id = ? AND location_id = ?", productID, locationID).Scan(&left).Error; err != nil {
			return 0, fmt.Errorf("free stock of product %d: %w", productID, err)
		}
		q = min(q-1, left)
	}
	return 0, nil
}

// ReleaseQuantity gives back a reservation of qty at locationID for orderID and
// announces the product to StockArrived.
func (s *Service) ReleaseQuantity(ctx context.Context, productID, locationID, qty, orderID int64) error {
	m := &Movement{ProductID: productID, LocationID: locationID, Kind: MoveReleased, DeltaReserved: -qty, OrderID: &orderID}
	if err := recordMovement(ctx, m); err != nil {
		return err
	}
	return s.stockArrived(ctx, productID)
}

// ShipQuantity takes a reserved qty at locationID out of stock as shipped for orderID
// (a negative qty puts a failed shipment back).
func (s *Service) ShipQuantity(ctx context.Context, productID, locationID, qty, orderID int64) error {
	return recordMovement(ctx, &Movement{ProductID: productID, LocationID: locationID, Kind: MoveShipped,
		DeltaOnHand: -qty, DeltaReserved: -qty, OrderID: &orderID})
}

// recordMovement writes m to the ledger and adds its deltas to the balance of its
// product and location, in the caller's transaction. Every ledger write goes through
// here (or through ReserveQuantity, which updates the balance first), so the balance
// always equals the sum of the ledger.
func recordMovement(ctx context.Context, m *Movement) error {
	if err := insertMovement(ctx, m); err != nil {
		return err
	}
	delta := map[string]any{
		"on_hand":  gorm.Expr("on_hand + ?", m.DeltaOnHand),
		"reserved": gorm.Expr("reserved + ?", m.DeltaReserved),
	}
	res := db.Conn(ctx).Table("stock_balances").Where("product_id = ? AND location_id = ?", m.ProductID, m.LocationID).Updates(delta)
	if res.Error != nil {
		return fmt.Errorf("stock balance of product %d: %w", m.ProductID, res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	// The first stock of a product at a location; the upsert covers a racing first.
	b := map[string]any{"product_id": m.ProductID, "location_id": m.LocationID, "on_hand": m.DeltaOnHand, "reserved": m.DeltaReserved}
	err := db.Conn(ctx).Table("stock_balances").Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "product_id"}, {Name: "location_id"}},
		DoUpdates: clause.Assignments(map[string]any{
			"on_hand":  gorm.Expr("stock_balances.on_hand + ?", m.DeltaOnHand),
			"reserved": gorm.Expr("stock_balances.reserved + ?", m.DeltaReserved),
		}),
	}).Create(b).Error
	if err != nil {
		return fmt.Errorf("stock balance of product %d: %w", m.ProductID, err)
	}
	return nil
}

func insertMovement(ctx context.Context, m *Movement) error {
	if m.At.IsZero() {
		m.At = time.Now().UTC()
	}
	if m.Actor == "" {
		m.Actor = actorName(ctx)
	}
	if err := db.Conn(ctx).Create(m).Error; err != nil {
		return fmt.Errorf("ledger %s: %w", m.Kind, err)
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
		q = db.Locking(q, clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
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

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202611220240_inventory_stock_balances",
		Migrate: func(tx *gorm.DB) error {
			type product struct{ ID int64 }
			type location struct{ ID int64 }
			type stockBalance struct {
				ProductID  int64     `gorm:"primaryKey;autoIncrement:false"`
				Product    *product  `gorm:"constraint:OnDelete:RESTRICT"`
				LocationID int64     `gorm:"primaryKey;autoIncrement:false"`
				Location   *location `gorm:"constraint:OnDelete:RESTRICT"`
				OnHand     int64     `gorm:"not null;default:0"`
				Reserved   int64     `gorm:"not null;default:0;check:chk_balance_reserved,reserved >= 0"`
			}
			if err := tx.Table("stock_balances").Migrator().CreateTable(&stockBalance{}); err != nil {
				return err
			}
			return tx.Exec(`INSERT INTO stock_balances (product_id, location_id, on_hand, reserved)
				SELECT product_id, location_id, SUM(delta_on_hand), SUM(delta_reserved) FROM stock_movements GROUP BY product_id, location_id`).Error
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("stock_balances") },
	})
}
