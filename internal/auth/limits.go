package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/go-redis/redis_rate/v10"
)

// LoginLimits bounds login attempts. Failures are counted per account and address
// pair, so that a stranger guessing from one address locks only that address out of
// the account, not its owner; the per-account ceiling, far above what one person
// mistypes, still stops a guess spread over many addresses.
type LoginLimits struct {
	// PerAddress counts every attempt, good or bad, from one address.
	PerAddress redis_rate.Limit
	// PerAccountAddress counts failed attempts at one account from one address; a
	// successful login from that address clears them.
	PerAccountAddress redis_rate.Limit
	// PerAccount counts failed attempts at one account from every address.
	PerAccount redis_rate.Limit
}

// DefaultLoginLimits allows 30 attempts a minute from one address, 5 failures at one
// account from one address in 15 minutes, and 100 failures at one account an hour.
var DefaultLoginLimits = LoginLimits{
	PerAddress:        redis_rate.PerMinute(30),
	PerAccountAddress: redis_rate.Limit{Rate: 5, Burst: 5, Period: 15 * time.Minute},
	PerAccount:        redis_rate.Limit{Rate: 100, Burst: 100, Period: time.Hour},
}

// Keys of the limits; email is normalised (NormEmail) by the caller.
func addrKey(addr string) string        { return "login:addr:" + addr }
func pairKey(email, addr string) string { return "login:pair:" + addr + "|" + email }
func acctKey(email string) string       { return "login:acct:" + email }

func (s *Service) allowAttempt(ctx context.Context, email, addr string) error {
	if s.Limiter == nil {
		return nil
	}
	res, err := s.Limiter.Allow(ctx, addrKey(addr), s.Limits.PerAddress)
	if err != nil {
		// The limit is a second line of defence; an unreachable Redis must not lock
		// every user out.
		slog.WarnContext(ctx, "login rate limit unavailable", "err", err)
		return nil
	}
	if res.Allowed == 0 {
		wait := retryIn(res.RetryAfter)
		return apperr.RateLimitedFor(wait, "too many login attempts from this address; try again in %s", wait)
	}
	// AllowN with 0 looks without counting: only failures count against the account.
	for _, l := range []struct {
		key   string
		limit redis_rate.Limit
		msg   string
	}{
		{pairKey(email, addr), s.Limits.PerAccountAddress, "too many failed logins for this account from this address; try again in %s"},
		{acctKey(email), s.Limits.PerAccount, "too many failed logins for this account; try again in %s"},
	} {
		res, err := s.Limiter.AllowN(ctx, l.key, l.limit, 0)
		if err != nil {
			slog.WarnContext(ctx, "login rate limit unavailable", "err", err)
			return nil
		}
		if res.Remaining <= 0 {
			// With nothing asked for, RetryAfter is not set; ResetAfter is how long
			// until the whole burst is back, one interval per failure.
			interval := l.limit.Period / time.Duration(max(l.limit.Rate, 1))
			wait := retryIn(res.ResetAfter - time.Duration(l.limit.Burst-1)*interval)
			return apperr.RateLimitedFor(wait, l.msg, wait)
		}
	}
	return nil
}

func (s *Service) recordFailure(ctx context.Context, email, addr string) {
	if s.Limiter == nil {
		return
	}
	for _, l := range []struct {
		key   string
		limit redis_rate.Limit
	}{{pairKey(email, addr), s.Limits.PerAccountAddress}, {acctKey(email), s.Limits.PerAccount}} {
		if _, err := s.Limiter.Allow(ctx, l.key, l.limit); err != nil {
			slog.WarnContext(ctx, "login rate limit unavailable", "err", err)
		}
	}
}

// clearFailures forgets the failures at email from addr once the right password came
// from there: the owner who mistyped a few times starts afresh. The account's ceiling
// keeps its count.
func (s *Service) clearFailures(ctx context.Context, email, addr string) {
	if s.Limiter == nil {
		return
	}
	if err := s.Limiter.Reset(ctx, pairKey(email, addr)); err != nil {
		slog.WarnContext(ctx, "login rate limit unavailable", "err", err)
	}
}

func retryIn(d time.Duration) time.Duration { return max(d.Round(time.Second), time.Second) }
