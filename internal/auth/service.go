package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
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

// LoginLimits bounds login attempts: every attempt per client address, and failed
// attempts per account.
type LoginLimits struct {
	PerAddress redis_rate.Limit
	PerAccount redis_rate.Limit
}

// DefaultLoginLimits allows 30 attempts a minute from one address and 5 failed
// attempts per account in 15 minutes.
var DefaultLoginLimits = LoginLimits{
	PerAddress: redis_rate.PerMinute(30),
	PerAccount: redis_rate.Limit{Rate: 5, Burst: 5, Period: 15 * time.Minute},
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
	// This instance forgets tokens at once on logout, revocation or a user change;
	// another instance may accept a revoked token for up to CacheTTL.
	CacheTTL time.Duration

	cache sync.Map // token hash → cachedPrincipal
	// gen counts forgets. Authenticate caches what it read only if no forget happened
	// since it started reading, so a principal read just before a revocation committed
	// is not put back after the revocation has cleared the cache.
	gen   atomic.Uint64
	genMu sync.Mutex // orders forget against remember
}

type cachedPrincipal struct {
	p      Principal
	until  time.Time
	expiry *time.Time
}

// forget drops every cached principal, after anything that may take rights away has
// committed.
func (s *Service) forget() {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	s.gen.Add(1)
	s.cache.Clear()
}

// remember caches cp under hash unless a forget happened since generation gen.
func (s *Service) remember(hash string, gen uint64, cp cachedPrincipal) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	if s.gen.Load() == gen {
		s.cache.Store(hash, cp)
	}
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
	email = normEmail(email)
	if err := s.allowAttempt(ctx, email, addr); err != nil {
		return nil, err
	}
	var u User
	err := db.Conn(ctx).Where("email = ?", email).Take(&u).Error
	switch {
	case db.IsNotFound(err):
		CheckPassword(dummyHash(), password)
		s.recordFailure(ctx, email)
		return nil, ErrBadCredentials
	case err != nil:
		return nil, fmt.Errorf("login: %w", err)
	}
	if !CheckPassword(u.PasswordHash, password) || u.Disabled {
		s.recordFailure(ctx, email)
		return nil, ErrBadCredentials
	}
	plain, hash := newToken("fscs_")
	exp := time.Now().UTC().Add(s.SessionTTL).Truncate(time.Second)
	t := Token{Kind: kindSession, UserID: &u.ID, Name: "login", Role: u.Role, MemberID: u.MemberID, VendorID: u.VendorID, Hash: hash, ExpiresAt: &exp}
	if err := db.Conn(ctx).Create(&t).Error; err != nil {
		return nil, fmt.Errorf("login: create session: %w", err)
	}
	return &Session{Token: plain, ExpiresAt: exp, User: &u}, nil
}

func (s *Service) allowAttempt(ctx context.Context, email, addr string) error {
	if s.Limiter == nil {
		return nil
	}
	res, err := s.Limiter.Allow(ctx, "login:addr:"+addr, s.Limits.PerAddress)
	if err != nil {
		// The limit is a second line of defence; an unreachable Redis must not lock
		// every user out.
		slog.WarnContext(ctx, "login rate limit unavailable", "err", err)
		return nil
	}
	if res.Allowed == 0 {
		return apperr.RateLimited("too many login attempts from this address; try again in %s", res.RetryAfter.Round(time.Second))
	}
	res, err = s.Limiter.AllowN(ctx, "login:acct:"+email, s.Limits.PerAccount, 0)
	if err != nil {
		slog.WarnContext(ctx, "login rate limit unavailable", "err", err)
		return nil
	}
	if res.Remaining <= 0 {
		return apperr.RateLimited("too many failed logins for this account; try again later")
	}
	return nil
}

func (s *Service) recordFailure(ctx context.Context, email string) {
	if s.Limiter == nil {
		return
	}
	if _, err := s.Limiter.Allow(ctx, "login:acct:"+email, s.Limits.PerAccount); err != nil {
		slog.WarnContext(ctx, "login rate limit unavailable", "err", err)
	}
}

// Authenticate returns the principal of a session or API token. It returns apperr
// Unauthorized for an unknown, expired or revoked token or a disabled user.
func (s *Service) Authenticate(ctx context.Context, plain string) (Principal, error) {
	if plain == "" {
		return Principal{}, apperr.Unauthorized("authentication required")
	}
	hash := hashToken(plain)
	now := time.Now().UTC()
	if c, ok := s.cache.Load(hash); ok {
		cp := c.(cachedPrincipal)
		if now.Before(cp.until) && (cp.expiry == nil || now.Before(*cp.expiry)) {
			return cp.p, nil
		}
		s.cache.Delete(hash)
	}
	gen := s.gen.Load()
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
		s.remember(hash, gen, cachedPrincipal{p: p, until: now.Add(s.CacheTTL), expiry: row.ExpiresAt})
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

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

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
	return err == nil && a.Address == e && strings.Contains(e, "@")
}
