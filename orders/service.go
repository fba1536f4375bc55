package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/inventory"
)

// Members is what orders needs of the contracts domain.
type Members interface {
	MemberExists(ctx context.Context, id int64) error
	Participates(ctx context.Context, memberID, schemeID int64, d civil.Date) (bool, error)
}

// Service holds the order use cases.
type Service struct {
	Inventory *inventory.Service
	Members   Members
	Carrier   Carrier

	placing chan struct{} // admission slots for reservation transactions
}

// NewService returns a Service that books with the manual carrier until Carrier is set.
func NewService(inv *inventory.Service, m Members) *Service {
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

var placers = []auth.Role{auth.RoleMember, auth.RoleLogistics, auth.RoleAdmin}

// Place creates an order and reserves it at once; it is backordered when stock is short.
// idemKey, when not empty, makes a retry with the same body answer the original order,
// and a reuse with another body an Invalid error. A member user may order only for its
// own member (Forbidden otherwise). Invalid names every bad field: an unknown kit or
// product, a kit of a scheme the member has not joined on the requested date, a citizen
// reference that looks like a CPR number, a bad address.
func (s *Service) Place(ctx context.Context, in NewOrder, idemKey string, body []byte) (*Order, error) {
	p, err := auth.Require(ctx, placers...)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() && (p.MemberID == nil || *p.MemberID != in.MemberID) {
		return nil, apperr.Forbidden("you can order only for your own member")
	}
	scope := principalScope(p)
	hash := bodyHash(body)
	if idemKey != "" {
		if o, err := s.replay(ctx, scope, idemKey, hash); o != nil || err != nil {
			return o, err
		}
	}
	lines, err := s.checkOrder(ctx, &in)
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
		return audit.Record(ctx, "place", "order", o.ID, nil, o)
	})
	if err != nil && idemKey != "" && db.IsUniqueViolation(err) {
		// A concurrent retry with the same key won the race: answer its order.
		return s.replay(ctx, scope, idemKey, hash)
	}
	return out, err
}

func principalScope(p auth.Principal) string {
	if p.UserID != 0 {
		return fmt.Sprintf("user:%d", p.UserID)
	}
	return fmt.Sprintf("token:%d", p.TokenID)
}

func bodyHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
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

// seenKey returns the id of what a request with this Idempotency-Key created (0 when the
// key is new for the caller), and Invalid when the key came with another body.
func seenKey(ctx context.Context, scope, key, entity, hash string) (int64, error) {
	var row struct {
		RequestHash string
		EntityID    int64
	}
	err := db.Conn(ctx).Table("idempotency_keys").Where("scope = ? AND key = ? AND entity = ?", scope, key, entity).Take(&row).Error
	if db.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("idempotency key: %w", err)
	}
	if row.RequestHash != hash {
		return 0, apperr.Invalid(apperr.Field("Idempotency-Key", CodeKeyReused, "was used before with a different request body"))
	}
	return row.EntityID, nil
}

// rememberKey records in the caller's transaction what a request with this
// Idempotency-Key created.
func rememberKey(ctx context.Context, scope, key, hash, entity string, id int64) error {
	if err := db.Conn(ctx).Table("idempotency_keys").Create(map[string]any{"scope": scope, "key": key,
		"request_hash": hash, "entity": entity, "entity_id": id, "created_at": time.Now().UTC()}).Error; err != nil {
		return fmt.Errorf("store idempotency key: %w", err)
	}
	return nil
}

// checkOrder validates in and returns the lines to order (a kit's components or the
// given lines).
func (s *Service) checkOrder(ctx context.Context, in *NewOrder) ([]NewLine, error) {
	in.CitizenRef, in.Note = strings.TrimSpace(in.CitizenRef), strings.TrimSpace(in.Note)
	if in.RequestedOn.IsZero() {
		in.RequestedOn = civil.Today()
	}
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
	if len(in.Note) > 2000 {
		fe.Add("note", apperr.TooLong, "must be at most %d characters", 2000)
	}
	if in.Delivery == nil {
		fe.Add("delivery", apperr.Required, "is required")
	} else if err := validate.Struct(in.Delivery); err != nil {
		for _, f := range err.(*apperr.Error).Fields {
			f.Field = "delivery." + f.Field // keeps the rule code, so pages can translate it
			fe = append(fe, f)
		}
	}
	var lines []NewLine
	switch {
	case in.KitID != nil && len(in.Lines) > 0:
		fe.Add("kit_id", apperr.Either, "send either kit_id or %s, not both", "lines")
	case in.KitID == nil && len(in.Lines) == 0:
		fe.Add("kit_id", apperr.EitherNone, "send either kit_id or %s", "lines")
	case in.KitID != nil:
		ls, err := s.kitLines(ctx, in, &fe)
		if err != nil {
			return nil, err
		}
		lines = ls
	default:
		lines = s.checkLines(ctx, in.Lines, &fe)
	}
	return lines, fe.Err()
}

