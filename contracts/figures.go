package contracts

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

// Figures are a member's inhabitants and inhabitants aged 65+ from ValidFrom on, until
// the next figures of that member: allocation keys use the figures valid on the last day
// of the period billed. Inhabitants65Plus is nil when not known (the member CSV carries
// none), so that a key on it can say so instead of counting 0.
type Figures struct {
	ID                int64      `json:"id" gorm:"primaryKey"`
	MemberID          int64      `json:"member_id"`
	ValidFrom         civil.Date `json:"valid_from"`
	Inhabitants       int64      `json:"inhabitants"`
	Inhabitants65Plus *int64     `json:"inhabitants_65_plus" gorm:"column:inhabitants_65_plus"`
	CreatedAt         time.Time  `json:"created_at"`
}

// TableName keeps the table name stable.
func (Figures) TableName() string { return "member_figures" }

// NewFigures is the input to AddFigures; a missing or null inhabitants_65_plus records
// that the figure is not known.
type NewFigures struct {
	ValidFrom         civil.Date `json:"valid_from"`
	Inhabitants       *int64     `json:"inhabitants" validate:"gte=0,lte=100000000"` // MaxInhabitants
	Inhabitants65Plus *int64     `json:"inhabitants_65_plus" validate:"gte=0,lte=100000000"`
}

// MaxInhabitants bounds a figure.
const MaxInhabitants = 100_000_000

func checkFigures(in NewFigures) error {
	var fe apperr.Fields
	if in.ValidFrom.IsZero() {
		fe.Add("valid_from", apperr.Required, "is required")
	}
	switch {
	case in.Inhabitants == nil:
		fe.Add("inhabitants", apperr.Required, "is required")
	case *in.Inhabitants < 0 || *in.Inhabitants > MaxInhabitants:
		fe.Add("inhabitants", apperr.OutOfRange, "must be from %d to %d", 0, MaxInhabitants)
	}
	switch o := in.Inhabitants65Plus; {
	case o == nil:
	case *o < 0:
		fe.Add("inhabitants_65_plus", apperr.Negative, "must not be negative")
	case in.Inhabitants != nil && *o > *in.Inhabitants:
		fe.Add("inhabitants_65_plus", apperr.NotAbove, "must not exceed %s (%d)", "inhabitants", *in.Inhabitants)
	}
	return fe.Err()
}

// AddFigures records member memberID's figures from a day on (admin only). Figures are
// history: a second set from the same day is refused (Conflict), not replaced, so what a
// finalised billing run used stays on record; correct with figures from a later day.
// The member's inhabitants columns follow the figures valid today. It returns NotFound
// for an unknown member and Invalid for bad fields.
func (s *Service) AddFigures(ctx context.Context, memberID int64, in NewFigures) (*Figures, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
	if err := checkFigures(in); err != nil {
		return nil, err
	}
	f := &Figures{MemberID: memberID, ValidFrom: in.ValidFrom, Inhabitants: *in.Inhabitants, Inhabitants65Plus: in.Inhabitants65Plus}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := lockMember(ctx, memberID); err != nil {
			return err
		}
		if err := db.Conn(ctx).Create(f).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("valid_from", apperr.Taken, "member %d already has figures from %s", memberID, f.ValidFrom)
			}
			return fmt.Errorf("add figures of member %d: %w", memberID, err)
		}
		if err := audit.Record(ctx, "add_figures", "member", memberID, nil, f); err != nil {
			return err
		}
		_, err := syncMemberFigures(ctx, memberID, s.today())
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// MemberFigures returns every set of figures of member memberID, oldest first, to staff
// and that member's users (NotFound otherwise).
func (s *Service) MemberFigures(ctx context.Context, memberID int64) ([]Figures, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(memberID) {
		return nil, apperr.NotFound("member %d not found", memberID)
	}
	return listFigures(ctx, memberID)
}

// FiguresOn returns member memberID's figures valid on day d (the latest valid_from on
// or before d), to staff and that member's users. It returns NotFound for an invisible
// member and when the member has no figures that early.
func (s *Service) FiguresOn(ctx context.Context, memberID int64, d civil.Date) (*Figures, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(memberID) {
		return nil, apperr.NotFound("member %d not found", memberID)
	}
	f, err := figuresOn(ctx, memberID, d)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, apperr.NotFound("member %d has no figures valid on %s", memberID, d)
	}
	return f, nil
}

// AllFiguresOn returns the figures valid on day d of every member that has some then,
// by member id, in one query (staff): what an allocation over all members reads.
func (s *Service) AllFiguresOn(ctx context.Context, d civil.Date) (map[int64]Figures, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return figuresValidOn(ctx, nil, d)
}

