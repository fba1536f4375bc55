package support

import (
	"context"
	"errors"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/notice"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/support/calendar"
)

// Members is what support needs of the contracts domain's members
// (*contracts.Service has it).
type Members interface {
	// MemberExists returns nil if member id exists and NotFound otherwise.
	MemberExists(ctx context.Context, id int64) error
}

// Devices is what support needs of inventory (*inventory.Service has it).
type Devices interface {
	// GetDevice returns device id, scoped to the caller (a member user gets NotFound for
	// a device not held for its member).
	GetDevice(ctx context.Context, id int64) (*inventory.Device, error)
	// FindBySerial returns the devices with this serial, one per product at most (staff).
	FindBySerial(ctx context.Context, serial string) ([]inventory.Device, error)
}

// Orders is what a swap needs of the orders domain: today's methods of *orders.Service,
// so it plugs in as it is; an adapter bridges a change of their signatures.
type Orders interface {
	Place(ctx context.Context, in orders.NewOrder, idemKey string) (*orders.Order, error)
	RequestReturn(ctx context.Context, in orders.NewReturn, idemKey string) (*orders.Return, error)
	// Get returns order id (for the delivery address of a device's last order).
	Get(ctx context.Context, id int64) (*orders.Order, error)
}

// VendorTerms is what escalation needs of vendors and their contracts (the contracts
// domain's vendor work provides it).
type VendorTerms interface {
	// VendorExists returns nil if vendor id exists and NotFound otherwise.
	VendorExists(ctx context.Context, id int64) error
	// ActiveSLA returns the SLA terms of the vendor's contract active at at; ok is false
	// when it has no active contract or that contract has no SLA terms.
	ActiveSLA(ctx context.Context, vendorID int64, at time.Time) (responseHours, resolutionHours int, ok bool, err error)
}

// Notice is an in-app notice for staff of some roles. Raising one twice with the same
// Key must leave one notice.
type Notice struct {
	Key      string      // dedupe key, e.g. "support:sla:42:resolution:breach"
	Kind     notice.Code // NoticeSLAAtRisk or NoticeSLABreached
	Audience []auth.Role // who sees it
	Entity   string      // "ticket"
	EntityID int64
	Title    string   // English, for logs and the API's courtesy
	Args     []string // for the translation of Kind: ticket number, due kind, due time (RFC 3339)
}

// Kinds of the notices support raises; Args: ticket number, "first_response" or
// "resolution", the due time (RFC 3339).
var (
	NoticeSLAAtRisk   = notice.NewCode("ticket_sla_at_risk")
	NoticeSLABreached = notice.NewCode("ticket_sla_breached")
)

// Notifier raises notices. Raise runs inside the caller's transaction.
type Notifier interface {
	Raise(ctx context.Context, n Notice) error
}

// Notices raises support's notices through internal/notice: the Notifier of a wired
// service (tests may put a recorder in its place).
type Notices struct{}

// Raise stores n as an internal/notice notice, once per Key.
func (Notices) Raise(ctx context.Context, n Notice) error {
	_, err := notice.Raise(ctx, &notice.Notice{Code: n.Kind, Args: n.Args, Audience: n.Audience,
		Entity: n.Entity, EntityID: n.EntityID, DedupeKey: n.Key})
	return err
}

// Service holds the call centre's use cases. Members, Devices and Orders are required;
// Vendors is needed by Escalate, Notifier by the SLA job (each fails with an internal
// error if it is missing, rather than lose what it would do).
type Service struct {
	Members  Members
	Devices  Devices
	Orders   Orders
	Vendors  VendorTerms
	Notifier Notifier
	// OLACalendar counts a vendor contract's hours; around the clock unless set.
	OLACalendar calendar.Calendar
	// Now is the clock; time.Now unless set (tests fix it).
	Now func() time.Time
}

// NewService returns a Service; set Vendors and Notifier before escalating and running
// the SLA job.
func NewService(m Members, d Devices, o Orders) *Service {
	return &Service{Members: m, Devices: d, Orders: o, Notifier: Notices{}, OLACalendar: calendar.TwentyFourSeven{}}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return micro(s.Now())
	}
	return micro(time.Now())
}

var errNotWired = errors.New("support: dependency not wired")

// Who may do what, beyond the one-line checks in each method.
var (
	creators  = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleMember}
	readers   = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleLogistics, auth.RoleMember, auth.RoleVendor}
	writers   = []auth.Role{auth.RoleSupport, auth.RoleAdmin, auth.RoleMember, auth.RoleVendor} // comments
	agents    = []auth.Role{auth.RoleSupport, auth.RoleAdmin}
	swappers  = []auth.Role{auth.RoleSupport, auth.RoleLogistics}
	alarmists = []auth.Role{auth.RoleSupport, auth.RoleAdmin}
)

// centreStaff reports whether p answers for the centre: its first public comment is
// the first response.
func centreStaff(p auth.Principal) bool { return p.Role.IsStaff() && p.Role != auth.RoleSystem }

// sees reports whether p may see t at all: staff every ticket, a member user its
// member's, a vendor user those escalated to its vendor.
func sees(p auth.Principal, t *Ticket) bool {
	switch p.Role {
	case auth.RoleMember:
		return p.MemberID != nil && *p.MemberID == t.MemberID
	case auth.RoleVendor:
		return p.VendorID != nil && t.VendorID != nil && *p.VendorID == *t.VendorID
	}
	return p.IsStaff()
}

// redact hides from p what its role must not see: citizen data from vendors (only the
// member and centre staff see it).
func redact(p auth.Principal, t *Ticket) {
	if p.Role == auth.RoleVendor {
		t.CitizenRef, t.Contact = nil, Contact{}
	}
}

func notFound(id int64) error { return apperr.NotFound("ticket %d not found", id) }

// asSystem returns ctx acting as the system principal while the audit trail keeps
// naming p: a swap places an order and a return for the member on the agent's behalf,
// which orders itself allows only to member users and logistics.
func asSystem(ctx context.Context, p auth.Principal) context.Context {
	a := audit.Actor{Name: p.Name, Role: string(p.Role), MemberID: p.MemberID}
	if p.UserID != 0 {
		a.UserID = &p.UserID
	} else if p.TokenID != 0 {
		a.Name = "token:" + p.Name
	}
	return audit.WithActor(auth.WithPrincipal(ctx, auth.System), a)
}
