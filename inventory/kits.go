package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/validate"
)

// NewKit is the input to CreateKit and UpdateKit.
type NewKit struct {
	Code       string            `json:"code" validate:"required,max=40,code"`
	Name       string            `json:"name" validate:"required,max=200"`
	SchemeID   int64             `json:"scheme_id"`
	Components []NewKitComponent `json:"components"`
}

// NewKitComponent is one product of a kit and how many of it the kit holds.
type NewKitComponent struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity"`
}

// MaxKitQuantity bounds how many of one product a kit holds.
const MaxKitQuantity = 1000

// CreateKit adds a kit to a scheme (admin, logistics). It returns Invalid naming every
// bad field: code, name, an unknown scheme_id, no components, and per component an
// unknown or repeated product (components[i].product_id) or a quantity below 1
// (components[i].quantity); a code in use is Invalid on code.
func (s *Service) CreateKit(ctx context.Context, in NewKit) (*Kit, error) {
	if _, err := auth.Require(ctx, writers...); err != nil {
		return nil, err
	}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	var k *Kit
	err := db.WithTx(ctx, func(ctx context.Context) error {
		fe, err := checkKit(ctx, in, validate.Struct(in))
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		k = &Kit{Code: in.Code, Name: in.Name, SchemeID: in.SchemeID}
		if err := db.Conn(ctx).Create(k).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Invalid(apperr.Field("code", apperr.Taken, "kit code %q is already in use", k.Code))
			}
			return fmt.Errorf("create kit: %w", err)
		}
		if err := replaceComponents(ctx, k.ID, in.Components); err != nil {
			return err
		}
		if k.Components, err = kitComponents(ctx, k.ID); err != nil {
			return err
		}
		return audit.Record(ctx, "create", "kit", k.ID, nil, k)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// UpdateKit replaces the name and the components of kit id (admin, logistics). The code
// and the scheme stay: they may be sent, but only with their current values. It returns
// NotFound for an unknown kit and Invalid as CreateKit does.
func (s *Service) UpdateKit(ctx context.Context, id int64, in NewKit) (*Kit, error) {
	if _, err := auth.Require(ctx, writers...); err != nil {
		return nil, err
	}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	var k *Kit
	err := db.WithTx(ctx, func(ctx context.Context) error {
		before, err := findKit(ctx, id, true)
		if err != nil {
			return err
		}
		if before.Components, err = kitComponents(ctx, id); err != nil {
			return err
		}
		var pre apperr.Fields
		if in.Code != "" && in.Code != before.Code {
			pre.Add("code", CodeFixed, "the code of a kit does not change (it is %q)", before.Code)
		}
		if in.SchemeID != 0 && in.SchemeID != before.SchemeID {
			pre.Add("scheme_id", CodeFixed, "the scheme of a kit does not change (it is %d); create a new kit instead", before.SchemeID)
		}
		in.Code, in.SchemeID = before.Code, before.SchemeID
		fe, err := checkKit(ctx, in, validate.Struct(in))
		if err != nil {
			return err
		}
		if err := append(pre, fe...).Err(); err != nil {
			return err
		}
		if err := db.Conn(ctx).Model(&Kit{}).Where("id = ?", id).Update("name", in.Name).Error; err != nil {
			return fmt.Errorf("update kit %d: %w", id, err)
		}
		if err := db.Conn(ctx).Where("kit_id = ?", id).Delete(&KitComponent{}).Error; err != nil {
			return fmt.Errorf("update kit %d: %w", id, err)
		}
		if err := replaceComponents(ctx, id, in.Components); err != nil {
			return err
		}
		after := *before
		after.Name = in.Name
		if after.Components, err = kitComponents(ctx, id); err != nil {
			return err
		}
		k = &after
		return audit.Record(ctx, "update", "kit", id, before, k)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// ListKits returns kits by code with their components (any user). Staff see every kit,
// a member user only the kits of schemes its member takes part in today.
func (s *Service) ListKits(ctx context.Context) ([]Kit, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	var ks []Kit
	if err := db.Conn(ctx).Order("code").Find(&ks).Error; err != nil {
		return nil, fmt.Errorf("list kits: %w", err)
	}
	if !p.IsStaff() {
		if ks, err = s.visibleKits(ctx, p, ks); err != nil {
			return nil, err
		}
	}
	if len(ks) == 0 {
		return ks, nil
	}
	ids := make([]int64, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
	}
	comps, err := componentsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range ks {
		ks[i].Components = comps[ks[i].ID]
		if ks[i].Components == nil {
			ks[i].Components = []KitComponent{}
		}
	}
	return ks, nil
}

// GetKit returns kit id with its components. It returns NotFound for an unknown kit
// and, for a member user, for a kit of a scheme its member does not take part in today.
func (s *Service) GetKit(ctx context.Context, id int64) (*Kit, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	k, err := findKit(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		vis, err := s.visibleKits(ctx, p, []Kit{*k})
		if err != nil {
			return nil, err
		}
		if len(vis) == 0 {
			return nil, apperr.NotFound("kit %d not found", id)
		}
	}
	if k.Components, err = kitComponents(ctx, id); err != nil {
		return nil, err
	}
	return k, nil
}

// visibleKits keeps the kits of schemes that p's member takes part in today, asking
// once per scheme rather than once per kit.
func (s *Service) visibleKits(ctx context.Context, p auth.Principal, ks []Kit) ([]Kit, error) {
	if p.MemberID == nil {
		return nil, nil
	}
	today := civil.Today()
	joined := map[int64]bool{}
	out := ks[:0:0]
	for _, k := range ks {
		ok, seen := joined[k.SchemeID]
		if !seen {
			var err error
			if ok, err = s.Members.Participates(ctx, *p.MemberID, k.SchemeID, today); err != nil {
				return nil, fmt.Errorf("kits: participation in scheme %d: %w", k.SchemeID, err)
			}
			joined[k.SchemeID] = ok
		}
		if ok {
			out = append(out, k)
		}
	}
	return out, nil
}

// checkKit checks the scheme and the components of in, adding to the field errors of
// verr (the result of validate.Struct). It returns the field errors, and an error only
// when the database fails.
func checkKit(ctx context.Context, in NewKit, verr error) (apperr.Fields, error) {
	var fe apperr.Fields
	if verr != nil {
		var ae *apperr.Error
		if !errors.As(verr, &ae) {
			return nil, verr
		}
		fe = append(fe, ae.Fields...)
	}
	if in.SchemeID <= 0 {
		fe.Add("scheme_id", apperr.Required, "is required")
	} else {
		var n int64
		if err := db.Conn(ctx).Table("schemes").Where("id = ?", in.SchemeID).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("check scheme %d: %w", in.SchemeID, err)
		}
		if n == 0 {
			fe.Add("scheme_id", apperr.Unknown, "no scheme with id %d", in.SchemeID)
		}
	}
	if len(in.Components) == 0 {
		fe.Add("components", apperr.Required, "at least one component is required")
		return fe, nil
	}
	ids := make([]int64, len(in.Components))
	for i, c := range in.Components {
		ids[i] = c.ProductID
	}
	var known []int64
	if err := db.Conn(ctx).Table("products").Where("id IN ?", ids).Pluck("id", &known).Error; err != nil {
		return nil, fmt.Errorf("check kit products: %w", err)
	}
	exists := make(map[int64]bool, len(known))
	for _, id := range known {
		exists[id] = true
	}
	first := map[int64]int{}
	for i, c := range in.Components {
		at := fmt.Sprintf("components[%d]", i)
		switch {
		case c.ProductID <= 0:
			fe.Add(at+".product_id", apperr.Required, "is required")
		case !exists[c.ProductID]:
			fe.Add(at+".product_id", apperr.Unknown, "no product with id %d", c.ProductID)
		default:
			if j, dup := first[c.ProductID]; dup {
				fe.Add(at+".product_id", CodeListedTwice, "product %d is already components[%d]; give it once with the total quantity", c.ProductID, j)
			} else {
				first[c.ProductID] = i
			}
		}
		switch {
		case c.Quantity < 1:
			fe.Add(at+".quantity", apperr.TooSmall, "must be at least %d", 1)
		case c.Quantity > MaxKitQuantity:
			fe.Add(at+".quantity", apperr.TooLarge, "must be at most %d", MaxKitQuantity)
		}
	}
	return fe, nil
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

func replaceComponents(ctx context.Context, kitID int64, in []NewKitComponent) error {
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
