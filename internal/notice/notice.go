// Package notice holds in-app notices: something a role should act on (a contract's
// notice deadline is near, a product is below its reorder level), raised by a domain
// inside its own transaction, at most once per dedupe key, and listed for the roles it
// is addressed to. A notice carries a code and args, not text, so that every language
// says it from its catalogue ("notice.<code>" with {{.Arg0}} …).
package notice

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm/clause"
)

// Code names what a notice says. Like apperr.Code it is declared once, at package level,
// with a comment saying what its Args are, so a test can check every translation.
type Code struct{ name string }

// String returns the code's name.
func (c Code) String() string { return c.name }

// IsZero reports whether c names nothing.
func (c Code) IsZero() bool { return c.name == "" }

// MarshalText writes the name, so JSON carries "code": "contract_notice_deadline".
func (c Code) MarshalText() ([]byte, error) { return []byte(c.name), nil }

// UnmarshalText reads a name back.
func (c *Code) UnmarshalText(b []byte) error {
	c.name = string(b)
	return nil
}

var (
	codesMu sync.Mutex
	codes   = map[Code]bool{}
)

// NewCode declares a notice code; declaring one twice panics.
func NewCode(name string) Code {
	codesMu.Lock()
	defer codesMu.Unlock()
	c := Code{name}
	if name == "" || codes[c] {
		panic("notice: code empty or declared twice: " + name)
	}
	codes[c] = true
	return c
}

// Codes returns every declared code, sorted.
func Codes() []Code {
	codesMu.Lock()
	defer codesMu.Unlock()
	out := make([]Code, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Code) int { return strings.Compare(a.name, b.name) })
	return out
}

// Notice is one notice. Audience are the roles that see it; MemberID or VendorID, when
// set, narrow it to that member's or vendor's users (staff in the audience see it
// regardless). Entity and EntityID name what it is about, for a link.
type Notice struct {
	ID        int64       `json:"id"`
	Code      Code        `json:"code"`
	Args      []string    `json:"args"`
	Audience  []auth.Role `json:"audience"`
	MemberID  *int64      `json:"member_id,omitempty"`
	VendorID  *int64      `json:"vendor_id,omitempty"`
	Entity    string      `json:"entity"`
	EntityID  int64       `json:"entity_id"`
	DedupeKey string      `json:"key"`
	CreatedAt time.Time   `json:"created_at"`
}

// Limits of what a notice holds.
const (
	MaxArgs      = 10
	MaxArgLength = 500
	MaxKeyLength = 200
)

// row is a notice as stored; its audience lives in notice_audiences.
type row struct {
	ID        int64 `gorm:"primaryKey"`
	Code      string
	Args      string
	MemberID  *int64
	VendorID  *int64
	Entity    string
	EntityID  int64
	DedupeKey string
	CreatedAt time.Time
}

func (row) TableName() string { return "notices" }

type audience struct {
	NoticeID int64  `gorm:"primaryKey"`
	Role     string `gorm:"primaryKey"`
}

func (audience) TableName() string { return "notice_audiences" }

