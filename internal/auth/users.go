package auth

import (
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// User is a person who logs in. PasswordHash never leaves the package in JSON.
type User struct {
	ID           int64     `json:"id" gorm:"primaryKey"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	MemberID     *int64    `json:"member_id"`
	VendorID     *int64    `json:"vendor_id"`
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Token is a login session or an API token; only its SHA-256 hash is stored.
type Token struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	Kind       string     `json:"kind"` // "session" or "api"
	UserID     *int64     `json:"user_id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	MemberID   *int64     `json:"member_id"`
	VendorID   *int64     `json:"vendor_id"`
	Hash       string     `json:"-"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Field error codes of users and tokens.
var (
	CodeDisableSelf             = apperr.NewCode("disable_self")                // no args
	CodeMemberOnlyForMemberRole = apperr.NewCode("member_only_for_member_role") // no args
	CodeVendorOnlyForVendorRole = apperr.NewCode("vendor_only_for_vendor_role") // no args
)

const (
	kindSession = "session"
	kindAPI     = "api"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202611220020_auth_users_tokens",
		Migrate: func(tx *gorm.DB) error {
			type user struct {
				ID           int64  `gorm:"primaryKey"`
				Email        string `gorm:"not null;uniqueIndex"`
				Name         string `gorm:"not null"`
				Role         string `gorm:"not null;check:chk_users_role,role IN ('admin','logistics','support','finance','member','vendor')"`
				MemberID     *int64 `gorm:"index;check:chk_users_member,(role = 'member') = (member_id IS NOT NULL)"`
				PasswordHash string `gorm:"not null"`
				Disabled     bool   `gorm:"not null;default:false"`
				CreatedAt    time.Time
				UpdatedAt    time.Time
			}
			type token struct {
				ID         int64  `gorm:"primaryKey"`
				Kind       string `gorm:"not null;check:chk_tokens_kind,kind IN ('session','api')"`
				UserID     *int64 `gorm:"index"`
				User       *user  `gorm:"foreignKey:UserID;constraint:OnDelete:CASCADE"`
				Name       string `gorm:"not null"`
				Role       string `gorm:"not null"`
				MemberID   *int64
				Hash       string `gorm:"not null;uniqueIndex"`
				ExpiresAt  *time.Time
				LastUsedAt *time.Time
				RevokedAt  *time.Time
				CreatedAt  time.Time
			}
			if err := tx.Table("users").Migrator().CreateTable(&user{}); err != nil {
				return err
			}
			return tx.Table("tokens").Migrator().CreateTable(&token{})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("tokens", "users") },
	})
}
