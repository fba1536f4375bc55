package auth

import (
	"unicode/utf8"

	"context"
	"fmt"
	"github.com/fsc/backoffice/internal/validate"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/db"
)

// NewUser is the input to CreateUser.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name" validate:"max=200"` // MaxNameLength; the tag tells decoding and the OpenAPI document
	Password string `json:"password"`
	Role     Role   `json:"role"`
	MemberID *int64 `json:"member_id"`
	VendorID *int64 `json:"vendor_id"`
}

func (s *Service) validatePassword(fe *apperr.Fields, field, pw string) {
	switch {
	case len([]rune(pw)) < MinPasswordLength:
		fe.Add(field, apperr.TooShort, "must be at least %d characters", MinPasswordLength)
	case len(pw) > 72:
		fe.Add(field, apperr.TooLong, "must be at most %d bytes", 72)
	}
}

// CreateUser creates a user (admin only). It returns apperr Invalid naming each bad
// field, including an e-mail already in use.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	if _, err := Require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	in.Email, in.Name = NormEmail(in.Email), strings.TrimSpace(in.Name)
	var fe apperr.Fields
	if !validEmail(in.Email) {
		fe.Add("email", apperr.Email, "must be a valid e-mail address")
	}
	checkName(&fe, in.Name)
	s.validatePassword(&fe, "password", in.Password)
	if err := s.checkRoleScope(ctx, &fe, in.Role, in.MemberID, in.VendorID); err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: in.Email, Name: in.Name, Role: in.Role, MemberID: in.MemberID, VendorID: in.VendorID, PasswordHash: hash}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Conn(ctx).Create(u).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Invalid(apperr.Field("email", apperr.Taken, "is already in use"))
			}
			return fmt.Errorf("create user: %w", err)
		}
		return audit.Record(ctx, "create", "user", u.ID, nil, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserPatch changes a user; nil fields stay as they are.
type UserPatch struct {
	Name     *string `json:"name" validate:"max=200"` // MaxNameLength
	Role     *Role   `json:"role"`
	MemberID *int64  `json:"member_id"`
	VendorID *int64  `json:"vendor_id"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

// UpdateUser applies p to user id (admin only). Disabling a user revokes its sessions.
// It returns NotFound for an unknown id and Invalid for bad fields.
func (s *Service) UpdateUser(ctx context.Context, id int64, p UserPatch) (*User, error) {
	actor, err := Require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	var out *User
	err = db.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.GetUser(ctx, id)
		if err != nil {
			return err
		}
		before := *u
		var fe apperr.Fields
		if p.Name != nil {
			u.Name = strings.TrimSpace(*p.Name)
			checkName(&fe, u.Name)
		}
		if p.Role != nil {
			u.Role = *p.Role
			if u.Role != RoleMember {
				u.MemberID = nil
			}
			if u.Role != RoleVendor {
				u.VendorID = nil
			}
		}
		if p.MemberID != nil {
			u.MemberID = p.MemberID
		}
		if p.VendorID != nil {
			u.VendorID = p.VendorID
		}
		if p.Role != nil || p.MemberID != nil || p.VendorID != nil {
			if err := s.checkRoleScope(ctx, &fe, u.Role, u.MemberID, u.VendorID); err != nil {
				return err
			}
		}
		if p.Disabled != nil {
			if *p.Disabled && u.ID == actor.UserID {
				fe.Add("disabled", CodeDisableSelf, "you cannot disable yourself")
			}
			u.Disabled = *p.Disabled
		}
		if p.Password != nil {
			s.validatePassword(&fe, "password", *p.Password)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if p.Password != nil {
			if u.PasswordHash, err = HashPassword(*p.Password); err != nil {
				return err
			}
		}
		if err := db.Conn(ctx).Save(u).Error; err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		// A changed role, member, vendor, password or a disabled account ends every open
		// session so that nobody keeps rights they no longer have.
		if u.Disabled || u.Role != before.Role || p.Password != nil || !sameID(u.MemberID, before.MemberID) ||
			!sameID(u.VendorID, before.VendorID) {
			if err := db.Conn(ctx).Model(&Token{}).
				Where("user_id = ? AND revoked_at IS NULL", u.ID).
				Update("revoked_at", time.Now().UTC()).Error; err != nil {
				return fmt.Errorf("revoke sessions of user %d: %w", id, err)
			}
		}
		out = u
		db.AfterCommit(ctx, s.forget)
		return audit.Record(ctx, "update", "user", u.ID, before, u)
	})
	return out, err
}

func sameID(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// GetUser returns user id (admin only), or NotFound.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	if _, err := Require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	var u User
	err := db.Conn(ctx).Take(&u, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("user %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return &u, nil
}

// ListUsers returns users ordered by id after cursor `after`, and the next cursor (0 on
// the last page). Admin only.
func (s *Service) ListUsers(ctx context.Context, after int64, limit int) ([]User, int64, error) {
	if _, err := Require(ctx, RoleAdmin); err != nil {
		return nil, 0, err
	}
	var us []User
	if err := db.Conn(ctx).Where("id > ?", after).Order("id").Limit(limit + 1).Find(&us).Error; err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	return pageOf(us, limit, func(u User) int64 { return u.ID })
}

func pageOf[T any](xs []T, limit int, id func(T) int64) ([]T, int64, error) {
	if len(xs) > limit {
		xs = xs[:limit]
		return xs, id(xs[len(xs)-1]), nil
	}
	return xs, 0, nil
}

// NewToken is the input to CreateToken.
type NewToken struct {
	Name      string     `json:"name" validate:"max=200"` // MaxNameLength
	Role      Role       `json:"role"`
	MemberID  *int64     `json:"member_id"`
	VendorID  *int64     `json:"vendor_id"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CreatedToken is a new API token; Token is shown this once and never stored.
type CreatedToken struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

// CreateToken creates an API token for an integration (admin only). It returns Invalid
// for bad fields.
func (s *Service) CreateToken(ctx context.Context, in NewToken) (*CreatedToken, error) {
	if _, err := Require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	var fe apperr.Fields
	checkName(&fe, in.Name)
	if err := s.checkRoleScope(ctx, &fe, in.Role, in.MemberID, in.VendorID); err != nil {
		return nil, err
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(time.Now()) {
		fe.Add("expires_at", apperr.InPast, "must be in the future")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	plain, hash := newToken("fsca_")
	t := &Token{Kind: kindAPI, Name: in.Name, Role: in.Role, MemberID: in.MemberID, VendorID: in.VendorID, Hash: hash, ExpiresAt: in.ExpiresAt}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Conn(ctx).Create(t).Error; err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return audit.Record(ctx, "create", "token", t.ID, nil, t)
	})
	if err != nil {
		return nil, err
	}
	return &CreatedToken{ID: t.ID, Name: t.Name, Token: plain}, nil
}

// ListTokens returns the API tokens, newest first (admin only).
func (s *Service) ListTokens(ctx context.Context) ([]Token, error) {
	if _, err := Require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	var ts []Token
	if err := db.Conn(ctx).Where("kind = ?", kindAPI).Order("id DESC").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken revokes API token id (admin only); revoking twice is a no-op. It returns
// NotFound for an unknown id.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	if _, err := Require(ctx, RoleAdmin); err != nil {
		return err
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var t Token
		err := db.Conn(ctx).Where("id = ? AND kind = ?", id, kindAPI).Take(&t).Error
		if db.IsNotFound(err) {
			return apperr.NotFound("token %d not found", id)
		}
		if err != nil || t.RevokedAt != nil {
			return err
		}
		before := t
		now := time.Now().UTC()
		t.RevokedAt = &now
		if err := db.Conn(ctx).Model(&t).Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		db.AfterCommit(ctx, s.forget)
		return audit.Record(ctx, "revoke", "token", t.ID, before, t)
	})
	return err
}

