package contracts

import (
	"context"
	"fmt"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/validate"
)

// Service holds the use cases on members, schemes and participation, vendors,
// contracts, their price lists and participants, and member figures.
type Service struct {
	// Products checks the product ids of prices against inventory's catalogue, which is
	// to the right of contracts: cmd/fsc wires inventory's service in. Without it product
	// ids are taken as given.
	Products ProductChecker
	// NoticeDays is how many days ahead the daily check raises a notice before a
	// contract's notice deadline and before its end; DefaultNoticeDays if 0.
	NoticeDays int
	// MaxDocumentBytes bounds an uploaded contract document; DefaultMaxDocumentBytes if 0.
	MaxDocumentBytes int64
	// Today returns the business day that statuses, deadlines and figures are computed
	// for; civil.Today if nil (tests set a fixed day).
	Today func() civil.Date
}

// ProductChecker is what contracts needs of the catalogue: whether a product exists. It
// returns an apperr NotFound error when it does not.
type ProductChecker interface {
	ProductExists(ctx context.Context, id int64) error
}

func (s *Service) today() civil.Date {
	if s.Today != nil {
		return s.Today()
	}
	return civil.Today()
}

// NewService returns a Service.
func NewService() *Service { return &Service{} }

// CreateMember registers a member (admin only). It returns Invalid naming each bad
// field, including a code already in use.
func (s *Service) CreateMember(ctx context.Context, in NewMember) (*Member, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := validate.Struct(in); err != nil {
		return nil, err
	}
	m := &Member{Code: string(in.Code), Name: in.Name, Kind: in.Kind, EAN: in.EAN,
		Inhabitants: in.Inhabitants, Inhabitants65Plus: in.Inhabitants65Plus}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := insertMember(ctx, m); err != nil {
			return err
		}
		if err := audit.Record(ctx, "create", "member", m.ID, nil, m); err != nil {
			return err
		}
		inh65 := in.Inhabitants65Plus
		return setTodaysFigures(ctx, m.ID, s.today(), in.Inhabitants, &inh65)
	})
	if err != nil {
		return nil, err
	}
	m.Inhabitants65PlusKnown, m.FiguresValidFrom = true, s.today()
	return m, nil
}

