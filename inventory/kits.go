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
	Components []NewKitComponent `json:"components" validate:"max=100"`
}

// NewKitComponent is one product of a kit and how many of it the kit holds.
type NewKitComponent struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity" validate:"lte=1000"`
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
		fe, err := s.checkKit(ctx, in, validate.Struct(in))
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		k = &Kit{Code: in.Code, Name: in.Name, SchemeID: in.SchemeID}
		if err := insertKit(ctx, k); err != nil {
			return err
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
		fe, err := s.checkKit(ctx, in, validate.Struct(in))
		if err != nil {
			return err
		}
		if err := append(pre, fe...).Err(); err != nil {
			return err
		}
		if err := renameKit(ctx, id, in.Name); err != nil {
			return err
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
	ks, err := listKits(ctx)
	if err != nil {
		return nil, err
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
func (s *Service) checkKit(ctx context.Context, in NewKit, verr error) (apperr.Fields, error) {
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
	} else if err := s.Members.SchemeExists(ctx, in.SchemeID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("scheme_id", apperr.Unknown, "no scheme with id %d", in.SchemeID)
	} else if err != nil {
		return nil, fmt.Errorf("check scheme %d: %w", in.SchemeID, err)
	}
	if len(in.Components) == 0 {
		fe.Add("components", apperr.Required, "at least one component is required")
		return fe, nil
	}
	ids := make([]int64, len(in.Components))
	for i, c := range in.Components {
		ids[i] = c.ProductID
	}
	exists, err := knownProducts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("check kit products: %w", err)
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
