package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

func TestLoginSucceeds(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleLogistics, nil)
	start := time.Now()
	// The e-mail is matched without case and surrounding blanks.
	s, err := f.svc.Login(f.ctx, "  "+strings.ToUpper(u.Email)+" ", password, "10.2.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Token, "fscs_") || len(s.Token) < 40 {
		t.Fatalf("session token %q: want fscs_ and 256 random bits", s.Token)
	}
	if s.User == nil || s.User.ID != u.ID {
		t.Fatalf("session user = %+v, want %d", s.User, u.ID)
	}
	lo, hi := start.Add(f.svc.SessionTTL-2*time.Second), time.Now().Add(f.svc.SessionTTL)
	if s.ExpiresAt.Before(lo) || s.ExpiresAt.After(hi) {
		t.Fatalf("expires at %v, want about %v from now", s.ExpiresAt, f.svc.SessionTTL)
	}
	p := f.mustAuth(t, s.Token)
	if p.UserID != u.ID || p.Name != u.Email || p.Role != auth.RoleLogistics || p.TokenID == 0 || p.MemberID != nil {
		t.Fatalf("principal = %+v", p)
	}
	// Two logins are two sessions.
	s2, err := f.svc.Login(f.ctx, u.Email, password, "10.2.0.1")
	if err != nil || s2.Token == s.Token {
		t.Fatalf("second login = %v, %v; want a new token", s2, err)
	}
}

// Unknown e-mail, wrong password and a disabled account get one and the same answer,
// so a caller cannot tell which e-mail addresses have accounts.
func TestLoginFailuresLookAlike(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleSupport, nil)
	off := f.user(t, auth.RoleSupport, nil)
	if _, err := f.svc.UpdateUser(f.sys, off.ID, auth.UserPatch{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, c := range []struct{ name, email, pw string }{
		{"unknown e-mail", "nobody@example.dk", password},
		{"wrong password", u.Email, password + "x"},
		{"empty password", u.Email, ""},
		{"password of another case", u.Email, strings.ToUpper(password)},
		{"disabled user, right password", off.Email, password},
		{"empty e-mail", "", password},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := f.svc.Login(f.ctx, c.email, c.pw, "10.3.0.1")
			if s != nil {
				t.Fatalf("got a session %+v", s)
			}
			if !errors.Is(err, auth.ErrBadCredentials) || !apperr.Is(err, apperr.KindUnauthorized) {
				t.Fatalf("Login = %v, want ErrBadCredentials", err)
			}
			msgs = append(msgs, err.Error())
		})
	}
	for _, m := range msgs {
		if m != msgs[0] {
			t.Fatalf("messages differ: %q", msgs)
		}
	}
	// None of the failures opened a session.
	var n int64
	if err := f.g.Table("tokens").Where("kind = 'session'").Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("sessions after failed logins = %d (%v), want 0", n, err)
	}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	f := setup(t)
	f.svc.Limits.PerAddress = redis_rate.PerMinute(3)
	u := f.user(t, auth.RoleSupport, nil)
	// Every attempt counts, good or bad.
	for i, pw := range []string{password, "wrong-wrong-wrong", password} {
		if _, err := f.svc.Login(f.ctx, u.Email, pw, "10.4.0.1"); apperr.Is(err, apperr.KindRateLimited) {
			t.Fatalf("attempt %d limited: %v", i+1, err)
		}
	}
	_, err := f.svc.Login(f.ctx, u.Email, password, "10.4.0.1")
	if !apperr.Is(err, apperr.KindRateLimited) || !strings.Contains(err.Error(), "address") {
		t.Fatalf("4th attempt from one address = %v, want RateLimited", err)
	}
	if _, err := f.svc.Login(f.ctx, "nobody@example.dk", password, "10.4.0.1"); !apperr.Is(err, apperr.KindRateLimited) {
		t.Fatalf("another account from the same address = %v, want RateLimited", err)
	}
	if _, err := f.svc.Login(f.ctx, u.Email, password, "10.4.0.2"); err != nil {
		t.Fatalf("the same account from another address: %v", err)
	}
}

