package inventory

import (
	"context"
	"fmt"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
)

// StockLevel is the stock of one product, at one location or across all.
//
// For devices: on hand = available + reserved at the location (recalled ones included),
// available = available and not recalled, deployed = at citizens, shipped from the
// location. For consumables they are the balances the ledger keeps.
type StockLevel struct {
	ProductID    int64  `json:"product_id"`
	SKU          string `json:"sku"`
	Name         string `json:"name"`
	Tracking     string `json:"tracking"`
	OnHand       int64  `json:"on_hand"`
	Reserved     int64  `json:"reserved"`
	Available    int64  `json:"available"`
	Deployed     int64  `json:"deployed"`
	ReorderLevel int64  `json:"reorder_level"`
	BelowReorder bool   `json:"below_reorder"`
	// ValueOre is what the stock on hand cost, in øre: for devices the unit costs of the
	// receipts they came in on; for consumables on hand × the average unit cost of
	// every receipt of the product, rounded half away from zero.
	ValueOre int64 `json:"value_ore"`
}

// Stock returns the stock level of every product, by SKU, at locationID or across all
// locations when it is 0 (staff). A product is below reorder when its available stock
// is under its reorder level.
func (s *Service) Stock(ctx context.Context, locationID int64) ([]StockLevel, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	conn := db.Conn(ctx)
	// device_counts holds a few rows per product and location, kept in step with every
	// device change (counts.go): no scan of the devices table.
	devs := conn.Table("device_counts").Select(`product_id,
		SUM(CASE WHEN state IN ('available','reserved') THEN n ELSE 0 END) AS on_hand,
		SUM(CASE WHEN state = 'reserved' THEN n ELSE 0 END) AS reserved,
		SUM(CASE WHEN state = 'available' AND NOT recalled THEN n ELSE 0 END) AS available,
		SUM(CASE WHEN state = 'deployed' THEN n ELSE 0 END) AS deployed,
		SUM(CASE WHEN state IN ('available','reserved') THEN value_ore ELSE 0 END) AS value_ore`).Group("product_id")
	moves := conn.Table("stock_balances").Select(`product_id,
		SUM(on_hand) AS on_hand, SUM(reserved) AS reserved`).Group("product_id")
	if locationID != 0 {
		devs = devs.Where("location_id = ?", locationID)
		moves = moves.Where("location_id = ?", locationID)
	}
	// Receipt lines of consumables: few rows (devices come a line per serial batch).
	costs := conn.Table("receipt_lines l").Select(`l.product_id,
		SUM(l.quantity * l.unit_cost_ore) AS cost_ore, SUM(l.quantity) AS cost_qty`).
		Joins("JOIN products q ON q.id = l.product_id AND q.tracking = ?", TrackQuantity).Group("l.product_id")
	var rows []stockRow
	err := conn.Table("products p").
		Select(`p.id AS product_id, p.sku, p.name, p.tracking, p.reorder_level,
			COALESCE(d.on_hand, m.on_hand, 0) AS on_hand,
			COALESCE(d.reserved, m.reserved, 0) AS reserved,
			COALESCE(d.available, COALESCE(m.on_hand, 0) - COALESCE(m.reserved, 0)) AS available,
			COALESCE(d.deployed, 0) AS deployed,
			COALESCE(d.value_ore, 0) AS value_ore,
			COALESCE(c.cost_ore, 0) AS cost_ore, COALESCE(c.cost_qty, 0) AS cost_qty`).
		Joins("LEFT JOIN (?) d ON d.product_id = p.id", devs).
		Joins("LEFT JOIN (?) m ON m.product_id = p.id", moves).
		Joins("LEFT JOIN (?) c ON c.product_id = p.id", costs).
		Order("p.sku").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("stock: %w", err)
	}
	out := make([]StockLevel, len(rows))
	for i, r := range rows {
		out[i] = r.StockLevel
		out[i].BelowReorder = r.ReorderLevel > 0 && r.Available < r.ReorderLevel
		if r.Tracking == string(TrackQuantity) && r.CostQty > 0 && r.OnHand > 0 {
			if out[i].ValueOre, err = money.MulDivRound(r.OnHand, r.CostOre, r.CostQty); err != nil {
				return nil, fmt.Errorf("stock value of %s: %w", r.SKU, err)
			}
		}
	}
	return out, nil
}

// stockRow is a row of the stock query: the level and the sums behind a consumable's
// average unit cost.
type stockRow struct {
	StockLevel
	CostOre, CostQty int64
}
