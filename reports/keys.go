package reports

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
)

// FixedShare is a member's fixed share of every pool split by a key, in basis points.
type FixedShare struct {
	MemberID int64 `json:"member_id"`
	ShareBP  int64 `json:"share_bp"`
}

// AllocationKey says how a pool is split: fixed shares first, the rest by the weighted
// mix of inhabitants, inhabitants 65+, usage (device-days) and equal shares.
type AllocationKey struct {
	ID        int64         `json:"id"`
	Code      string        `json:"code"`
	Name      string        `json:"name"`
	Fixed     []FixedShare  `json:"fixed"`
	Weights   money.Weights `json:"weights"`
	CreatedAt time.Time     `json:"created_at"`
}

type keyRow struct {
	ID             int64 `gorm:"primaryKey"`
	Code, Name     string
	WInhabitants   int64 `gorm:"column:w_inhabitants"`
	WInhabitants65 int64 `gorm:"column:w_inhabitants_65_plus"`
	WUsage         int64 `gorm:"column:w_usage"`
	WEqual         int64 `gorm:"column:w_equal"`
	CreatedBy      string
	CreatedAt      time.Time
}

func (keyRow) TableName() string { return "allocation_keys" }

type fixedRow struct {
	KeyID    int64 `gorm:"primaryKey"`
	MemberID int64 `gorm:"primaryKey"`
	ShareBP  int64 `gorm:"column:share_bp"`
}

func (fixedRow) TableName() string { return "allocation_key_fixed" }

// NewAllocationKey is the body of POST /allocation-keys.
type NewAllocationKey struct {
	Code    string        `json:"code" validate:"max=40"`
	Name    string        `json:"name" validate:"max=200"`
	Fixed   []FixedShare  `json:"fixed" validate:"max=200"`
	Weights money.Weights `json:"weights"`
}

// CreateAllocationKey stores a key (finance). It returns Invalid naming every bad
// field (code and name required, share_bp between 0 and 10000 summing to at most
// 10000, a member unknown or listed twice, weights non-negative with a positive sum
// unless the fixed shares take the whole pool) and Conflict for a code in use.
func (s *Service) CreateAllocationKey(ctx context.Context, in NewAllocationKey) (*AllocationKey, error) {
	p, err := auth.Require(ctx, auth.RoleFinance)
	if err != nil {
		return nil, err
	}
	var fe apperr.Fields
	text(&fe, "code", &in.Code, true, 40)
	text(&fe, "name", &in.Name, true, 200)
	if len(in.Fixed) > 200 {
		fe.Add("fixed", apperr.TooMany, "must have at most %d shares", 200)
		in.Fixed = in.Fixed[:200]
	}
	bps := make([]int64, len(in.Fixed))
	seen := map[int64]bool{}
	for i, x := range in.Fixed {
		bps[i] = x.ShareBP
		field := fmt.Sprintf("fixed[%d].member_id", i)
		switch {
		case x.MemberID <= 0:
			fe.Add(field, apperr.Required, "is required")
		case seen[x.MemberID]:
			fe.Add(field, apperr.Duplicate, "member %d is listed twice", x.MemberID)
		default:
			if ok, err := memberExists(ctx, x.MemberID); err != nil {
				return nil, err
			} else if !ok {
				fe.Add(field, apperr.Unknown, "no member with id %d", x.MemberID)
			}
		}
		seen[x.MemberID] = true
	}
	if err := money.ValidateKey(bps, in.Weights); err != nil {
		var ae *apperr.Error
		if ok := asAppErr(err, &ae); ok {
			fe = append(fe, ae.Fields...)
		} else {
			return nil, err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	row := keyRow{Code: in.Code, Name: in.Name, WInhabitants: in.Weights.Inhabitants, WInhabitants65: in.Weights.Inhabitants65Plus,
		WUsage: in.Weights.Usage, WEqual: in.Weights.Equal, CreatedBy: p.Name, CreatedAt: s.now()}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		var n int64
		if err := db.Conn(ctx).Model(&keyRow{}).Where("code = ?", in.Code).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return conflict("code", apperr.Taken, "allocation key %s exists already", in.Code)
		}
		if err := db.Conn(ctx).Create(&row).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("code", apperr.Taken, "allocation key %s exists already", in.Code)
			}
			return fmt.Errorf("create allocation key: %w", err)
		}
		for _, x := range in.Fixed {
			if err := db.Conn(ctx).Create(&fixedRow{KeyID: row.ID, MemberID: x.MemberID, ShareBP: x.ShareBP}).Error; err != nil {
				return fmt.Errorf("create allocation key: fixed share: %w", err)
			}
		}
		return audit.Record(ctx, "create", "allocation_key", row.ID, nil, in)
	})
	if err != nil {
		return nil, err
	}
	return s.GetAllocationKey(ctx, row.ID)
}

