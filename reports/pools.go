package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
)

// CostPool is a shared cost of a scheme for a month, split among the scheme's
// participants by an allocation key.
type CostPool struct {
	ID              int64     `json:"id" gorm:"primaryKey"`
	SchemeID        int64     `json:"scheme_id"`
	Period          string    `json:"period"`
	Name            string    `json:"name"`
	AmountOre       int64     `json:"amount_ore"`
	AllocationKeyID int64     `json:"allocation_key_id"`
	CreatedBy       string    `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
}

// TableName keeps the table name stable.
func (CostPool) TableName() string { return "cost_pools" }

// NewCostPool is the body of POST /cost-pools.
type NewCostPool struct {
	SchemeID        int64  `json:"scheme_id"`
	Period          string `json:"period" validate:"max=7"`
	Name            string `json:"name" validate:"max=200"`
	AmountOre       int64  `json:"amount_ore" validate:"lte=100000000000"`
	AllocationKeyID int64  `json:"allocation_key_id"`
}

// CreateCostPool stores a pool (finance). It returns Invalid naming every bad field
// (scheme and key unknown, period not YYYY-MM, name required, a negative amount) and
// Conflict when the period's run is finalised.
func (s *Service) CreateCostPool(ctx context.Context, in NewCostPool) (*CostPool, error) {
	p, err := auth.Require(ctx, auth.RoleFinance)
	if err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if err := checkRefs(ctx, &fe, in.SchemeID, in.AllocationKeyID); err != nil {
		return nil, err
	}
	per := checkPeriod(&fe, "period", in.Period, civil.Of(s.now()), false)
	text(&fe, "name", &in.Name, true, 200)
	if in.AmountOre < 0 {
		fe.Add("amount_ore", apperr.Negative, "must not be negative")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	pool := CostPool{SchemeID: in.SchemeID, Period: per.String(), Name: in.Name, AmountOre: in.AmountOre,
		AllocationKeyID: in.AllocationKeyID, CreatedBy: p.Name, CreatedAt: s.now()}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := refuseFinalized(ctx, per, "period"); err != nil {
			return err
		}
		if err := db.Conn(ctx).Create(&pool).Error; err != nil {
			return fmt.Errorf("create cost pool: %w", err)
		}
		return audit.Record(ctx, "create", "cost_pool", pool.ID, nil, pool)
	})
	if err != nil {
		return nil, err
	}
	return &pool, nil
}

// checkRefs adds field errors for an unknown scheme or allocation key.
func checkRefs(ctx context.Context, fe *apperr.Fields, schemeID, keyID int64) error {
	if schemeID <= 0 {
		fe.Add("scheme_id", apperr.Required, "is required")
	} else if ok, err := schemeExists(ctx, schemeID); err != nil {
		return err
	} else if !ok {
		fe.Add("scheme_id", apperr.Unknown, "no scheme with id %d", schemeID)
	}
	if keyID <= 0 {
		fe.Add("allocation_key_id", apperr.Required, "is required")
	} else if ks, err := loadKeys(ctx, keyID); err != nil {
		return err
	} else if len(ks) == 0 {
		fe.Add("allocation_key_id", apperr.Unknown, "no allocation key with id %d", keyID)
	}
	return nil
}

// refuseFinalized returns Conflict naming field when period has a finalised run.
func refuseFinalized(ctx context.Context, per Period, field string) error {
	// The period's runs are locked as Finalize locks its run: a finalising that is
	// under way is waited for and then seen, instead of its trigger refusing the write
	// after this check passed.
	var statuses []string
	if err := db.ForUpdate(db.Conn(ctx).Model(&Run{}).Where("period = ?", per.String())).Order("id").
		Pluck("status", &statuses).Error; err != nil {
		return fmt.Errorf("finalised run of %s: %w", per, err)
	}
	if slices.Contains(statuses, RunFinalized) {
		return conflict(field, CodeRunFinalized, "the run of %s is finalised; correct it in a later month", per)
	}
	return nil
}

// ListCostPools returns the pools of period ("" for all), newest period first, then by
// id (finance, admin).
func (s *Service) ListCostPools(ctx context.Context, period string) ([]CostPool, error) {
	if _, err := auth.Require(ctx, auth.RoleFinance, auth.RoleAdmin); err != nil {
		return nil, err
	}
	q := db.Conn(ctx).Order("period DESC, id")
	if period != "" {
		per, ok := ParsePeriod(period)
		if !ok {
			return nil, apperr.Invalid(apperr.Field("period", CodePeriod, "must be a month as YYYY-MM"))
		}
		q = q.Where("period = ?", per.String())
	}
	out := []CostPool{}
	if err := q.Limit(1000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("cost pools: %w", err)
	}
	return out, nil
}

// PreviewRequest is the body of POST /allocations/preview.
type PreviewRequest struct {
	AllocationKeyID int64  `json:"allocation_key_id"`
	SchemeID        int64  `json:"scheme_id"`
	Period          string `json:"period" validate:"max=7"`
	AmountOre       int64  `json:"amount_ore" validate:"gte=-100000000000,lte=100000000000"`
}

// Preview splits amount among the scheme's participants on the period's last day as a
// run would, storing nothing (finance). It returns Invalid naming the bad fields, also
// when the pool cannot be split (no participants: scheme_id; nothing to split the rest
// by: allocation_key_id).
func (s *Service) Preview(ctx context.Context, in PreviewRequest) (*Split, error) {
	if _, err := auth.Require(ctx, auth.RoleFinance); err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if err := checkRefs(ctx, &fe, in.SchemeID, in.AllocationKeyID); err != nil {
		return nil, err
	}
	per := checkPeriod(&fe, "period", in.Period, civil.Of(s.now()), false)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	ks, err := loadKeys(ctx, in.AllocationKeyID)
	if err != nil {
		return nil, err
	}
	pd, err := loadPeriod(ctx, per)
	if err != nil {
		return nil, err
	}
	sp, err := splitPool(&ks[0], pd.participants(in.SchemeID), in.AmountOre)
	if err != nil {
		return nil, splitError(err, in.SchemeID)
	}
	return sp, nil
}

// splitError names the request field to blame when a pool cannot be split.
func splitError(err error, schemeID int64) error {
	if !errors.Is(err, money.ErrNoBasis) {
		return err
	}
	var ae *apperr.Error
	field := "allocation_key_id"
	if asAppErr(err, &ae) && len(ae.Fields) > 0 && ae.Fields[0].Field == "participants" {
		return apperr.Invalid(apperr.Field("scheme_id", money.CodeNoBasis, "scheme %d has no participants on the period's last day", schemeID))
	}
	msg := "nothing to split the pool by"
	if ae != nil && len(ae.Fields) > 0 {
		msg = ae.Fields[0].Message
	}
	return apperr.Invalid(apperr.Field(field, money.CodeNoBasis, "%s", msg))
}
