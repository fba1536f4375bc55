package orders

import (
	"slices"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
)

// The rules of an order's life, decided here once: the service's guards use them, and
// pages call them to show only what the service would allow.

// Who may do what to an order (the system principal of jobs passes every check).
var (
	placers    = []auth.Role{auth.RoleMember, auth.RoleLogistics, auth.RoleAdmin}
	cancellers = []auth.Role{auth.RoleMember, auth.RoleLogistics}
	shippers   = []auth.Role{auth.RoleLogistics} // ship and deliver by hand
)

// CheckRequestedOn returns the problem with a requested delivery day, or nil: a day
// before today is refused (in_past); none (the zero Date) means "as soon as possible"
// and is stored as none.
func CheckRequestedOn(d, today civil.Date) *apperr.FieldError {
	if !d.IsZero() && d.Before(today) {
		fe := apperr.Field("requested_on", apperr.InPast, "must be today or later")
		return &fe
	}
	return nil
}

// DueOn is the day o should be delivered by: the requested day or, for an order "as
// soon as possible" (none requested), the day it was placed.
func (o *Order) DueOn() civil.Date {
	if !o.RequestedOn.IsZero() {
		return o.RequestedOn
	}
	return civil.Of(o.CreatedAt)
}

// IsLate reports whether o is still open (neither delivered nor cancelled) after the
// day it was due.
func (o *Order) IsLate(today civil.Date) bool {
	return o.Status != Delivered && o.Status != Cancelled && o.DueOn().Before(today)
}

// CanCancel reports whether o's state allows cancelling it: nothing has left yet.
func (o *Order) CanCancel() bool { return o.Status == Reserved || o.Status == Backordered }

// CanShip reports whether o's state allows handing it to dispatch: all of it reserved.
func (o *Order) CanShip() bool { return o.Status == Reserved }

// CanDeliver reports whether o's state allows marking it delivered by hand.
func (o *Order) CanDeliver() bool { return o.Status == Shipped }

// Actions says what a caller may do to an order now.
type Actions struct {
	Cancel, Ship, Deliver bool
}

// ActionsFor returns what p may do to o now, by role, member and o's state: exactly
// what Cancel, Ship and Deliver would allow.
func (o *Order) ActionsFor(p auth.Principal) Actions {
	may := func(roles []auth.Role) bool {
		return (p.Role == auth.RoleSystem || slices.Contains(roles, p.Role)) && p.SeesMember(o.MemberID)
	}
	return Actions{Cancel: may(cancellers) && o.CanCancel(), Ship: may(shippers) && o.CanShip(),
		Deliver: may(shippers) && o.CanDeliver()}
}
