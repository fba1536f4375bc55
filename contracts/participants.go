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

// ContractParticipant is one period in which a member takes part in (and pays under) a
// contract: from JoinedOn up to, not including, LeftOn (open-ended when LeftOn is zero),
// as with schemes.
type ContractParticipant struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	ContractID int64      `json:"contract_id"`
	MemberID   int64      `json:"member_id"`
	MemberCode string     `json:"member_code,omitempty" gorm:"->;-:migration"`
	MemberName string     `json:"member_name,omitempty" gorm:"->;-:migration"`
	JoinedOn   civil.Date `json:"joined_on"`
	LeftOn     civil.Date `json:"left_on"`
	CreatedAt  time.Time  `json:"created_at"`
}

// TableName keeps the table name stable.
func (ContractParticipant) TableName() string { return "contract_participants" }

// Covers reports whether the period includes day d.
func (p ContractParticipant) Covers(d civil.Date) bool {
	return !d.Before(p.JoinedOn) && (p.LeftOn.IsZero() || d.Before(p.LeftOn))
}

// AddParticipant records that a member takes part in contract contractID for a period
// (admin, finance); the body is the same as a scheme's. It returns NotFound for an
// unknown contract and Invalid for an unknown member, a bad period or one overlapping
// another period of the same member.
func (s *Service) AddParticipant(ctx context.Context, contractID int64, in NewParticipation) (*ContractParticipant, error) {
	if _, err := auth.Require(ctx, contractWriters...); err != nil {
		return nil, err
	}
	if err := checkPeriod(in); err != nil {
		return nil, err
	}
	cp := &ContractParticipant{ContractID: contractID, MemberID: in.MemberID, JoinedOn: in.JoinedOn, LeftOn: in.LeftOn}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		// The contract's row lock serialises its participants, so two racing requests
		// cannot both pass the overlap check.
		if _, err := lockContract(ctx, contractID); err != nil {
			return err
		}
		if err := s.MemberExists(ctx, in.MemberID); apperr.Is(err, apperr.KindNotFound) {
			return apperr.Invalid(apperr.Field("member_id", apperr.Unknown, "no member with id %d", in.MemberID))
		} else if err != nil {
			return err
		}
		if err := checkContractOverlap(ctx, cp); err != nil {
			return err
		}
		if err := db.Conn(ctx).Create(cp).Error; err != nil {
			return fmt.Errorf("add participant to contract %d: %w", contractID, err)
		}
		return audit.Record(ctx, "add_participant", "contract", contractID, nil, cp)
	})
	if err != nil {
		return nil, err
	}
	return cp, nil
}

func checkPeriod(in NewParticipation) error {
	var fe apperr.Fields
	if in.MemberID <= 0 {
		fe.Add("member_id", apperr.Required, "is required")
	}
	if in.JoinedOn.IsZero() {
		fe.Add("joined_on", apperr.Required, "is required")
	}
	if !in.LeftOn.IsZero() && !in.LeftOn.After(in.JoinedOn) {
		fe.Add("left_on", apperr.NotAfter, "must be after %s", "joined_on")
	}
	return fe.Err()
}

// UpdateParticipant sets or clears the day a member leaves contract contractID (admin,
// finance). It returns NotFound when participation pid is not in the contract and
// Invalid for a bad period or an overlap.
func (s *Service) UpdateParticipant(ctx context.Context, contractID, pid int64, patch ParticipationPatch) (*ContractParticipant, error) {
	if _, err := auth.Require(ctx, contractWriters...); err != nil {
		return nil, err
	}
	var out *ContractParticipant
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := lockContract(ctx, contractID); err != nil {
			return err
		}
		var cp ContractParticipant
		err := db.Conn(ctx).Where("id = ? AND contract_id = ?", pid, contractID).Take(&cp).Error
		if db.IsNotFound(err) {
			return apperr.NotFound("participant %d not found in contract %d", pid, contractID)
		}
		if err != nil {
			return fmt.Errorf("load participant %d: %w", pid, err)
		}
		before := cp
		cp.LeftOn = patch.LeftOn
		if !cp.LeftOn.IsZero() && !cp.LeftOn.After(cp.JoinedOn) {
			return apperr.Invalid(apperr.Field("left_on", apperr.NotAfter, "must be after %s (%s)", "joined_on", cp.JoinedOn))
		}
		if err := checkContractOverlap(ctx, &cp); err != nil {
			return err
		}
		if err := db.Conn(ctx).Model(&cp).Update("left_on", cp.LeftOn).Error; err != nil {
			return fmt.Errorf("update participant %d: %w", pid, err)
		}
		out = &cp
		return audit.Record(ctx, "update_participant", "contract", contractID, before, cp)
	})
	return out, err
}

// MemberContracts returns the contracts member memberID participates in, at any time
// (staff, or a user of that member; NotFound otherwise).
func (s *Service) MemberContracts(ctx context.Context, memberID int64) ([]Contract, error) {
	p, err := auth.Require(ctx, contractReaders...)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(memberID) {
		return nil, apperr.NotFound("member %d not found", memberID)
	}
	cs, err := findContracts(contractQuery(ctx, contractScope{memberID: memberID}).Order("c.number"))
	if err != nil {
		return nil, fmt.Errorf("contracts of member %d: %w", memberID, err)
	}
	s.derive(cs)
	return cs, nil
}

// listContractParticipants returns a contract's participants by member name and
// period; onlyMember (if not 0) keeps that member's.
func listContractParticipants(ctx context.Context, contractID, onlyMember int64) ([]ContractParticipant, error) {
	q := db.Conn(ctx).Table("contract_participants p").
		Select("p.*, m.code AS member_code, m.name AS member_name").
		Joins("JOIN members m ON m.id = p.member_id").
		Where("p.contract_id = ?", contractID)
	if onlyMember != 0 {
		q = q.Where("p.member_id = ?", onlyMember)
	}
	out := []ContractParticipant{}
	if err := q.Order("m.name, p.joined_on").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list participants of contract %d: %w", contractID, err)
	}
	return out, nil
}

// checkContractOverlap returns Invalid if another period of the same member in the same
// contract shares a day with cp.
func checkContractOverlap(ctx context.Context, cp *ContractParticipant) error {
	q := db.Conn(ctx).Model(&ContractParticipant{}).
		Where("contract_id = ? AND member_id = ? AND id <> ?", cp.ContractID, cp.MemberID, cp.ID).
		Where("left_on IS NULL OR left_on > ?", cp.JoinedOn)
	if !cp.LeftOn.IsZero() {
		q = q.Where("joined_on < ?", cp.LeftOn)
	}
	var other ContractParticipant
	if err := q.Limit(1).Find(&other).Error; err != nil {
		return fmt.Errorf("check overlap: %w", err)
	}
	switch {
	case other.ID == 0:
		return nil
	case other.LeftOn.IsZero():
		return apperr.Invalid(apperr.Field("joined_on", CodeOverlapOpen, "overlaps the member's participation from %s on", other.JoinedOn))
	default:
		return apperr.Invalid(apperr.Field("joined_on", CodeOverlap, "overlaps the member's participation from %s to %s", other.JoinedOn, other.LeftOn))
	}
}
