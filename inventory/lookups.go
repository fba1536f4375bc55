package inventory

import (
	"context"

	"github.com/fsc/backoffice/internal/auth"
)

// Lookups for the services of other domains (orders), which decide visibility
// themselves: they need a caller but do not scope by member, so a page must use the
// scoped methods (GetKit, GetDevice, ListDevices) instead.

// KitByID returns kit id with its components, whichever schemes the caller's member
// has joined (orders checks participation on the requested day itself). It returns
// NotFound for an unknown kit.
func (s *Service) KitByID(ctx context.Context, id int64) (*Kit, error) {
	if _, err := auth.RequireAny(ctx); err != nil {
		return nil, err
	}
	k, err := findKit(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if k.Components, err = kitComponents(ctx, id); err != nil {
		return nil, err
	}
	return k, nil
}

// KnownProducts returns which of ids are products. A database error is returned as
// such, never as "unknown".
func (s *Service) KnownProducts(ctx context.Context, ids []int64) (map[int64]bool, error) {
	if _, err := auth.RequireAny(ctx); err != nil {
		return nil, err
	}
	return knownProducts(ctx, ids)
}

// DevicesByID returns the devices among ids with their SKU, by id; ids that are no
// device are left out.
func (s *Service) DevicesByID(ctx context.Context, ids []int64) ([]Device, error) {
	if _, err := auth.RequireAny(ctx); err != nil {
		return nil, err
	}
	return devicesByID(ctx, ids)
}

// PickAvailable returns up to n available, non-recalled devices of p or, when it runs
// out, of its substitution group, locked for the caller's transaction (see
// PickDevices); the caller moves them to reserved in that transaction.
func (s *Service) PickAvailable(ctx context.Context, p *Product, n int) ([]int64, error) {
	candidates, err := SubstitutesOf(ctx, p)
	if err != nil {
		return nil, err
	}
	return PickDevices(ctx, candidates, n)
}

// GetLocation returns location id (staff), or NotFound.
func (s *Service) GetLocation(ctx context.Context, id int64) (*Location, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return findLocation(ctx, id)
}
