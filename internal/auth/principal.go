// Package auth holds users, roles, password hashing, login and API tokens, and the
// principal that travels in ctx so domain services can enforce role and member scope.
package auth

import (
	"context"
	"slices"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
)

// Role is what a user or token may do.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleLogistics Role = "logistics"
	RoleSupport   Role = "support"
	RoleFinance   Role = "finance"
	RoleMember    Role = "member"
	RoleVendor    Role = "vendor"
	// RoleSystem is the principal of background jobs; no user or token has it.
	RoleSystem Role = "system"
)

// Roles lists the roles a user or token can be given.
var Roles = []Role{RoleAdmin, RoleLogistics, RoleSupport, RoleFinance, RoleMember, RoleVendor}

// Staff lists the centre's own roles.
var Staff = []Role{RoleAdmin, RoleLogistics, RoleSupport, RoleFinance}

// Valid reports whether r is a role a user or token can have.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// IsStaff reports whether r is one of the centre's roles (or the system).
func (r Role) IsStaff() bool { return slices.Contains(Staff, r) || r == RoleSystem }

// Principal is who is calling: a user through a session or an API token.
type Principal struct {
	UserID   int64 // 0 for an API token or the system
	TokenID  int64
	Name     string // user's e-mail, or the API token's name
	Role     Role
	MemberID *int64 // set for role member
	VendorID *int64 // set for role vendor
}

// System is the principal of background jobs.
var System = Principal{Name: "system", Role: RoleSystem}

// IsStaff reports whether the principal is centre staff.
func (p Principal) IsStaff() bool { return p.Role.IsStaff() }

// SeesMember reports whether p may see objects owned by member id: staff see all, a
// member user only its own.
func (p Principal) SeesMember(id int64) bool {
	if p.IsStaff() {
		return true
	}
	return p.MemberID != nil && *p.MemberID == id
}

// SeesVendor reports whether p may see objects of vendor id: staff see all, a vendor
// user only its own vendor, a member user none.
func (p Principal) SeesVendor(id int64) bool {
	if p.IsStaff() {
		return true
	}
	return p.Role == RoleVendor && p.VendorID != nil && *p.VendorID == id
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p, also as the audit actor.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	a := audit.Actor{Name: p.Name, Role: string(p.Role), MemberID: p.MemberID}
	if p.UserID != 0 {
		a.UserID = &p.UserID
	} else if p.TokenID != 0 {
		a.Name = "token:" + p.Name
	}
	return context.WithValue(audit.WithActor(ctx, a), ctxKey{}, p)
}

// From returns the principal in ctx.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Require returns the principal in ctx if its role is one of roles (the system
// principal passes every check). It returns apperr Unauthorized without a principal and
// Forbidden for another role.
func Require(ctx context.Context, roles ...Role) (Principal, error) {
	p, ok := From(ctx)
	if !ok {
		return p, apperr.Unauthorized("authentication required")
	}
	if p.Role == RoleSystem || slices.Contains(roles, p.Role) {
		return p, nil
	}
	return p, apperr.Forbidden("role %s may not do this", p.Role)
}

// RequireStaff is Require with every staff role.
func RequireStaff(ctx context.Context) (Principal, error) { return Require(ctx, Staff...) }

// RequireAny returns the principal in ctx whatever its role, or Unauthorized.
func RequireAny(ctx context.Context) (Principal, error) {
	return Require(ctx, Roles...)
}
