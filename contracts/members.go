// Package contracts holds the parties and their agreements: the members (municipalities
// and the region) that own the centre, the schemes they join, and later vendors,
// contracts and price lists.
package contracts

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
)

// Field error codes of the contracts domain.
var (
	CodeOverlap     = apperr.NewCode("participation_overlap")      // from, to
	CodeOverlapOpen = apperr.NewCode("participation_overlap_open") // from: open-ended
)

// Member kinds.
const (
	KindMunicipality = "municipality"
	KindRegion       = "region"
)

// Member is a municipality or a region that owns the centre. Inhabitants and
// Inhabitants65Plus are the figures valid today (the columns keep a copy, refreshed
// whenever figures change and daily); Figures, set by GetMember, is their history.
type Member struct {
	ID                     int64      `json:"id" gorm:"primaryKey"`
	Code                   string     `json:"code"`
	Name                   string     `json:"name"`
	Kind                   string     `json:"kind"`
	EAN                    string     `json:"ean" gorm:"column:ean"`
	Inhabitants            int64      `json:"inhabitants"`
	Inhabitants65Plus      int64      `json:"inhabitants_65_plus" gorm:"column:inhabitants_65_plus"`
	Inhabitants65PlusKnown bool       `json:"inhabitants_65_plus_known" gorm:"-"`
	FiguresValidFrom       civil.Date `json:"figures_valid_from" gorm:"-"`
	Figures                []Figures  `json:"figures,omitempty" gorm:"-"`
	CreatedAt              time.Time  `json:"created_at"`
	UpdatedAt              time.Time  `json:"updated_at"`
}

// Code is a member code in input: the municipality number, sent as a string or a
// number.
type Code string

// UnmarshalJSON accepts "751" and 751 alike.
func (c *Code) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = Code(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a code as a string or a number")
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		return fmt.Errorf("want a code as a string or a whole number")
	}
	*c = Code(n.String())
	return nil
}

// NewMember is the input to CreateMember.
type NewMember struct {
	Code              Code   `json:"code" validate:"required,max=20,code"`
	Name              string `json:"name" validate:"required,max=200"`
	Kind              string `json:"kind" validate:"required,oneof=municipality region"`
	EAN               string `json:"ean" validate:"required,gln"`
	Inhabitants       int64  `json:"inhabitants" validate:"gte=0,lte=100000000"`
	Inhabitants65Plus int64  `json:"inhabitants_65_plus" validate:"gte=0,lte=100000000,ltefield=Inhabitants"`
}

// MemberPatch changes a member; nil fields stay as they are. The code is the member's
// natural key on invoices and does not change.
type MemberPatch struct {
	Name              *string `json:"name" validate:"omitempty,min=1,max=200"`
	Kind              *string `json:"kind" validate:"omitempty,oneof=municipality region"`
	EAN               *string `json:"ean" validate:"omitempty,gln"`
	Inhabitants       *int64  `json:"inhabitants" validate:"omitempty,gte=0,lte=100000000"`
	Inhabitants65Plus *int64  `json:"inhabitants_65_plus" validate:"omitempty,gte=0,lte=100000000"`
}

// Scheme is a service the centre runs for the members that join it.
type Scheme struct {
	ID           int64           `json:"id" gorm:"primaryKey"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	CreatedAt    time.Time       `json:"created_at"`
	Participants []Participation `json:"participants,omitempty" gorm:"-"`
}

// NewScheme is the input to CreateScheme.
type NewScheme struct {
	Code string `json:"code" validate:"required,max=40,code"`
	Name string `json:"name" validate:"required,max=200"`
}

// Participation is one period in which a member takes part in a scheme: from JoinedOn
// up to, not including, LeftOn (open-ended when LeftOn is zero).
type Participation struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	SchemeID   int64      `json:"scheme_id"`
	MemberID   int64      `json:"member_id"`
	MemberCode string     `json:"member_code,omitempty" gorm:"->;-:migration"`
	MemberName string     `json:"member_name,omitempty" gorm:"->;-:migration"`
	SchemeCode string     `json:"scheme_code,omitempty" gorm:"->;-:migration"`
	SchemeName string     `json:"scheme_name,omitempty" gorm:"->;-:migration"`
	JoinedOn   civil.Date `json:"joined_on"`
	LeftOn     civil.Date `json:"left_on"`
	CreatedAt  time.Time  `json:"created_at"`
}

// TableName keeps the table name stable.
func (Participation) TableName() string { return "participations" }

// Covers reports whether the participation includes day d.
func (p Participation) Covers(d civil.Date) bool {
	return !d.Before(p.JoinedOn) && (p.LeftOn.IsZero() || d.Before(p.LeftOn))
}

// NewParticipation is the input to Join.
type NewParticipation struct {
	MemberID int64      `json:"member_id" validate:"required"`
	JoinedOn civil.Date `json:"joined_on"`
	LeftOn   civil.Date `json:"left_on"`
}

// ParticipationPatch ends (or reopens, with null) a participation.
type ParticipationPatch struct {
	LeftOn civil.Date `json:"left_on"`
}
