package orders

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/inventory"
)

// checkOrder validates in (normalised) and returns the lines to order (a kit's
// components or the given lines). It returns Invalid naming every bad field, and any
// other error when a lookup fails.
func (s *Service) checkOrder(ctx context.Context, in *NewOrder, today civil.Date) ([]NewLine, error) {
	var fe apperr.Fields
	if in.MemberID <= 0 {
		fe.Add("member_id", apperr.Required, "is required")
	} else if err := s.Members.MemberExists(ctx, in.MemberID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("member_id", apperr.Unknown, "no member with id %d", in.MemberID)
	} else if err != nil {
		return nil, err
	}
	if p := validate.CitizenRef("citizen_ref", in.CitizenRef); p != nil {
		fe = append(fe, *p)
	}
	if p := CheckRequestedOn(in.RequestedOn, today); p != nil {
		fe = append(fe, *p)
	}
	if len(in.Note) > 2000 {
		fe.Add("note", apperr.TooLong, "must be at most %d characters", 2000)
	}
	if in.Delivery == nil {
		fe.Add("delivery", apperr.Required, "is required")
	} else if err := validate.Struct(in.Delivery); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return nil, err
		}
		for _, f := range ae.Fields {
			f.Field = "delivery." + f.Field // keeps the rule code, so pages can translate it
			fe = append(fe, f)
		}
	}
	var lines []NewLine
	var err error
	switch {
	case in.KitID != nil && len(in.Lines) > 0:
		fe.Add("kit_id", apperr.Either, "send either kit_id or %s, not both", "lines")
	case in.KitID == nil && len(in.Lines) == 0:
		fe.Add("kit_id", apperr.EitherNone, "send either kit_id or %s", "lines")
	case in.KitID != nil:
		lines, err = s.kitLines(ctx, in, today, &fe)
	default:
		lines, err = s.checkLines(ctx, in.Lines, &fe)
	}
	if err != nil {
		return nil, err
	}
	return lines, fe.Err()
}

// kitLines returns the components of the kit of in, after checking that the member has
// joined the kit's scheme on the day it is wanted (today for "as soon as possible").
func (s *Service) kitLines(ctx context.Context, in *NewOrder, today civil.Date, fe *apperr.Fields) ([]NewLine, error) {
	k, err := s.Inventory.KitByID(ctx, *in.KitID)
	if apperr.Is(err, apperr.KindNotFound) {
		fe.Add("kit_id", apperr.Unknown, "no kit with id %d", *in.KitID)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load kit %d: %w", *in.KitID, err)
	}
	if in.MemberID > 0 {
		on := in.RequestedOn
		if on.IsZero() {
			on = today
		}
		ok, err := s.Members.Participates(ctx, in.MemberID, k.SchemeID, on)
		if err != nil {
			return nil, err
		}
		if !ok {
			fe.Add("kit_id", CodeNotJoined, "member %d has not joined the kit's scheme on %s", in.MemberID, on)
		}
	}
	// By product id, as the components were always read: the lines' order is the
	// order reserve takes their stock in.
	cs := slices.Clone(k.Components)
	slices.SortFunc(cs, func(a, b inventory.KitComponent) int { return cmp.Compare(a.ProductID, b.ProductID) })
	lines := make([]NewLine, len(cs))
	for i, c := range cs {
		lines[i] = NewLine{ProductID: c.ProductID, Quantity: c.Quantity}
	}
	if len(lines) == 0 {
		fe.Add("kit_id", CodeKitEmpty, "kit %d has no components", k.ID)
	}
	return lines, nil
}

// checkLines names every bad line: a missing, unknown or repeated product, a quantity
// out of range.
func (s *Service) checkLines(ctx context.Context, in []NewLine, fe *apperr.Fields) ([]NewLine, error) {
	ids := make([]int64, 0, len(in))
	for _, l := range in {
		if l.ProductID > 0 {
			ids = append(ids, l.ProductID)
		}
	}
	known, err := s.Inventory.KnownProducts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("check order lines: %w", err)
	}
	seen := map[int64]int{}
	for i, l := range in {
		at := fmt.Sprintf("lines[%d]", i)
		switch {
		case l.ProductID <= 0:
			fe.Add(at+".product_id", apperr.Required, "is required")
		case !known[l.ProductID]:
			fe.Add(at+".product_id", apperr.Unknown, "no product with id %d", l.ProductID)
		default:
			if j, dup := seen[l.ProductID]; dup {
				fe.Add(at+".product_id", inventory.CodeListedTwice, "product %d is already on lines[%d]", l.ProductID, j)
			}
			seen[l.ProductID] = i
		}
		if l.Quantity < 1 || l.Quantity > 1000 {
			fe.Add(at+".quantity", apperr.OutOfRange, "must be a whole number from %d to %d", 1, 1000)
		}
	}
	return in, nil
}
