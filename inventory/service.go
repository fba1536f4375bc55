package inventory

import (
	"context"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/validate"
)

// Members is what inventory needs of the contracts domain: members, their schemes, and
// the purchase price a contract sets for a product on a day (false when it sets none;
// NotFound for an unknown contract).
type Members interface {
	MemberExists(ctx context.Context, id int64) error
	SchemeExists(ctx context.Context, id int64) error
	Participates(ctx context.Context, memberID, schemeID int64, d civil.Date) (bool, error)
	PurchasePrice(ctx context.Context, contractID, productID int64, d civil.Date) (int64, bool, error)
}

// Service holds the inventory use cases.
type Service struct {
	Members Members
	// StockArrived, when set, is called inside a transaction that makes stock available
	// (receipt, cleaned or repaired device, released reservation, adjustment) with the
	// products concerned, so that what it records (an outbox task) commits with it;
	// cmd/fsc wires it to reserve backorders. An error rolls the transaction back.
	StockArrived func(ctx context.Context, productIDs []int64) error
	// Holders, when set, is told of every device an order holds that leaves reserved
	// outside the order's workflow (see Holders); cmd/fsc wires the orders service.
	Holders Holders
}

// NewService returns a Service.
func NewService(m Members) *Service { return &Service{Members: m} }

func (s *Service) stockArrived(ctx context.Context, productIDs ...int64) error {
	if s.StockArrived == nil || len(productIDs) == 0 {
		return nil
	}
	return s.StockArrived(ctx, productIDs)
}

var writers = []auth.Role{auth.RoleAdmin, auth.RoleLogistics}

// CreateProduct adds a catalogue item (admin, logistics). It returns Invalid for bad
// fields or an SKU in use.
func (s *Service) CreateProduct(ctx context.Context, in NewProduct) (*Product, error) {
	if _, err := auth.Require(ctx, writers...); err != nil {
		return nil, err
	}
	in.SKU, in.Name, in.Category = strings.TrimSpace(in.SKU), strings.TrimSpace(in.Name), strings.TrimSpace(in.Category)
	in.SubstitutionGroup = strings.TrimSpace(in.SubstitutionGroup)
	if err := validate.Struct(in); err != nil {
		return nil, err
	}
	p := &Product{SKU: in.SKU, Name: in.Name, Category: in.Category, Tracking: in.Tracking,
		ReorderLevel: in.ReorderLevel, SubstitutionGroup: in.SubstitutionGroup}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := insertProduct(ctx, p); err != nil {
			return err
		}
		return audit.Record(ctx, "create", "product", p.ID, nil, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ListProducts returns the catalogue by SKU (any user).
func (s *Service) ListProducts(ctx context.Context) ([]Product, error) {
	if _, err := auth.RequireAny(ctx); err != nil {
		return nil, err
	}
	return listProducts(ctx)
}

// ProductExists returns nil if product id exists and NotFound otherwise, whoever asks:
// what contracts checks a price's product with.
func (s *Service) ProductExists(ctx context.Context, id int64) error {
	_, err := findProduct(ctx, id)
	return err
}

// GetProduct returns product id, or NotFound.
func (s *Service) GetProduct(ctx context.Context, id int64) (*Product, error) {
	if _, err := auth.RequireAny(ctx); err != nil {
		return nil, err
	}
	return findProduct(ctx, id)
}

// CreateLocation adds a warehouse or a member's stock room (admin, logistics). It
// returns Invalid for bad fields, a code in use or an unknown member.
func (s *Service) CreateLocation(ctx context.Context, in NewLocation) (*Location, error) {
	if _, err := auth.Require(ctx, writers...); err != nil {
		return nil, err
	}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if err := validate.Struct(in); err != nil {
		return nil, err
	}
	if in.MemberID != nil {
		if err := s.Members.MemberExists(ctx, *in.MemberID); err != nil {
			if apperr.Is(err, apperr.KindNotFound) {
				return nil, apperr.Invalid(apperr.Field("member_id", apperr.Unknown, "no member with id %d", *in.MemberID))
			}
			return nil, err
		}
	}
	l := &Location{Code: in.Code, Name: in.Name, MemberID: in.MemberID}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := insertLocation(ctx, l); err != nil {
			return err
		}
		return audit.Record(ctx, "create", "location", l.ID, nil, l)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// ListLocations returns every location by code (staff).
func (s *Service) ListLocations(ctx context.Context) ([]Location, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return listLocations(ctx)
}
