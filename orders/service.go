package orders

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/inventory"
)

// Members is what orders needs of the contracts domain.
type Members interface {
	MemberExists(ctx context.Context, id int64) error
	Participates(ctx context.Context, memberID, schemeID int64, d civil.Date) (bool, error)
}

// Stock is what orders needs of the inventory domain; *inventory.Service is one. Orders
// reads no table of inventory's: every product, kit, device and location it looks at,
// and every move of stock, goes through these.
type Stock interface {
	GetProduct(ctx context.Context, id int64) (*inventory.Product, error)
	KnownProducts(ctx context.Context, ids []int64) (map[int64]bool, error)
	KitByID(ctx context.Context, id int64) (*inventory.Kit, error)
	GetLocation(ctx context.Context, id int64) (*inventory.Location, error)
	DevicesByID(ctx context.Context, ids []int64) ([]inventory.Device, error)
	PickAvailable(ctx context.Context, p *inventory.Product, n int) ([]int64, error)
	Move(ctx context.Context, ids []int64, to inventory.State, c inventory.Change) ([]inventory.Device, error)
	ReserveQuantity(ctx context.Context, productID, want, orderID int64) ([]inventory.Allocation, error)
	ReleaseQuantity(ctx context.Context, productID, locationID, qty, orderID int64) error
	ShipQuantity(ctx context.Context, productID, locationID, qty, orderID int64) error
	CitizenActivity(ctx context.Context, memberID int64, ref string) (held bool, last time.Time, err error)
	AnonymiseCitizen(ctx context.Context, memberID int64, ref, pseudonym string) (returnIDs, shipmentIDs []int64, err error)
}

// Service holds the order use cases.
type Service struct {
	Inventory Stock
	Members   Members
	Carrier   Carrier
	// CitizenRetention is how long a citizen's data is kept after the last device came
	// back (DefaultCitizenRetention when 0); cmd/fsc sets it from FSC_CITIZEN_RETENTION.
	CitizenRetention time.Duration

	placing chan struct{} // admission slots for reservation transactions
}

// NewService returns a Service that books with the manual carrier until Carrier is set.
func NewService(inv Stock, m Members) *Service {
	return &Service{Inventory: inv, Members: m, Carrier: ManualCarrier{},
		placing: make(chan struct{}, 4*runtime.GOMAXPROCS(0))}
}

// admit waits for one of a few slots before a reservation transaction. Reservations of
// the same products queue on each other's row locks; past a handful at once more of
// them only add lock waits and context switches, so the rest wait here, in order,
// holding no locks and no database connection.
func (s *Service) admit(ctx context.Context) error {
	if s.placing == nil {
		return nil
	}
	select {
	case s.placing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) leave() {
	if s.placing != nil {
		<-s.placing
	}
}

// Check validates an order as Place would, without placing it, so that a form with a
// field the caller could not even read (a malformed date) can still name every other
// bad field at once. It returns Forbidden as Place does, Invalid naming every bad
// field, or nil when Place would accept in now.
func (s *Service) Check(ctx context.Context, in NewOrder) error {
	p, err := auth.Require(ctx, placers...)
	if err != nil {
		return err
	}
	if !p.IsStaff() && (p.MemberID == nil || *p.MemberID != in.MemberID) {
		return apperr.Forbidden("you can order only for your own member")
	}
	in.normalise()
	_, err = s.checkOrder(ctx, &in, civil.Today())
	return err
}

// Place creates an order and reserves it at once; it is backordered when stock is short.
// idemKey, when not empty, makes a retry of the same request answer the original order,
// and a reuse of the key for another request an Invalid error (CodeKeyReused). A member
// user may order only for its own member (Forbidden otherwise). Invalid names every bad
// field: an unknown kit or product, a kit of a scheme the member has not joined on the
// requested day, a requested day before today, a citizen reference that looks like a
// CPR number, a bad address. A database error is returned as such, never as Invalid.
func (s *Service) Place(ctx context.Context, in NewOrder, idemKey string) (*Order, error) {
	p, err := auth.Require(ctx, placers...)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() && (p.MemberID == nil || *p.MemberID != in.MemberID) {
		return nil, apperr.Forbidden("you can order only for your own member")
	}
	in.normalise()
	scope, hash := principalScope(p), requestHash("order", in)
	if idemKey != "" {
		// Before any check: a retry answers the order even when the request would now
		// be refused (its requested day has passed since).
		if o, err := s.replay(ctx, scope, idemKey, hash); o != nil || err != nil {
			return o, err
		}
	}
	lines, err := s.checkOrder(ctx, &in, civil.Today())
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx); err != nil {
		return nil, err
	}
	defer s.leave()
	var out *Order
	err = db.WithTx(ctx, func(ctx context.Context) error {
		o, err := s.insertOrder(ctx, p, in, lines)
		if err != nil {
			return err
		}
		// The key goes in before the reservation: a racing retry with the same key
		// fails here, before it locks any stock, and the reservation's locks (held until
		// commit) are not kept any longer for it.
		if idemKey != "" {
			if err := rememberKey(ctx, scope, idemKey, hash, "order", o.ID); err != nil {
				return err
			}
		}
		if err := s.reserve(ctx, o); err != nil {
			return err
		}
		if err := saveStatus(ctx, o); err != nil { // with the number insertOrder gave it
			return err
		}
		out = o
		if err := emitOrder(ctx, o); err != nil {
			return err
		}
		return audit.Record(ctx, "place", "order", o.ID, nil, o)
	})
	if err != nil && idemKey != "" && db.IsUniqueViolation(err) {
		// A concurrent retry with the same key won the race: answer its order.
		return s.replay(ctx, scope, idemKey, hash)
	}
	return out, err
}