// GetAllocationKey returns key id (finance, admin), NotFound if there is none.
func (s *Service) GetAllocationKey(ctx context.Context, id int64) (*AllocationKey, error) {
	if _, err := auth.Require(ctx, auth.RoleFinance, auth.RoleAdmin); err != nil {
		return nil, err
	}
	ks, err := loadKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ks) == 0 {
		return nil, apperr.NotFound("allocation key %d not found", id)
	}
	return &ks[0], nil
}

// ListAllocationKeys returns every key by code (finance, admin); there are few.
func (s *Service) ListAllocationKeys(ctx context.Context) ([]AllocationKey, error) {
	if _, err := auth.Require(ctx, auth.RoleFinance, auth.RoleAdmin); err != nil {
		return nil, err
	}
	return loadKeys(ctx, 0)
}

func loadKeys(ctx context.Context, id int64) ([]AllocationKey, error) {
	q := db.Conn(ctx).Order("code")
	if id > 0 {
		q = q.Where("id = ?", id)
	}
	var rows []keyRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("allocation keys: %w", err)
	}
	out := make([]AllocationKey, len(rows))
	idx := map[int64]int{}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = AllocationKey{ID: r.ID, Code: r.Code, Name: r.Name, Fixed: []FixedShare{}, CreatedAt: r.CreatedAt,
			Weights: money.Weights{Inhabitants: r.WInhabitants, Inhabitants65Plus: r.WInhabitants65, Usage: r.WUsage, Equal: r.WEqual}}
		idx[r.ID], ids[i] = i, r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var fs []fixedRow
	if err := db.Conn(ctx).Where("key_id IN ?", ids).Order("key_id, member_id").Find(&fs).Error; err != nil {
		return nil, fmt.Errorf("allocation keys: fixed shares: %w", err)
	}
	for _, f := range fs {
		k := &out[idx[f.KeyID]]
		k.Fixed = append(k.Fixed, FixedShare{MemberID: f.MemberID, ShareBP: f.ShareBP})
	}
	return out, nil
}

func memberExists(ctx context.Context, id int64) (bool, error) {
	var n int64
	err := db.Conn(ctx).Table("members").Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

func schemeExists(ctx context.Context, id int64) (bool, error) {
	var n int64
	err := db.Conn(ctx).Table("schemes").Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

// ---- the split of a pool ----

// Share is one member's part of a pool, with the basis it was computed from.
type Share struct {
	MemberID   int64  `json:"member_id"`
	MemberCode string `json:"member_code"`
	AmountOre  int64  `json:"amount_ore"`
	// Fraction is the member's exact fraction of the pool, "p/q" in lowest terms.
	Fraction string `json:"fraction"`
	// Fixed is the member's fixed share in basis points, when it has one.
	Fixed *int64 `json:"fixed_share_bp,omitempty"`
	// The member's figures used by the mix: inhabitants and inhabitants 65+ valid on
	// the period's last day, its device-days in the scheme's products in the period.
	Inhabitants       int64 `json:"inhabitants"`
	Inhabitants65Plus int64 `json:"inhabitants_65_plus"`
	Usage             int64 `json:"usage"`
}

// Split is how a pool is split under a key: the shares, by member code, and the
// factors of the mix that took part.
type Split struct {
	Shares  []Share  `json:"shares"`
	Factors []string `json:"factors"`
}

// participant is a member taking part in a pool's split, with its figures.
type participant struct {
	id                int64
	code              string
	inhabitants       int64
	inhabitants65Plus int64
	usage             int64
}

// splitPool splits amount among ps (any order) by key k: members with a fixed share
// get it, the others the rest by the weighted mix, exact to the øre (internal/money).
// A fixed share of a member that is not among ps plays no part. It returns an apperr
// Invalid error wrapping money.ErrNoBasis when the pool cannot be split.
func splitPool(k *AllocationKey, ps []participant, amount int64) (*Split, error) {
	sort.Slice(ps, func(i, j int) bool { return lessCode(ps[i].code, ps[j].code) })
	fixed := map[int64]int64{}
	for _, f := range k.Fixed {
		fixed[f.MemberID] = f.ShareBP
	}
	mps := make([]money.Participant, len(ps))
	for i, p := range ps {
		bp, isFixed := fixed[p.id]
		mps[i] = money.Participant{Fixed: isFixed, ShareBP: bp, Inhabitants: p.inhabitants, Inhabitants65Plus: p.inhabitants65Plus, Usage: p.usage}
	}
	b, err := money.NewBasis(k.Weights, mps)
	if err != nil {
		return nil, err
	}
	amounts := b.Split(amount)
	out := &Split{Shares: make([]Share, len(ps)), Factors: b.Used()}
	for i, p := range ps {
		sh := Share{MemberID: p.id, MemberCode: p.code, AmountOre: amounts[i], Fraction: b.Fraction(i).RatString(),
			Inhabitants: p.inhabitants, Inhabitants65Plus: p.inhabitants65Plus, Usage: p.usage}
		if mps[i].Fixed {
			sh.Fixed = &mps[i].ShareBP
		}
		out.Shares[i] = sh
	}
	return out, nil
}
