package contracts

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// CreateContract registers a contract with its extension options (admin, finance). It
// returns Invalid naming each bad field (ends_on before starts_on, an unknown vendor or
// scheme) and Conflict for a number in use.
func (s *Service) CreateContract(ctx context.Context, in NewContract) (*Contract, error) {
	p, err := auth.Require(ctx, contractWriters...)
	if err != nil {
		return nil, err
	}
	if err := checkNewContract(&in); err != nil {
		return nil, err
	}
	c := &Contract{Number: in.Number, Title: in.Title, VendorID: in.VendorID, SchemeID: in.SchemeID,
		TenderRef: in.TenderRef, StartsOn: in.StartsOn, EndsOn: in.EndsOn, NoticeMonths: *in.NoticeMonths,
		NoticeDeadline: NoticeDeadline(in.EndsOn, *in.NoticeMonths)}
	if in.SLA != nil {
		c.SLAResponseHours, c.SLAResolutionHours = &in.SLA.ResponseHours, &in.SLA.ResolutionHours
	}
	var out *Contract
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.checkParties(ctx, c.VendorID, c.SchemeID); err != nil {
			return err
		}
		if err := db.Conn(ctx).Create(c).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("number", apperr.Taken, "contract number %q is already in use", c.Number)
			}
			return fmt.Errorf("create contract: %w", err)
		}
		for i, e := range in.Extensions {
			c.Extensions = append(c.Extensions, Extension{ContractID: c.ID, Position: i + 1, Months: e.Months})
		}
		if len(c.Extensions) > 0 {
			if err := db.Conn(ctx).Create(&c.Extensions).Error; err != nil {
				return fmt.Errorf("create extension options: %w", err)
			}
		}
		if c.Extensions == nil {
			c.Extensions = []Extension{}
		}
		c.derive(s.today())
		if err := audit.Record(ctx, "create", "contract", c.ID, nil, c); err != nil {
			return err
		}
		out, err = s.loadContract(ctx, c.ID, scopeOf(p))
		return err
	})
	return out, err
}

// checkParties names an unknown vendor or scheme as field errors.
func (s *Service) checkParties(ctx context.Context, vendorID int64, schemeID *int64) error {
	var fe apperr.Fields
	if err := s.VendorExists(ctx, vendorID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("vendor_id", apperr.Unknown, "no vendor with id %d", vendorID)
	} else if err != nil {
		return err
	}
	if schemeID != nil {
		if _, err := findScheme(ctx, *schemeID, false); apperr.Is(err, apperr.KindNotFound) {
			fe.Add("scheme_id", apperr.Unknown, "no scheme with id %d", *schemeID)
		} else if err != nil {
			return err
		}
	}
	return fe.Err()
}

// GetContract returns contract id with its prices, participants and documents. Staff
// see every contract; a vendor user its vendor's; a member user those its member
// participates in, with only its own participation. It returns NotFound for an unknown
// or invisible id.
func (s *Service) GetContract(ctx context.Context, id int64) (*ContractDetail, error) {
	p, err := auth.Require(ctx, contractReaders...)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(p)
	c, err := s.loadContract(ctx, id, sc)
	if err != nil {
		return nil, err
	}
	d := &ContractDetail{Contract: *c}
	if d.Prices, err = listPrices(ctx, id); err != nil {
		return nil, err
	}
	if d.Participants, err = listContractParticipants(ctx, id, sc.memberID); err != nil {
		return nil, err
	}
	if d.Documents, err = listDocuments(ctx, id); err != nil {
		return nil, err
	}
	return d, nil
}

// loadContract returns contract id as sc sees it, with its extensions and derived
// fields, or NotFound.
func (s *Service) loadContract(ctx context.Context, id int64, sc contractScope) (*Contract, error) {
	cs, err := findContracts(contractQuery(ctx, sc).Where("c.id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("load contract %d: %w", id, err)
	}
	if len(cs) == 0 {
		return nil, apperr.NotFound("contract %d not found", id)
	}
	if err := s.withExtensions(ctx, cs); err != nil {
		return nil, err
	}
	return &cs[0], nil
}

// ListContracts returns the contracts the caller may see that match f, and the cursor
// of the next page (0 on the last). It returns Invalid for a bad status or day count.
func (s *Service) ListContracts(ctx context.Context, f ContractFilter) ([]Contract, int64, error) {
	p, err := auth.Require(ctx, contractReaders...)
	if err != nil {
		return nil, 0, err
	}
	if err := f.check(); err != nil {
		return nil, 0, err
	}
	cs, next, err := listContracts(ctx, scopeOf(p), f, s.today())
	if err != nil {
		return nil, 0, err
	}
	s.derive(cs)
	return cs, next, nil
}

// derive sets the derived fields of cs, a list without extension options.
func (s *Service) derive(cs []Contract) {
	today := s.today()
	for i := range cs {
		cs[i].derive(today)
	}
}

// withExtensions loads the extension options of cs in one query and derives their
// status and counts.
func (s *Service) withExtensions(ctx context.Context, cs []Contract) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
	}
	var es []Extension
	if err := db.Conn(ctx).Where("contract_id IN ?", ids).Order("contract_id, position").Find(&es).Error; err != nil {
		return fmt.Errorf("load extension options: %w", err)
	}
	by := map[int64][]Extension{}
	for _, e := range es {
		by[e.ContractID] = append(by[e.ContractID], e)
	}
	today := s.today()
	for i := range cs {
		cs[i].Extensions = by[cs[i].ID]
		if cs[i].Extensions == nil {
			cs[i].Extensions = []Extension{}
		}
		cs[i].derive(today)
	}
	return nil
}

