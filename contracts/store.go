package contracts

import (
	"context"
	"fmt"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

func insertMember(ctx context.Context, m *Member) error {
	if err := db.Conn(ctx).Create(m).Error; err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Invalid(apperr.Field("code", apperr.Taken, "member code %q is already in use", m.Code))
		}
		return fmt.Errorf("create member: %w", err)
	}
	return nil
}

func findMember(ctx context.Context, id int64) (*Member, error) { return takeMember(ctx, id, false) }

// lockMember returns member id, locked until the transaction ends.
func lockMember(ctx context.Context, id int64) (*Member, error) { return takeMember(ctx, id, true) }

func takeMember(ctx context.Context, id int64, lock bool) (*Member, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var m Member
	err := q.Take(&m, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("member %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find member %d: %w", id, err)
	}
	return &m, nil
}

func listMembers(ctx context.Context, f MemberFilter) ([]Member, int64, error) {
	q := db.Conn(ctx).Model(&Member{}).Where("id > ?", f.After)
	if f.onlyID != 0 {
		q = q.Where("id = ?", f.onlyID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + strings.ToLower(s) + "%"
		q = q.Where("LOWER(name) LIKE ? OR code = ?", like, s)
	}
	var ms []Member
	if err := q.Order("id").Limit(f.Limit + 1).Find(&ms).Error; err != nil {
		return nil, 0, fmt.Errorf("list members: %w", err)
	}
	if len(ms) > f.Limit {
		ms = ms[:f.Limit]
		return ms, ms[len(ms)-1].ID, nil
	}
	return ms, 0, nil
}

func findScheme(ctx context.Context, id int64, lock bool) (*Scheme, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var sc Scheme
	err := q.Take(&sc, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("scheme %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find scheme %d: %w", id, err)
	}
	return &sc, nil
}

type participationFilter struct {
	SchemeID int64
	MemberID int64
}

func listParticipations(ctx context.Context, f participationFilter) ([]Participation, error) {
	q := db.Conn(ctx).Table("participations p").
		Select("p.*, m.code AS member_code, m.name AS member_name, s.code AS scheme_code, s.name AS scheme_name").
		Joins("JOIN members m ON m.id = p.member_id").
		Joins("JOIN schemes s ON s.id = p.scheme_id")
	if f.SchemeID != 0 {
		q = q.Where("p.scheme_id = ?", f.SchemeID)
	}
	if f.MemberID != 0 {
		q = q.Where("p.member_id = ?", f.MemberID)
	}
	var out []Participation
	if err := q.Order("s.code, m.name, p.joined_on").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list participations: %w", err)
	}
	return out, nil
}

// checkOverlap returns Invalid if another period of the same member and scheme shares a
// day with p. Periods are [joined_on, left_on), dates compare as YYYY-MM-DD text.
func checkOverlap(ctx context.Context, p *Participation) error {
	q := db.Conn(ctx).Model(&Participation{}).
		Where("scheme_id = ? AND member_id = ? AND id <> ?", p.SchemeID, p.MemberID, p.ID).
		Where("left_on IS NULL OR left_on > ?", p.JoinedOn)
	if !p.LeftOn.IsZero() {
		q = q.Where("joined_on < ?", p.LeftOn)
	}
	var other Participation
	err := q.Limit(1).Find(&other).Error
	if err != nil {
		return fmt.Errorf("check overlap: %w", err)
	}
	if other.ID != 0 {
		if other.LeftOn.IsZero() {
			return apperr.Invalid(apperr.Field("joined_on", CodeOverlapOpen, "overlaps the member's participation from %s on", other.JoinedOn))
		}
		return apperr.Invalid(apperr.Field("joined_on", CodeOverlap, "overlaps the member's participation from %s to %s", other.JoinedOn, other.LeftOn))
	}
	return nil
}

// countRegister counts members, schemes and the participations covering day d
// ([joined_on, left_on), dates compare as YYYY-MM-DD text).
func countRegister(ctx context.Context, d civil.Date) (*Counts, error) {
	var c Counts
	if err := db.Conn(ctx).Table("members").Count(&c.Members).Error; err != nil {
		return nil, fmt.Errorf("count members: %w", err)
	}
	if err := db.Conn(ctx).Table("schemes").Count(&c.Schemes).Error; err != nil {
		return nil, fmt.Errorf("count schemes: %w", err)
	}
	if err := db.Conn(ctx).Table("participations").Where("joined_on <= ? AND (left_on IS NULL OR left_on > ?)", d, d).
		Count(&c.ActiveParticipations).Error; err != nil {
		return nil, fmt.Errorf("count participations: %w", err)
	}
	return &c, nil
}
