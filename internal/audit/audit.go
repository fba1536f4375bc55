// Package audit records who changed what, inside the caller's transaction, so a state
// change and its audit entry commit or roll back together.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Entry is one audit record.
type Entry struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	At        time.Time `json:"at" gorm:"not null;index"`
	ActorID   *int64    `json:"actor_id" gorm:"index"`
	Actor     string    `json:"actor" gorm:"not null;index"`
	Role      string    `json:"role" gorm:"not null"`
	MemberID  *int64    `json:"member_id"`
	Action    string    `json:"action" gorm:"not null"`
	Entity    string    `json:"entity" gorm:"not null;index:idx_audit_entity,priority:1"`
	EntityID  int64     `json:"entity_id" gorm:"not null;index:idx_audit_entity,priority:2"`
	Before    JSONText  `json:"before,omitempty" gorm:"type:text"`
	After     JSONText  `json:"after,omitempty" gorm:"type:text"`
	RequestID string    `json:"request_id"`
}

// TableName keeps the table name stable whatever the type is called.
func (Entry) TableName() string { return "audit_entries" }

// Actor is who acts: a user, an API token or the system (a job).
type Actor struct {
	UserID   *int64
	Name     string // e-mail of a user, "token:<name>" or "system"
	Role     string
	MemberID *int64
}

type ctxKey int

const (
	actorKey ctxKey = iota
	requestKey
)

// WithActor returns ctx carrying the actor that Record attributes entries to.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// WithRequestID returns ctx carrying the request id that Record stores.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestKey, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestKey).(string)
	return s
}

// Record writes an entry for action on entity/id with the before and after states
// (any JSON-marshalable values, nil for none) through db.Conn(ctx), so it joins the
// caller's transaction. It returns an error if the insert fails; the caller's
// transaction then rolls back.
func Record(ctx context.Context, action, entity string, id int64, before, after any) error {
	a, ok := ctx.Value(actorKey).(Actor)
	if !ok {
		a = Actor{Name: "system", Role: "system"}
	}
	e := Entry{
		At: time.Now().UTC(), ActorID: a.UserID, Actor: a.Name, Role: a.Role, MemberID: a.MemberID,
		Action: action, Entity: entity, EntityID: id, RequestID: RequestID(ctx),
	}
	var err error
	if e.Before, err = marshal(before); err != nil {
		return err
	}
	if e.After, err = marshal(after); err != nil {
		return err
	}
	if err := db.Conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("audit %s %s %d: %w", action, entity, id, err)
	}
	return nil
}

// JSONText is JSON stored as text; it marshals as the JSON it holds.
type JSONText string

// MarshalJSON emits the stored JSON as is, or null when empty.
func (j JSONText) MarshalJSON() ([]byte, error) {
	if j == "" {
		return []byte("null"), nil
	}
	return []byte(j), nil
}

func marshal(v any) (JSONText, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit: marshal: %w", err)
	}
	return JSONText(b), nil
}

// Filter selects entries for List.
type Filter struct {
	Entity   string
	EntityID int64
	Actor    string // e-mail or actor name, exact
	ActorID  int64
	Before   int64 // keyset cursor: entries with id < Before
	Limit    int   // DefaultLimit when 0 or less
}

// DefaultLimit is the page size of a Filter without a limit.
const DefaultLimit = 50

// List returns entries newest first, matching f, and the cursor of the next page (0 on
// the last).
func List(ctx context.Context, f Filter) ([]Entry, int64, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	q := db.Conn(ctx).Model(&Entry{})
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != 0 {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var out []Entry
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202611220010_audit_entries",
		Migrate: func(tx *gorm.DB) error {
			type auditEntry struct {
				ID        int64     `gorm:"primaryKey"`
				At        time.Time `gorm:"not null;index"`
				ActorID   *int64    `gorm:"index"`
				Actor     string    `gorm:"not null;index"`
				Role      string    `gorm:"not null"`
				MemberID  *int64
				Action    string `gorm:"not null"`
				Entity    string `gorm:"not null;index:idx_audit_entity,priority:1"`
				EntityID  int64  `gorm:"not null;index:idx_audit_entity,priority:2"`
				Before    string `gorm:"type:text"`
				After     string `gorm:"type:text"`
				RequestID string
			}
			return tx.Table("audit_entries").Migrator().CreateTable(&auditEntry{})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("audit_entries") },
	})
}