// The per-account ceiling stops a guess spread over many addresses.
func TestLoginRateLimitPerAccountCeiling(t *testing.T) {
	f := setup(t)
	f.svc.Limits.PerAccount = redis_rate.Limit{Rate: 2, Burst: 2, Period: time.Hour}
	u, v := f.user(t, auth.RoleSupport, nil), f.user(t, auth.RoleSupport, nil)
	// Successful logins do not use up the account's allowance.
	for i := range 4 {
		if _, err := f.svc.Login(f.ctx, u.Email, password, "10.5.0.1"); err != nil {
			t.Fatalf("good login %d: %v", i+1, err)
		}
	}
	// Two failures from two addresses exhaust it; the third attempt is refused even
	// with the right password and from a fresh address, and it says so.
	for i, addr := range []string{"10.5.1.1", "10.5.1.2"} {
		if _, err := f.svc.Login(f.ctx, u.Email, "wrong-wrong-wrong", addr); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d = %v, want bad credentials", i+1, err)
		}
	}
	_, err := f.svc.Login(f.ctx, strings.ToUpper(u.Email), password, "10.5.1.3")
	if !apperr.Is(err, apperr.KindRateLimited) || !strings.Contains(err.Error(), "account") {
		t.Fatalf("login after the failures = %v, want RateLimited for the account", err)
	}
	// Another account is not affected.
	if _, err := f.svc.Login(f.ctx, v.Email, password, "10.5.1.3"); err != nil {
		t.Fatalf("another account: %v", err)
	}
	// Unknown e-mails are limited the same way, so the limit does not reveal accounts.
	for range 2 {
		f.svc.Login(f.ctx, "ghost@example.dk", password, "10.5.2.1")
	}
	if _, err := f.svc.Login(f.ctx, "ghost@example.dk", password, "10.5.2.2"); !apperr.Is(err, apperr.KindRateLimited) {
		t.Fatalf("unknown account after failures = %v, want RateLimited", err)
	}
}

// A stranger's failed guesses at an account from one address, in any spelling of the
// e-mail, lock that address out of the account but not its owner elsewhere; the
// owner's own few mistakes are forgotten once the right password comes, so they do not
// add up to a lockout.
func TestStrangerCannotLockOutTheUser(t *testing.T) {
	f := setup(t)
	u := f.user(t, auth.RoleSupport, nil)
	limit := int(auth.DefaultLoginLimits.PerAccountAddress.Burst)
	variants := []string{strings.ToUpper(u.Email), " " + u.Email, u.Email + " ", "\t" + strings.ToUpper(u.Email[:1]) + u.Email[1:], u.Email}
	for i := range limit {
		if _, err := f.svc.Login(f.ctx, variants[i%len(variants)], "wrong-wrong-wrong", "10.8.0.66"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("stranger's failure %d = %v, want bad credentials", i+1, err)
		}
	}
	// The spellings all counted against the one account from that address.
	_, err := f.svc.Login(f.ctx, u.Email, password, "10.8.0.66")
	if !apperr.Is(err, apperr.KindRateLimited) || !strings.Contains(err.Error(), "this address") {
		t.Fatalf("the stranger's address after %d failures = %v, want RateLimited for account and address", limit, err)
	}
	// The owner, from her own address, is not locked out.
	if _, err := f.svc.Login(f.ctx, " "+strings.ToUpper(u.Email), password, "10.8.0.1"); err != nil {
		t.Fatalf("the owner from another address: %v", err)
	}
	// Her mistakes, each time followed by the right password, never lock her out.
	for round := range 3 {
		for i := range limit - 1 {
			if _, err := f.svc.Login(f.ctx, u.Email, "typo-typo-typo", "10.8.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("round %d, typo %d = %v, want bad credentials", round+1, i+1, err)
			}
		}
		if _, err := f.svc.Login(f.ctx, u.Email, password, "10.8.0.1"); err != nil {
			t.Fatalf("round %d: the right password after %d typos: %v", round+1, limit-1, err)
		}
	}
}

func TestLoginWithoutLimiterIsNotLimited(t *testing.T) {
	f := setup(t)
	f.svc.Limiter = nil
	u := f.user(t, auth.RoleSupport, nil)
	for range 2 * auth.DefaultLoginLimits.PerAccountAddress.Burst {
		f.svc.Login(f.ctx, u.Email, "wrong-wrong-wrong", "10.6.0.1")
	}
	if _, err := f.svc.Login(f.ctx, u.Email, password, "10.6.0.1"); err != nil {
		t.Fatalf("login without a limiter: %v", err)
	}
}

// An unreachable Redis must not lock every user out: the limit is a second line of
// defence.
func TestLoginWhenRedisIsDown(t *testing.T) {
	f := setup(t)
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	f.svc.Limiter = redis_rate.NewLimiter(dead)
	u := f.user(t, auth.RoleSupport, nil)
	if _, err := f.svc.Login(f.ctx, u.Email, password, "10.7.0.1"); err != nil {
		t.Fatalf("login with Redis down: %v", err)
	}
	if _, err := f.svc.Login(f.ctx, u.Email, "wrong-wrong-wrong", "10.7.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("bad login with Redis down = %v, want bad credentials", err)
	}
}
