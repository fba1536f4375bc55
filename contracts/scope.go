package contracts

import (
	"slices"

	"github.com/fsc/backoffice/internal/auth"
)

var (
	// vendorReaders may call the vendor reads: staff see every vendor, a vendor user its
	// own.
	vendorReaders = append(slices.Clone(auth.Staff), auth.RoleVendor)
	// contractReaders may call the contract reads: staff see every contract, a vendor
	// user its vendor's, a member user those its member participates in.
	contractReaders = append(slices.Clone(auth.Staff), auth.RoleVendor, auth.RoleMember)
	// contractWriters manage contracts, their prices and participants: the contract
	// manager works as admin or finance.
	contractWriters = []auth.Role{auth.RoleAdmin, auth.RoleFinance}
)

// contractScope narrows contract reads to what p may see; the zero value sees all.
type contractScope struct {
	vendorID int64 // only this vendor's contracts
	memberID int64 // only contracts this member participates in
}

// scopeOf returns p's contract scope. A vendor or member user whose principal lacks its
// vendor or member sees nothing (-1 matches no row).
func scopeOf(p auth.Principal) contractScope {
	switch {
	case p.IsStaff():
		return contractScope{}
	case p.Role == auth.RoleVendor:
		if p.VendorID == nil {
			return contractScope{vendorID: -1}
		}
		return contractScope{vendorID: *p.VendorID}
	default:
		return contractScope{memberID: memberOf(p)}
	}
}

// all reports whether the scope sees every contract.
func (c contractScope) all() bool { return c.vendorID == 0 && c.memberID == 0 }

// limitOf bounds a page size: 50 by default, at most 500.
func limitOf(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}

// page cuts xs (fetched with limit+1) to limit and returns the cursor of the next page:
// the id of the last item, 0 on the last page.
func page[T any](xs []T, limit int, id func(T) int64) ([]T, int64, error) {
	if len(xs) > limit {
		xs = xs[:limit]
		return xs, id(xs[len(xs)-1]), nil
	}
	return xs, 0, nil
}