// normalise trims what checkOrder would trim and makes empty lists nil, so that a
// request reads the same (and hashes the same) however it was sent.
func (in *NewOrder) normalise() {
	in.CitizenRef, in.Note = strings.TrimSpace(in.CitizenRef), strings.TrimSpace(in.Note)
	if len(in.Lines) == 0 {
		in.Lines = nil
	}
}

// replay answers a request whose Idempotency-Key was seen before with the order it made,
// or nil when the key is new.
func (s *Service) replay(ctx context.Context, scope, key, hash string) (*Order, error) {
	id, err := seenKey(ctx, scope, key, "order", hash)
	if id == 0 || err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func (s *Service) insertOrder(ctx context.Context, p auth.Principal, in NewOrder, lines []NewLine) (*Order, error) {
	now := time.Now().UTC()
	// A unique placeholder number: the real one derives from the id, and saveStatus
	// writes it at the end of the transaction, so no one ever sees the placeholder.
	o := &Order{Number: "pending-" + requestHash("number", []any{now.UnixNano(), in.CitizenRef})[:16], Status: Backordered,
		MemberID: in.MemberID, KitID: in.KitID, CitizenRef: in.CitizenRef, Delivery: *in.Delivery,
		RequestedOn: in.RequestedOn, Note: in.Note, CreatedBy: p.Name, CreatedAt: now, UpdatedAt: now}
	o.Due = o.DueOn()
	o.Lines = make([]Line, len(lines))
	for i, l := range lines {
		o.Lines[i] = Line{ProductID: l.ProductID, Quantity: l.Quantity, DeviceIDs: []int64{}}
	}
	if err := insertOrder(ctx, o); err != nil {
		return nil, err
	}
	o.Number = fmt.Sprintf("O-%06d", o.ID)
	return o, nil
}

// Get returns order id with its lines and reserved devices; a member user gets NotFound
// for another member's order.
func (s *Service) Get(ctx context.Context, id int64) (*Order, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	o, err := loadOrder(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(o.MemberID) {
		return nil, apperr.NotFound("order %d not found", id)
	}
	return o, nil
}

// Filter selects orders for List.
type Filter struct {
	Status   Status
	MemberID int64
	// Query finds an order by its number (ignoring case) or its citizen reference (as
	// written); at most 100 characters.
	Query string
	Sort  Sort
	After int64 // the id of the last order of the page before
	Limit int
}

// Sort is the order of a list of orders.
type Sort string

// The orders of List: newest first (ids descending, the default), oldest first, and
// by the day due, soonest or latest first (then by id).
const (
	SortNewest  Sort = ""
	SortOldest  Sort = "oldest"
	SortDue     Sort = "due"
	SortDueLast Sort = "due_last"
)

// Sorts are the orders List knows.
var Sorts = []Sort{SortNewest, SortOldest, SortDue, SortDueLast}

// List returns orders newest first after cursor f.After, with lines, and the next
// cursor; a member user sees only its own member's orders.
func (s *Service) List(ctx context.Context, f Filter) ([]Order, int64, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, 0, err
	}
	var fe apperr.Fields
	if f.Status != "" && !validStatus(f.Status) {
		fe.Add("status", apperr.OneOf, "must be one of %s", "backordered, reserved, dispatching, shipped, delivered, cancelled")
	}
	if !slices.Contains(Sorts, f.Sort) {
		fe.Add("sort", apperr.OneOf, "must be one of %s", "newest, oldest, due, due_last")
	}
	if f.Query = strings.TrimSpace(f.Query); utf8.RuneCountInString(f.Query) > 100 {
		fe.Add("q", apperr.TooLong, "must be at most %s characters", "100")
	}
	if err := fe.Err(); err != nil {
		return nil, 0, err
	}
	var ok bool
	if f.MemberID, ok = memberScope(p, f.MemberID); !ok {
		return nil, 0, nil
	}
	return listOrders(ctx, f)
}

// memberScope returns the member a list for p is limited to, given the member asked
// for (0: any): staff get what they asked; a member user its own member, and ok false
// (an empty list) when it asked for another or has none.
func memberScope(p auth.Principal, asked int64) (int64, bool) {
	if p.IsStaff() {
		return asked, true
	}
	if p.MemberID == nil || (asked != 0 && asked != *p.MemberID) {
		return 0, false
	}
	return *p.MemberID, true
}

func validStatus(s Status) bool { return slices.Contains(Statuses, s) }

// Cancel cancels an order that has not been shipped and releases its reservations.
// It returns NotFound if the order is not visible to the caller, and Conflict unless
// the order can be cancelled (CanCancel).
func (s *Service) Cancel(ctx context.Context, id int64) (*Order, error) {
	p, err := auth.Require(ctx, cancellers...)
	if err != nil {
		return nil, err
	}
	var out *Order
	err = db.WithTx(ctx, func(ctx context.Context) error {
		o, err := loadOrder(ctx, id, true)
		if err != nil {
			return err
		}
		if !p.SeesMember(o.MemberID) {
			return apperr.NotFound("order %d not found", id)
		}
		if !o.CanCancel() {
			return apperr.Conflict("order %s is %s and can no longer be cancelled", o.Number, o.Status)
		}
		before := *o
		if err := s.release(ctx, o, inventory.Because(inventory.WhyCancelled, o.Number)); err != nil {
			return err
		}
		o.Status = Cancelled
		if err := saveStatus(ctx, o); err != nil {
			return err
		}
		out = o
		if err := emitOrder(ctx, o); err != nil {
			return err
		}
		return audit.Record(ctx, "cancel", "order", o.ID, before, o)
	})
	return out, err
}

// FillBackorders reserves stock for backordered orders, oldest first, each in its own
// transaction, until an order cannot be completed for want of stock of a product that
// later orders also need. It returns how many orders became reserved.
func (s *Service) FillBackorders(ctx context.Context) (int, error) {
	ids, err := backorderedIDs(ctx, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		done := false
		err := db.WithTx(ctx, func(ctx context.Context) error {
			o, err := loadOrder(ctx, id, true)
			if err != nil || o.Status != Backordered {
				return err
			}
			if err := s.reserve(ctx, o); err != nil {
				return err
			}
			if o.Status != Reserved {
				return nil
			}
			done = true
			if err := saveStatus(ctx, o); err != nil {
				return err
			}
			if err := emitOrder(ctx, o); err != nil {
				return err
			}
			return audit.Record(ctx, "reserve-backorder", "order", o.ID, map[string]any{"status": Backordered}, o)
		})
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// TypeFillBackorders is the task that runs FillBackorders after stock arrived.
const TypeFillBackorders = "orders:fill-backorders"

// StockArrived is the inventory hook: it writes a fill-backorders task to the outbox in
// the transaction that made stock available.
func (s *Service) StockArrived(ctx context.Context, productIDs []int64) error {
	return jobs.Later(ctx, TypeFillBackorders, jobs.QueueDefault, map[string]any{"product_ids": productIDs})
}
