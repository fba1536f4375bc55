package inventory

import (
	"context"
	"fmt"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
)

// The queries of kits and their components (see store.go).

// insertKit creates k; a code in use is Invalid on code.
func insertKit(ctx context.Context, k *Kit) error {
	if err := db.Conn(ctx).Create(k).Error; err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Invalid(apperr.Field("code", apperr.Taken, "kit code %q is already in use", k.Code))
		}
		return fmt.Errorf("create kit: %w", err)
	}
	return nil
}

func renameKit(ctx context.Context, id int64, name string) error {
	if err := db.Conn(ctx).Model(&Kit{}).Where("id = ?", id).Update("name", name).Error; err != nil {
		return fmt.Errorf("update kit %d: %w", id, err)
	}
	return nil
}

func listKits(ctx context.Context) ([]Kit, error) {
	var ks []Kit
	if err := db.Conn(ctx).Order("code").Find(&ks).Error; err != nil {
		return nil, fmt.Errorf("list kits: %w", err)
	}
	return ks, nil
}

func findKit(ctx context.Context, id int64, lock bool) (*Kit, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var k Kit
	err := q.Take(&k, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("kit %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find kit %d: %w", id, err)
	}
	return &k, nil
}

// replaceComponents makes in the components of kit kitID, in place of any it had.
func replaceComponents(ctx context.Context, kitID int64, in []NewKitComponent) error {
	if err := db.Conn(ctx).Where("kit_id = ?", kitID).Delete(&KitComponent{}).Error; err != nil {
		return fmt.Errorf("kit %d components: %w", kitID, err)
	}
	cs := make([]KitComponent, len(in))
	for i, c := range in {
		cs[i] = KitComponent{KitID: kitID, ProductID: c.ProductID, Quantity: c.Quantity}
	}
	if err := db.Conn(ctx).Create(&cs).Error; err != nil {
		return fmt.Errorf("kit %d components: %w", kitID, err)
	}
	return nil
}

func kitComponents(ctx context.Context, kitID int64) ([]KitComponent, error) {
	m, err := componentsOf(ctx, []int64{kitID})
	if err != nil {
		return nil, err
	}
	if m[kitID] == nil {
		return []KitComponent{}, nil
	}
	return m[kitID], nil
}

// componentsOf loads the components of the kits ids, with SKU and name, in one query.
func componentsOf(ctx context.Context, ids []int64) (map[int64][]KitComponent, error) {
	var rows []KitComponent
	err := db.Conn(ctx).Table("kit_components kc").
		Select("kc.kit_id, kc.product_id, kc.quantity, p.sku AS sku, p.name AS name").
		Joins("JOIN products p ON p.id = kc.product_id").
		Where("kc.kit_id IN ?", ids).Order("kc.kit_id, p.sku").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("kit components: %w", err)
	}
	out := make(map[int64][]KitComponent, len(ids))
	for _, r := range rows {
		out[r.KitID] = append(out[r.KitID], r)
	}
	return out, nil
}