// Extend uses contract id's next unused extension option (admin, finance): EndsOn moves
// by its months and the notice deadline follows, in one transaction with its audit
// entry. Two racing calls each use their own option. It returns NotFound for an unknown
// id and Conflict when no option is left.
func (s *Service) Extend(ctx context.Context, id int64) (*Contract, error) {
	p, err := auth.Require(ctx, contractWriters...)
	if err != nil {
		return nil, err
	}
	var out *Contract
	err = db.WithTx(ctx, func(ctx context.Context) error {
		// The row lock serialises extensions of one contract: the second waits, then
		// sees the first's option used.
		c, err := lockContract(ctx, id)
		if err != nil {
			return err
		}
		before := *c
		var next Extension
		if err := db.Conn(ctx).Where("contract_id = ? AND used_at IS NULL", id).Order("position").Limit(1).Find(&next).Error; err != nil {
			return fmt.Errorf("next extension option of contract %d: %w", id, err)
		}
		if next.ID == 0 {
			return apperr.Conflict("contract %s has no extension option left", c.Number)
		}
		now := time.Now().UTC()
		c.EndsOn = c.EndsOn.AddMonths(next.Months)
		c.NoticeDeadline = NoticeDeadline(c.EndsOn, c.NoticeMonths)
		res := db.Conn(ctx).Model(&Extension{}).Where("id = ? AND used_at IS NULL", next.ID).
			Updates(map[string]any{"used_at": now, "used_by": p.Name, "ends_before": before.EndsOn, "ends_after": c.EndsOn})
		if res.Error != nil {
			return fmt.Errorf("use extension option %d: %w", next.ID, res.Error)
		}
		if res.RowsAffected != 1 {
			return apperr.Conflict("extension option %d of contract %s was used meanwhile; try again", next.Position, c.Number)
		}
		err = db.Conn(ctx).Model(&Contract{}).Where("id = ?", id).
			Updates(map[string]any{"ends_on": c.EndsOn, "notice_deadline": c.NoticeDeadline, "updated_at": now}).Error
		if err != nil {
			return fmt.Errorf("extend contract %d: %w", id, err)
		}
		if out, err = s.loadContract(ctx, id, contractScope{}); err != nil {
			return err
		}
		return audit.Record(ctx, "extend", "contract", id,
			map[string]any{"ends_on": before.EndsOn, "notice_deadline": before.NoticeDeadline},
			map[string]any{"ends_on": c.EndsOn, "notice_deadline": c.NoticeDeadline, "option": next.Position, "months": next.Months})
	})
	return out, err
}

// UpdateContract applies patch to contract id (admin, finance); a new notice period
// moves the notice deadline. It returns NotFound for an unknown id and Invalid for bad
// fields.
func (s *Service) UpdateContract(ctx context.Context, id int64, patch ContractPatch) (*Contract, error) {
	if _, err := auth.Require(ctx, contractWriters...); err != nil {
		return nil, err
	}
	var fe apperr.Fields
	optText(&fe, "title", patch.Title, true, 200)
	optText(&fe, "tender_ref", patch.TenderRef, false, 100)
	if patch.NoticeMonths != nil {
		checkNoticeMonths(&fe, *patch.NoticeMonths)
	}
	checkSLA(&fe, patch.SLA)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Contract
	err := db.WithTx(ctx, func(ctx context.Context) error {
		c, err := lockContract(ctx, id)
		if err != nil {
			return err
		}
		before := *c
		setIf(&c.Title, patch.Title)
		setIf(&c.TenderRef, patch.TenderRef)
		if patch.NoticeMonths != nil {
			c.NoticeMonths = *patch.NoticeMonths
			c.NoticeDeadline = NoticeDeadline(c.EndsOn, c.NoticeMonths)
		}
		if patch.SLA != nil {
			c.SLAResponseHours, c.SLAResolutionHours = &patch.SLA.ResponseHours, &patch.SLA.ResolutionHours
		}
		err = db.Conn(ctx).Model(&Contract{}).Where("id = ?", id).Updates(map[string]any{
			"title": c.Title, "tender_ref": c.TenderRef, "notice_months": c.NoticeMonths, "notice_deadline": c.NoticeDeadline,
			"sla_response_hours": c.SLAResponseHours, "sla_resolution_hours": c.SLAResolutionHours, "updated_at": time.Now().UTC()}).Error
		if err != nil {
			return fmt.Errorf("update contract %d: %w", id, err)
		}
		if out, err = s.loadContract(ctx, id, contractScope{}); err != nil {
			return err
		}
		before.derive(s.today())
		return audit.Record(ctx, "update", "contract", id, before, out)
	})
	return out, err
}
