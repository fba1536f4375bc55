package inventory

import (
	"context"
	"fmt"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm/clause"
)

// The queries of products, locations and devices; those of kits are in store_kits.go.
// Not yet moved here (they still sit beside their use cases): devices.go (the guarded
// state update and its event), ledger.go (stock balances and picking: the lock order
// and FOR UPDATE SKIP LOCKED are the rule there), receipts.go, import*.go, recalls.go,
// stocktake.go, reorder.go, stock.go.

// insertProduct creates p; an SKU in use is Invalid on sku.
func insertProduct(ctx context.Context, p *Product) error {
	if err := db.Conn(ctx).Create(p).Error; err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Invalid(apperr.Field("sku", apperr.Taken, "SKU %q is already in use", p.SKU))
		}
		return fmt.Errorf("create product: %w", err)
	}
	return nil
}

func listProducts(ctx context.Context) ([]Product, error) {
	var out []Product
	if err := db.Conn(ctx).Order("sku").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return out, nil
}

// insertLocation creates l; a code in use is Invalid on code.
func insertLocation(ctx context.Context, l *Location) error {
	if err := db.Conn(ctx).Create(l).Error; err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Invalid(apperr.Field("code", apperr.Taken, "location code %q is already in use", l.Code))
		}
		return fmt.Errorf("create location: %w", err)
	}
	return nil
}

func listLocations(ctx context.Context) ([]Location, error) {
	var out []Location
	if err := db.Conn(ctx).Order("code").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	return out, nil
}

func findProduct(ctx context.Context, id int64) (*Product, error) {
	var p Product
	err := db.Conn(ctx).Take(&p, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("product %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find product %d: %w", id, err)
	}
	return &p, nil
}

func findLocation(ctx context.Context, id int64) (*Location, error) {
	var l Location
	err := db.Conn(ctx).Take(&l, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("location %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find location %d: %w", id, err)
	}
	return &l, nil
}

const deviceColumns = "devices.*, products.sku AS sku"

// findDevice loads device id with its SKU; lock takes a row lock on PostgreSQL for the
// rest of the transaction.
func findDevice(ctx context.Context, id int64, lock bool) (*Device, error) {
	q := db.Conn(ctx).Table("devices").Select(deviceColumns).Joins("JOIN products ON products.id = devices.product_id")
	if lock {
		q = db.Locking(q, clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "devices"}})
	}
	var d Device
	err := q.Where("devices.id = ?", id).Take(&d).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("device %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find device %d: %w", id, err)
	}
	return &d, nil
}

// listDevices pages by id (keyset): every filter has an index ending in id.
func listDevices(ctx context.Context, f DeviceFilter) ([]Device, int64, error) {
	q := db.Conn(ctx).Table("devices").Select(deviceColumns).Joins("JOIN products ON products.id = devices.product_id").
		Where("devices.id > ?", f.After)
	switch {
	case f.Serial != "" && f.exact:
		q = q.Where(serialKey(q, "devices.serial")+" = ?", NormSerial(f.Serial))
	case f.Serial != "":
		cond, args := serialPrefix(q, "devices.serial", f.Serial)
		q = q.Where(cond, args...)
	}
	if f.State != "" {
		q = q.Where("devices.state = ?", f.State)
	}
	if f.ProductID != 0 {
		q = q.Where("devices.product_id = ?", f.ProductID)
	}
	if f.MemberID != 0 {
		q = q.Where("devices.member_id = ?", f.MemberID)
	}
	if f.LocationID != 0 {
		// At the location: not one that left it for a citizen.
		q = q.Where("devices.location_id = ? AND devices.state NOT IN ?", f.LocationID, atCitizen)
	}
	if f.memberView {
		q = q.Where("devices.state IN ?", memberStates)
	}
	var out []Device
	if err := q.Order("devices.id").Limit(f.Limit + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list devices: %w", err)
	}
	if len(out) > f.Limit {
		out = out[:f.Limit]
		return out, out[len(out)-1].ID, nil
	}
	return out, 0, nil
}

func knownProducts(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var known []int64
	if err := db.Conn(ctx).Table("products").Where("id IN ?", ids).Pluck("id", &known).Error; err != nil {
		return nil, fmt.Errorf("known products: %w", err)
	}
	for _, id := range known {
		out[id] = true
	}
	return out, nil
}

func devicesByID(ctx context.Context, ids []int64) ([]Device, error) {
	var out []Device
	if len(ids) == 0 {
		return out, nil
	}
	err := db.Conn(ctx).Table("devices").Select(deviceColumns).Joins("JOIN products ON products.id = devices.product_id").
		Where("devices.id IN ?", ids).Order("devices.id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("devices by id: %w", err)
	}
	return out, nil
}