// Raise stores n through db.Conn(ctx), so it commits or rolls back with the caller's
// transaction, unless a notice with the same DedupeKey exists: raising is idempotent,
// and the key says what "the same notice" is (e.g. "contract:7:notice-deadline:2025-02-28").
// It reports whether n is new and sets n.ID and n.CreatedAt then. It returns an error for
// a notice without code, key or audience, or one the database refuses.
func Raise(ctx context.Context, n *Notice) (bool, error) {
	if err := check(n); err != nil {
		return false, err
	}
	args, err := json.Marshal(n.Args)
	if err != nil {
		return false, fmt.Errorf("notice %s: args: %w", n.DedupeKey, err)
	}
	r := row{Code: n.Code.name, Args: string(args), MemberID: n.MemberID, VendorID: n.VendorID,
		Entity: n.Entity, EntityID: n.EntityID, DedupeKey: n.DedupeKey, CreatedAt: time.Now().UTC()}
	res := db.Conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&r)
	if res.Error != nil {
		return false, fmt.Errorf("raise notice %s: %w", n.DedupeKey, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	aud := make([]audience, 0, len(n.Audience))
	for _, role := range n.Audience {
		aud = append(aud, audience{NoticeID: r.ID, Role: string(role)})
	}
	if err := db.Conn(ctx).Create(&aud).Error; err != nil {
		return false, fmt.Errorf("raise notice %s: audience: %w", n.DedupeKey, err)
	}
	n.ID, n.CreatedAt = r.ID, r.CreatedAt
	return true, nil
}

func check(n *Notice) error {
	switch {
	case n.Code.IsZero():
		return fmt.Errorf("notice without a code")
	case n.DedupeKey == "" || len(n.DedupeKey) > MaxKeyLength:
		return fmt.Errorf("notice %s: dedupe key must be 1–%d bytes", n.Code, MaxKeyLength)
	case len(n.Audience) == 0:
		return fmt.Errorf("notice %s: no audience", n.DedupeKey)
	case len(n.Args) > MaxArgs:
		return fmt.Errorf("notice %s: more than %d args", n.DedupeKey, MaxArgs)
	}
	for _, r := range n.Audience {
		if !r.Valid() {
			return fmt.Errorf("notice %s: unknown role %q", n.DedupeKey, r)
		}
	}
	for _, a := range n.Args {
		if len(a) > MaxArgLength {
			return fmt.Errorf("notice %s: an arg is longer than %d bytes", n.DedupeKey, MaxArgLength)
		}
	}
	// A copy: the caller's slice stays as it was.
	aud := slices.Clone(n.Audience)
	slices.Sort(aud)
	n.Audience = slices.Compact(aud)
	return nil
}

// Filter selects notices for List.
type Filter struct {
	Code     Code   // zero: every code
	Entity   string // with EntityID: only notices about that object
	EntityID int64
	Before   int64 // keyset cursor: notices with id < Before
	Limit    int   // 50 if 0
}

// List returns the notices addressed to the caller's role (and, for member and vendor
// users, not to another member or vendor), newest first, and the cursor of the next page
// (0 on the last). The system principal sees every notice. It returns Unauthorized
// without a principal.
func List(ctx context.Context, f Filter) ([]Notice, int64, error) {
	p, ok := auth.From(ctx)
	if !ok {
		return nil, 0, apperr.Unauthorized("authentication required")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := db.Conn(ctx).Table("notices n").Select("n.*")
	if p.Role != auth.RoleSystem {
		q = q.Where("EXISTS (SELECT 1 FROM notice_audiences a WHERE a.notice_id = n.id AND a.role = ?)", string(p.Role))
		switch p.Role {
		case auth.RoleMember:
			q = q.Where("n.vendor_id IS NULL AND (n.member_id IS NULL OR n.member_id = ?)", idOr(p.MemberID))
		case auth.RoleVendor:
			q = q.Where("n.member_id IS NULL AND (n.vendor_id IS NULL OR n.vendor_id = ?)", idOr(p.VendorID))
		}
	}
	if !f.Code.IsZero() {
		q = q.Where("n.code = ?", f.Code.name)
	}
	if f.Entity != "" {
		q = q.Where("n.entity = ? AND n.entity_id = ?", f.Entity, f.EntityID)
	}
	if f.Before > 0 {
		q = q.Where("n.id < ?", f.Before)
	}
	var rows []row
	if err := q.Order("n.id DESC").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list notices: %w", err)
	}
	var next int64
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		next = rows[len(rows)-1].ID
	}
	out, err := withAudience(ctx, rows)
	return out, next, err
}

// idOr returns *id, or -1 (no object has it) for nil.
func idOr(id *int64) int64 {
	if id == nil {
		return -1
	}
	return *id
}

func withAudience(ctx context.Context, rows []row) ([]Notice, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var aud []audience
	if err := db.Conn(ctx).Where("notice_id IN ?", ids).Order("role").Find(&aud).Error; err != nil {
		return nil, fmt.Errorf("list notice audiences: %w", err)
	}
	roles := map[int64][]auth.Role{}
	for _, a := range aud {
		roles[a.NoticeID] = append(roles[a.NoticeID], auth.Role(a.Role))
	}
	out := make([]Notice, len(rows))
	for i, r := range rows {
		n := Notice{ID: r.ID, Code: Code{r.Code}, MemberID: r.MemberID, VendorID: r.VendorID, Entity: r.Entity,
			EntityID: r.EntityID, DedupeKey: r.DedupeKey, CreatedAt: r.CreatedAt, Audience: roles[r.ID]}
		if err := json.Unmarshal([]byte(r.Args), &n.Args); err != nil {
			return nil, fmt.Errorf("notice %d: args: %w", r.ID, err)
		}
		if n.Args == nil {
			n.Args = []string{}
		}
		out[i] = n
	}
	return out, nil
}
