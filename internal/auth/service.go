package auth

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-redis/redis_rate/v10"
)

// MemberChecker is what auth needs of the members registry: whether a member exists.
// It returns an apperr NotFound error when it does not.
type MemberChecker interface {
	MemberExists(ctx context.Context, id int64) error
}

// VendorChecker is what auth needs of the vendor registry: whether a vendor exists. It
// returns an apperr NotFound error when it does not.
type VendorChecker interface {
	VendorExists(ctx context.Context, id int64) error
}

// Service manages users, sessions and API tokens.
type Service struct {
	Members MemberChecker
	// Vendors checks the vendor_id of vendor users and tokens; without it a vendor_id
	// cannot be checked and is refused.
	Vendors    VendorChecker
	Limiter    *redis_rate.Limiter // nil disables login rate limiting
	Limits     LoginLimits
	SessionTTL time.Duration
	// CacheTTL is how long a token's principal is reused without asking the database.
	// Logout, revocation and user changes forget cached principals at once on this
	// instance, and on every other one through Watch; an instance whose subscription is
	// down caches nothing.
	CacheTTL time.Duration

	cache    principalCache
	siteKeys sync.Map // name → []byte, once read (sitekeys.go)
}

// NewService returns a Service with default limits, a 12-hour session and principals
// cached for 5 seconds. When members also keeps the vendors (contracts.Service does), it
// is the VendorChecker too.
func NewService(members MemberChecker, limiter *redis_rate.Limiter) *Service {
	s := &Service{Members: members, Limiter: limiter, Limits: DefaultLoginLimits, SessionTTL: 12 * time.Hour, CacheTTL: 5 * time.Second}
	s.Vendors, _ = members.(VendorChecker)
	return s
}

// Session is the answer to a successful login.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      *User     `json:"user"`
}

// ErrBadCredentials is the one answer for unknown e-mail and wrong password alike.
var ErrBadCredentials = apperr.Unauthorized("invalid e-mail or password")

// Login checks email and password and opens a session. It returns ErrBadCredentials for
// an unknown e-mail, a wrong password or a disabled user, and apperr RateLimited when
// addr or the account has made too many attempts.
func (s *Service) Login(ctx context.Context, email, password, addr string) (*Session, error) {
	email = NormEmail(email)
	if err := s.allowAttempt(ctx, email, addr); err != nil {
		return nil, err
	}
	var u User
	err := db.Conn(ctx).Where("email = ?", email).Take(&u).Error
	switch {
	case db.IsNotFound(err):
		CheckPassword(dummyHash(), password)
		s.recordFailure(ctx, email, addr)
		return nil, ErrBadCredentials
	case err != nil:
		return nil, fmt.Errorf("login: %w", err)
	}
	if !CheckPassword(u.PasswordHash, password) || u.Disabled {
		s.recordFailure(ctx, email, addr)
		return nil, ErrBadCredentials
	}
	s.clearFailures(ctx, email, addr)
	plain, hash := newToken("fscs_")
	exp := time.Now().UTC().Add(s.SessionTTL).Truncate(time.Second)
	t := Token{Kind: kindSession, UserID: &u.ID, Name: "login", Role: u.Role, MemberID: u.MemberID, VendorID: u.VendorID, Hash: hash, ExpiresAt: &exp}
	if err := db.Conn(ctx).Create(&t).Error; err != nil {
		return nil, fmt.Errorf("login: create session: %w", err)
	}
	return &Session{Token: plain, ExpiresAt: exp, User: &u}, nil
}