// GetMember returns member id with the figures valid today and all its figures, oldest
// first. A member user asking for another member gets NotFound, as for an id that does
// not exist.
func (s *Service) GetMember(ctx context.Context, id int64) (*Member, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(id) {
		return nil, apperr.NotFound("member %d not found", id)
	}
	m, err := findMember(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Figures, err = listFigures(ctx, id); err != nil {
		return nil, err
	}
	m.Inhabitants65PlusKnown = true
	today := s.today()
	for _, f := range m.Figures {
		if !f.ValidFrom.After(today) {
			m.applyFigures(f)
		}
	}
	return m, nil
}

// MemberExists returns nil if member id exists and NotFound otherwise, whoever asks.
func (s *Service) MemberExists(ctx context.Context, id int64) error {
	_, err := findMember(ctx, id)
	return err
}

// SchemeExists returns nil if scheme id exists and NotFound otherwise, whoever asks.
func (s *Service) SchemeExists(ctx context.Context, id int64) error {
	_, err := findScheme(ctx, id, false)
	return err
}

// MemberFilter selects members for ListMembers.
type MemberFilter struct {
	Kind  string
	Query string // part of the name or the code
	After int64
	Limit int

	onlyID int64 // set by ListMembers for a member user
}

// ListMembers returns the members the caller may see, ordered by id, and the cursor of
// the next page (0 on the last).
func (s *Service) ListMembers(ctx context.Context, f MemberFilter) ([]Member, int64, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !p.IsStaff() {
		if p.MemberID == nil {
			return nil, 0, nil
		}
		f.onlyID = *p.MemberID
	}
	ms, next, err := listMembers(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	return ms, next, overlayFigures(ctx, ms, s.today())
}

// UpdateMember applies patch to member id (staff only). New inhabitants figures are the
// figures from today on: they replace a set recorded today, else add one valid from
// today (AddFigures records figures from another day). It returns NotFound for an
// unknown id and Invalid for bad fields.
func (s *Service) UpdateMember(ctx context.Context, id int64, patch MemberPatch) (*Member, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if err := validate.Struct(patch); err != nil {
		return nil, err
	}
	var out *Member
	today := s.today()
	err := db.WithTx(ctx, func(ctx context.Context) error {
		m, err := lockMember(ctx, id)
		if err != nil {
			return err
		}
		cur, err := figuresOn(ctx, id, today)
		if err != nil {
			return err
		}
		var inh65 *int64 // today's 65+ figure, nil when not known
		if cur != nil {
			m.Inhabitants, inh65 = cur.Inhabitants, cur.Inhabitants65Plus
		} else {
			inh65 = &m.Inhabitants65Plus
		}
		before := *m
		if patch.Name != nil {
			m.Name = strings.TrimSpace(*patch.Name)
		}
		if patch.Kind != nil {
			m.Kind = *patch.Kind
		}
		if patch.EAN != nil {
			m.EAN = *patch.EAN
		}
		if patch.Inhabitants != nil {
			m.Inhabitants = *patch.Inhabitants
		}
		if patch.Inhabitants65Plus != nil {
			inh65 = patch.Inhabitants65Plus
		}
		var fe apperr.Fields
		if m.Name == "" {
			fe.Add("name", apperr.Required, "is required")
		}
		if inh65 != nil && *inh65 > m.Inhabitants {
			fe.Add("inhabitants_65_plus", apperr.NotAbove, "must not exceed %s (%d)", "inhabitants", m.Inhabitants)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := db.Conn(ctx).Select("Name", "Kind", "EAN", "UpdatedAt").Save(m).Error; err != nil {
			return fmt.Errorf("update member %d: %w", id, err)
		}
		if err := audit.Record(ctx, "update", "member", m.ID, before, m); err != nil {
			return err
		}
		if patch.Inhabitants != nil || patch.Inhabitants65Plus != nil {
			if err := setTodaysFigures(ctx, id, today, m.Inhabitants, inh65); err != nil {
				return err
			}
		}
		if _, err := syncMemberFigures(ctx, id, today); err != nil {
			return err
		}
		out, err = s.GetMember(ctx, id)
		return err
	})
	return out, err
}

// CreateScheme registers a scheme (admin only). It returns Invalid for bad fields and a
// code already in use.
func (s *Service) CreateScheme(ctx context.Context, in NewScheme) (*Scheme, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if err := validate.Struct(in); err != nil {
		return nil, err
	}
	sc := &Scheme{Code: in.Code, Name: in.Name}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Conn(ctx).Create(sc).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Invalid(apperr.Field("code", apperr.Taken, "scheme code %q is already in use", sc.Code))
			}
			return fmt.Errorf("create scheme: %w", err)
		}
		return audit.Record(ctx, "create", "scheme", sc.ID, nil, sc)
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// GetScheme returns scheme id with its participants; a member user sees only its own
// participation. It returns NotFound for an unknown id.
func (s *Service) GetScheme(ctx context.Context, id int64) (*Scheme, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := findScheme(ctx, id, false)
	if err != nil {
		return nil, err
	}
	f := participationFilter{SchemeID: id}
	if !p.IsStaff() {
		f.MemberID = memberOf(p)
	}
	if sc.Participants, err = listParticipations(ctx, f); err != nil {
		return nil, err
	}
	return sc, nil
}

// ListSchemes returns every scheme by code.
func (s *Service) ListSchemes(ctx context.Context) ([]Scheme, error) {
	if _, err := auth.RequireAny(ctx); err != nil {
		return nil, err
	}
	var out []Scheme
	if err := db.Conn(ctx).Order("code").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list schemes: %w", err)
	}
	return out, nil
}

// MemberParticipations returns every participation of member id, by scheme; member
// users only their own (NotFound otherwise).
func (s *Service) MemberParticipations(ctx context.Context, memberID int64) ([]Participation, error) {
	p, err := auth.RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	if !p.SeesMember(memberID) {
		return nil, apperr.NotFound("member %d not found", memberID)
	}
	return listParticipations(ctx, participationFilter{MemberID: memberID})
}

// Join records that a member takes part in scheme schemeID (admin only). Periods of the
// same member and scheme must not overlap. It returns NotFound for an unknown scheme and
// Invalid for an unknown member, a bad period or an overlap.
func (s *Service) Join(ctx context.Context, schemeID int64, in NewParticipation) (*Participation, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
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
	if err := fe.Err(); err != nil {
		return nil, err
	}
	pt := &Participation{SchemeID: schemeID, MemberID: in.MemberID, JoinedOn: in.JoinedOn, LeftOn: in.LeftOn}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		// Locking the scheme row serialises joins to one scheme, so two racing requests
		// cannot both pass the overlap check.
		if _, err := findScheme(ctx, schemeID, true); err != nil {
			return err
		}
		if err := s.MemberExists(ctx, in.MemberID); err != nil {
			if apperr.Is(err, apperr.KindNotFound) {
				return apperr.Invalid(apperr.Field("member_id", apperr.Unknown, "no member with id %d", in.MemberID))
			}
			return err
		}
		if err := checkOverlap(ctx, pt); err != nil {
			return err
		}
		if err := db.Conn(ctx).Omit("MemberCode", "MemberName", "SchemeCode", "SchemeName").Create(pt).Error; err != nil {
			return fmt.Errorf("join scheme %d: %w", schemeID, err)
		}
		return audit.Record(ctx, "join", "participation", pt.ID, nil, pt)
	})
	if err != nil {
		return nil, err
	}
	return pt, nil
}