// SyncMemberFigures sets every member's inhabitants columns to the figures valid today
// (figures dated in the future become valid overnight) and returns how many members
// changed. The daily job runs it; reads of members overlay today's figures anyway.
func (s *Service) SyncMemberFigures(ctx context.Context) (int, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return 0, err
	}
	var ids []int64
	if err := db.Conn(ctx).Table("members").Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("sync member figures: %w", err)
	}
	n := 0
	today := s.today()
	for _, id := range ids {
		err := db.WithTx(ctx, func(ctx context.Context) error {
			changed, err := syncMemberFigures(ctx, id, today)
			if changed {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// setTodaysFigures makes m's figures from today those given (a member's create form and
// PATCH carry figures without a date): it writes today's set, or replaces it if one was
// recorded today already, and does nothing when the figures valid today are the same.
func setTodaysFigures(ctx context.Context, memberID int64, today civil.Date, inh int64, inh65 *int64) error {
	cur, err := figuresOn(ctx, memberID, today)
	if err != nil {
		return err
	}
	if cur != nil && cur.Inhabitants == inh && sameID(cur.Inhabitants65Plus, inh65) {
		return nil
	}
	if cur != nil && cur.ValidFrom == today {
		before := *cur
		cur.Inhabitants, cur.Inhabitants65Plus = inh, inh65
		if err := db.Conn(ctx).Model(cur).Updates(map[string]any{"inhabitants": inh, "inhabitants_65_plus": inh65}).Error; err != nil {
			return fmt.Errorf("update figures of member %d: %w", memberID, err)
		}
		return audit.Record(ctx, "update_figures", "member", memberID, before, cur)
	}
	f := &Figures{MemberID: memberID, ValidFrom: today, Inhabitants: inh, Inhabitants65Plus: inh65}
	if err := db.Conn(ctx).Create(f).Error; err != nil {
		return fmt.Errorf("add figures of member %d: %w", memberID, err)
	}
	return audit.Record(ctx, "add_figures", "member", memberID, nil, f)
}

// syncMemberFigures copies the figures valid on today into member id's columns and
// reports whether they changed (an unknown 65+ figure is stored there as 0).
func syncMemberFigures(ctx context.Context, id int64, today civil.Date) (bool, error) {
	f, err := figuresOn(ctx, id, today)
	if err != nil || f == nil {
		return false, err
	}
	inh65 := int64(0)
	if f.Inhabitants65Plus != nil {
		inh65 = *f.Inhabitants65Plus
	}
	res := db.Conn(ctx).Table("members").
		Where("id = ? AND (inhabitants <> ? OR inhabitants_65_plus <> ?)", id, f.Inhabitants, inh65).
		Updates(map[string]any{"inhabitants": f.Inhabitants, "inhabitants_65_plus": inh65, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("sync figures of member %d: %w", id, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// overlayFigures sets the inhabitants of ms to the figures valid on today, in one query.
func overlayFigures(ctx context.Context, ms []Member, today civil.Date) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]int64, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	fs, err := figuresValidOn(ctx, ids, today)
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].Inhabitants65PlusKnown = true
		if f, ok := fs[ms[i].ID]; ok {
			ms[i].applyFigures(f)
		}
	}
	return nil
}

func (m *Member) applyFigures(f Figures) {
	m.Inhabitants, m.FiguresValidFrom = f.Inhabitants, f.ValidFrom
	m.Inhabitants65Plus, m.Inhabitants65PlusKnown = 0, f.Inhabitants65Plus != nil
	if f.Inhabitants65Plus != nil {
		m.Inhabitants65Plus = *f.Inhabitants65Plus
	}
}

func figuresOn(ctx context.Context, memberID int64, d civil.Date) (*Figures, error) {
	var fs []Figures
	err := db.Conn(ctx).Where("member_id = ? AND valid_from <= ?", memberID, d).Order("valid_from DESC").Limit(1).Find(&fs).Error
	if err != nil {
		return nil, fmt.Errorf("figures of member %d on %s: %w", memberID, d, err)
	}
	if len(fs) == 0 {
		return nil, nil
	}
	return &fs[0], nil
}

// figuresValidOn returns the figures valid on d of the members ids (nil: all) by member.
func figuresValidOn(ctx context.Context, ids []int64, d civil.Date) (map[int64]Figures, error) {
	q := db.Conn(ctx).Table("member_figures f").
		Where("f.valid_from = (SELECT MAX(g.valid_from) FROM member_figures g WHERE g.member_id = f.member_id AND g.valid_from <= ?)", d)
	if ids != nil {
		q = q.Where("f.member_id IN ?", ids)
	}
	var fs []Figures
	if err := q.Find(&fs).Error; err != nil {
		return nil, fmt.Errorf("figures on %s: %w", d, err)
	}
	out := make(map[int64]Figures, len(fs))
	for _, f := range fs {
		out[f.MemberID] = f
	}
	return out, nil
}

func listFigures(ctx context.Context, memberID int64) ([]Figures, error) {
	out := []Figures{}
	if err := db.Conn(ctx).Where("member_id = ?", memberID).Order("valid_from").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("figures of member %d: %w", memberID, err)
	}
	return out, nil
}

func sameID(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