// Authenticate returns the principal of a session or API token. It returns apperr
// Unauthorized for an unknown, expired or revoked token or a disabled user.
func (s *Service) Authenticate(ctx context.Context, plain string) (Principal, error) {
	if plain == "" {
		return Principal{}, apperr.Unauthorized("authentication required")
	}
	hash := hashToken(plain)
	now := time.Now().UTC()
	if p, ok := s.cache.get(hash, now); ok {
		return p, nil
	}
	gen := s.cache.generation()
	var row struct {
		Token
		Email    *string
		Disabled *bool
	}
	err := db.Conn(ctx).Table("tokens").
		Select("tokens.*, users.email AS email, users.disabled AS disabled").
		Joins("LEFT JOIN users ON users.id = tokens.user_id").
		Where("tokens.hash = ? AND tokens.revoked_at IS NULL", hash).
		Take(&row).Error
	switch {
	case db.IsNotFound(err):
		return Principal{}, apperr.Unauthorized("invalid or expired token")
	case err != nil:
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	if row.ExpiresAt != nil && !row.ExpiresAt.After(now) {
		return Principal{}, apperr.Unauthorized("invalid or expired token")
	}
	if row.Disabled != nil && *row.Disabled {
		return Principal{}, apperr.Unauthorized("invalid or expired token")
	}
	p := Principal{TokenID: row.ID, Name: row.Name, Role: row.Role, MemberID: row.MemberID, VendorID: row.VendorID}
	if row.UserID != nil {
		p.UserID = *row.UserID
		p.Name = *row.Email
	}
	// Touch last use at most once a minute, so a busy token does not write per request.
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > time.Minute {
		db.Conn(ctx).Model(&Token{}).Where("id = ?", row.ID).Update("last_used_at", now)
	}
	if s.CacheTTL > 0 {
		s.cache.remember(hash, gen, cachedPrincipal{p: p, until: now.Add(s.CacheTTL), expiry: row.ExpiresAt})
	}
	return p, nil
}

// Logout revokes the session token plain. Unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, plain string) error {
	now := time.Now().UTC()
	err := db.Conn(ctx).Model(&Token{}).
		Where("hash = ? AND kind = ? AND revoked_at IS NULL", hashToken(plain), kindSession).
		Update("revoked_at", now).Error
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	db.AfterCommit(ctx, s.forget)
	return nil
}

// Me returns the user behind the principal in ctx, or for an API token a user-shaped
// view of the token (id 0). It returns Unauthorized without a principal.
func (s *Service) Me(ctx context.Context) (*User, error) {
	p, err := RequireAny(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID == 0 {
		return &User{Name: p.Name, Email: "", Role: p.Role, MemberID: p.MemberID, VendorID: p.VendorID}, nil
	}
	var u User
	if err := db.Conn(ctx).Take(&u, p.UserID).Error; err != nil {
		return nil, fmt.Errorf("me: %w", err)
	}
	return &u, nil
}

// NormEmail is the one form of an e-mail address that is stored and looked up:
// trimmed and in lower case, so that "Anne@X.dk " and "anne@x.dk" are one account.
func NormEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// checkRoleScope validates a role with its member and vendor for a user or token: a
// member user belongs to one member, a vendor user to one vendor, nobody else to either.
func (s *Service) checkRoleScope(ctx context.Context, fe *apperr.Fields, role Role, memberID, vendorID *int64) error {
	if err := s.checkRoleMember(ctx, fe, role, memberID); err != nil {
		return err
	}
	if !role.Valid() {
		return nil
	}
	switch {
	case role == RoleVendor && vendorID == nil:
		fe.Add("vendor_id", apperr.Required, "is required for role vendor")
	case role != RoleVendor && vendorID != nil:
		fe.Add("vendor_id", CodeVendorOnlyForVendorRole, "is only allowed for role vendor")
	case vendorID != nil && s.Vendors == nil:
		return fmt.Errorf("check vendor %d: auth has no vendor registry", *vendorID)
	case vendorID != nil:
		err := s.Vendors.VendorExists(ctx, *vendorID)
		if apperr.Is(err, apperr.KindNotFound) {
			fe.Add("vendor_id", apperr.Unknown, "no vendor with id %d", *vendorID)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// checkRoleMember validates a role and member pair for a user or token.
func (s *Service) checkRoleMember(ctx context.Context, fe *apperr.Fields, role Role, memberID *int64) error {
	switch {
	case role == "":
		fe.Add("role", apperr.Required, "is required")
	case !role.Valid():
		fe.Add("role", apperr.OneOf, "must be one of %s", "admin, logistics, support, finance, member, vendor")
	case role == RoleMember && memberID == nil:
		fe.Add("member_id", apperr.Required, "is required for role member")
	case role != RoleMember && memberID != nil:
		fe.Add("member_id", CodeMemberOnlyForMemberRole, "is only allowed for role member")
	case memberID != nil:
		err := s.Members.MemberExists(ctx, *memberID)
		if apperr.Is(err, apperr.KindNotFound) {
			fe.Add("member_id", apperr.Unknown, "no member with id %d", *memberID)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return len(e) <= 254 && err == nil && a.Address == e && strings.Contains(e, "@")
}