func (s *Service) kitLines(ctx context.Context, in *NewOrder, fe *apperr.Fields) ([]NewLine, error) {
	var k struct {
		ID       int64
		SchemeID int64
	}
	err := db.Conn(ctx).Table("kits").Select("id, scheme_id").Where("id = ?", *in.KitID).Take(&k).Error
	if db.IsNotFound(err) {
		fe.Add("kit_id", apperr.Unknown, "no kit with id %d", *in.KitID)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load kit %d: %w", *in.KitID, err)
	}
	if in.MemberID > 0 {
		ok, err := s.Members.Participates(ctx, in.MemberID, k.SchemeID, in.RequestedOn)
		if err != nil {
			return nil, err
		}
		if !ok {
			fe.Add("kit_id", CodeNotJoined, "member %d has not joined the kit's scheme on %s", in.MemberID, in.RequestedOn)
		}
	}
	var lines []NewLine
	if err := db.Conn(ctx).Table("kit_components").Select("product_id, quantity").Where("kit_id = ?", k.ID).
		Order("product_id").Scan(&lines).Error; err != nil {
		return nil, fmt.Errorf("load kit %d components: %w", k.ID, err)
	}
	if len(lines) == 0 {
		fe.Add("kit_id", CodeKitEmpty, "kit %d has no components", k.ID)
	}
	return lines, nil
}

func (s *Service) checkLines(ctx context.Context, in []NewLine, fe *apperr.Fields) []NewLine {
	ids := make([]int64, 0, len(in))
	for _, l := range in {
		ids = append(ids, l.ProductID)
	}
	var known []int64
	db.Conn(ctx).Table("products").Where("id IN ?", ids).Pluck("id", &known)
	seen := map[int64]int{}
	for i, l := range in {
		at := fmt.Sprintf("lines[%d]", i)
		switch {
		case l.ProductID <= 0:
			fe.Add(at+".product_id", apperr.Required, "is required")
		case !contains(known, l.ProductID):
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
	return in
}

func contains(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (s *Service) insertOrder(ctx context.Context, p auth.Principal, in NewOrder, lines []NewLine) (*Order, error) {
	now := time.Now().UTC()
	o := &Order{Number: "pending-" + bodyHash([]byte(fmt.Sprint(now.UnixNano(), in.CitizenRef)))[:16], Status: Backordered,
		MemberID: in.MemberID, KitID: in.KitID, CitizenRef: in.CitizenRef, Delivery: *in.Delivery,
		RequestedOn: in.RequestedOn, Note: in.Note, CreatedBy: p.Name, CreatedAt: now, UpdatedAt: now}
	conn := db.Conn(ctx)
	if err := conn.Omit("Lines").Create(o).Error; err != nil {
		return nil, fmt.Errorf("create order: %w", err)
	}
	// The number derives from the id; saveStatus writes it at the end of the
	// transaction, so no one ever sees the placeholder.
	o.Number = fmt.Sprintf("O-%06d", o.ID)
	o.Lines = make([]Line, len(lines))
	for i, l := range lines {
		o.Lines[i] = Line{OrderID: o.ID, ProductID: l.ProductID, Quantity: l.Quantity, DeviceIDs: []int64{}}
	}
	if err := conn.Omit("DeviceIDs").Create(&o.Lines).Error; err != nil {
		return nil, fmt.Errorf("create order lines: %w", err)
	}
	return o, nil
}

// saveStatus writes the status, shipment and number of o.
func saveStatus(ctx context.Context, o *Order) error {
	o.UpdatedAt = time.Now().UTC()
	if err := db.Conn(ctx).Model(&Order{}).Where("id = ?", o.ID).Updates(map[string]any{
		"status": o.Status, "shipment_id": o.ShipmentID, "number": o.Number, "updated_at": o.UpdatedAt}).Error; err != nil {
		return fmt.Errorf("save order %d: %w", o.ID, err)
	}
	return nil
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
	After    int64
	Limit    int
}

// List returns orders newest first after cursor f.After, with lines, and the next
// cursor; a member user sees only its own member's orders.
func (s *Service) List(ctx context.Context, f Filter) ([]Order, int64, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, 0, err
	}
	if f.Status != "" && !validStatus(f.Status) {
		return nil, 0, apperr.Invalid(apperr.Field("status", apperr.OneOf, "must be one of %s", "backordered, reserved, dispatching, shipped, delivered, cancelled"))
	}
	if !p.IsStaff() {
		if p.MemberID == nil || (f.MemberID != 0 && f.MemberID != *p.MemberID) {
			return nil, 0, nil
		}
		f.MemberID = *p.MemberID
	}
	return listOrders(ctx, f)
}

func validStatus(s Status) bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Cancel cancels an order that has not been shipped and releases its reservations.
// It returns NotFound if the order is not visible to the caller, and Conflict if it is
// dispatching, shipped, delivered or already cancelled.
func (s *Service) Cancel(ctx context.Context, id int64) (*Order, error) {
	p, err := auth.Require(ctx, auth.RoleMember, auth.RoleLogistics)
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
		if o.Status != Reserved && o.Status != Backordered {
			return apperr.Conflict("order %s is %s and can no longer be cancelled", o.Number, o.Status)
		}
		before := *o
		if err := s.release(ctx, o, "order "+o.Number+" cancelled"); err != nil {
			return err
		}
		o.Status = Cancelled
		if err := saveStatus(ctx, o); err != nil {
			return err
		}
		out = o
		return audit.Record(ctx, "cancel", "order", o.ID, before, o)
	})
	return out, err
}

// FillBackorders reserves stock for backordered orders, oldest first, each in its own
// transaction, until an order cannot be completed for want of stock of a product that
// later orders also need. It returns how many orders became reserved.
func (s *Service) FillBackorders(ctx context.Context) (int, error) {
	var ids []int64
	if err := db.Conn(ctx).Table("orders").Where("status = ?", Backordered).Order("id").Limit(500).Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("backorders: %w", err)
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