// UpdateParticipation sets or clears the day a member leaves (admin only). It returns
// NotFound when participation pid is not in scheme schemeID and Invalid for a bad period
// or an overlap.
func (s *Service) UpdateParticipation(ctx context.Context, schemeID, pid int64, patch ParticipationPatch) (*Participation, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
	var out *Participation
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := findScheme(ctx, schemeID, true); err != nil {
			return err
		}
		var pt Participation
		err := db.Conn(ctx).Where("id = ? AND scheme_id = ?", pid, schemeID).Take(&pt).Error
		if db.IsNotFound(err) {
			return apperr.NotFound("participation %d not found in scheme %d", pid, schemeID)
		}
		if err != nil {
			return fmt.Errorf("load participation %d: %w", pid, err)
		}
		before := pt
		pt.LeftOn = patch.LeftOn
		if !pt.LeftOn.IsZero() && !pt.LeftOn.After(pt.JoinedOn) {
			return apperr.Invalid(apperr.Field("left_on", apperr.NotAfter, "must be after %s (%s)", "joined_on", pt.JoinedOn))
		}
		if err := checkOverlap(ctx, &pt); err != nil {
			return err
		}
		if err := db.Conn(ctx).Model(&pt).Update("left_on", pt.LeftOn).Error; err != nil {
			return fmt.Errorf("update participation %d: %w", pid, err)
		}
		out = &pt
		return audit.Record(ctx, "update", "participation", pt.ID, before, pt)
	})
	return out, err
}

// Participates reports whether member memberID takes part in scheme schemeID on day d.
func (s *Service) Participates(ctx context.Context, memberID, schemeID int64, d civil.Date) (bool, error) {
	ps, err := listParticipations(ctx, participationFilter{SchemeID: schemeID, MemberID: memberID})
	if err != nil {
		return false, err
	}
	for _, p := range ps {
		if p.Covers(d) {
			return true, nil
		}
	}
	return false, nil
}

func memberOf(p auth.Principal) int64 {
	if p.MemberID == nil {
		return -1
	}
	return *p.MemberID
}

// Counts is the size of the contracts register, for the staff dashboard.
type Counts struct {
	Members int64 `json:"members"`
	Schemes int64 `json:"schemes"`
	// ActiveParticipations is how many participations cover today.
	ActiveParticipations int64 `json:"active_participations"`
}

// Count returns how many members, schemes and participations covering today there are
// (staff).
func (s *Service) Count(ctx context.Context) (*Counts, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return countRegister(ctx, civil.Today())
}