// EnsureAdmin creates the first admin from email and password when no user exists yet.
// It reports whether it created one; an invalid e-mail or password is an Invalid error.
// Any number of processes may call it at once on one database: they take turns under a
// lock, so one creates the admin and the others find a user and carry on.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (bool, error) {
	if email == "" {
		return false, nil
	}
	created := false
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Lock(ctx, "auth:first-admin"); err != nil {
			return err
		}
		var n int64
		if err := db.Conn(ctx).Model(&User{}).Count(&n).Error; err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if n > 0 {
			return nil
		}
		_, err := s.CreateUser(WithPrincipal(ctx, System), NewUser{Email: email, Name: "Administrator", Password: password, Role: RoleAdmin})
		created = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("first admin: %w", err)
	}
	return created, nil
}

// CountUsers returns how many users there are (staff, for the dashboard).
func (s *Service) CountUsers(ctx context.Context) (int64, error) {
	if _, err := RequireStaff(ctx); err != nil {
		return 0, err
	}
	var n int64
	if err := db.Conn(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// MaxNameLength bounds the name of a user or token.
const MaxNameLength = 200

// checkName adds the problems of a user's or token's name to fe: required, at most
// MaxNameLength characters, one line without control characters.
func checkName(fe *apperr.Fields, name string) {
	switch {
	case name == "":
		fe.Add("name", apperr.Required, "is required")
	case utf8.RuneCountInString(name) > MaxNameLength:
		fe.Add("name", apperr.TooLong, "must be at most %d characters", MaxNameLength)
	default:
		if e := validate.CleanText("name", name, false); e != nil {
			*fe = append(*fe, *e)
		}
	}
}
