package wire_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/redis/go-redis/v9"
)

const pw = "correct horse battery"

// instance is one app process: its own pool, Redis client and services, sharing only
// the database and the Redis server with the others.
type instance struct {
	s   *wire.Services
	ctx context.Context
}

func newInstance(t *testing.T, url string, redisOpt *redis.Options) *instance {
	t.Helper()
	g, err := db.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(g) })
	// A client of its own, from fresh options: those of a client in use carry its
	// push-notification set-up, which a second client must not share.
	c := redis.NewClient(&redis.Options{Addr: redisOpt.Addr, DB: redisOpt.DB, Username: redisOpt.Username,
		Password: redisOpt.Password, MaxRetries: redisOpt.MaxRetries, DialerRetries: redisOpt.DialerRetries})
	t.Cleanup(func() { c.Close() })
	s := wire.New(g, &jobs.Redis{Client: c}, wire.Options{})
	t.Cleanup(s.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &instance{s: s, ctx: s.Context(ctx, auth.System)}
}

// pair starts two instances on one fresh database and the Redis at redisOpt, and waits
// until both hear each other.
func pair(t *testing.T, redisOpt *redis.Options) (a, b *instance) {
	t.Helper()
	url := testenv.URL(t)
	a = newInstance(t, url, redisOpt)
	if err := db.Migrate(a.s.DB); err != nil {
		t.Fatal(err)
	}
	b = newInstance(t, url, redisOpt)
	waitFor(t, "both instances subscribed", 10*time.Second, func() bool { return a.s.Auth.CacheLive() && b.s.Auth.CacheLive() })
	return a, b
}

var users int

func (in *instance) user(t *testing.T, role auth.Role) (*auth.User, string) {
	t.Helper()
	users++
	u, err := in.s.Auth.CreateUser(in.ctx, auth.NewUser{Email: fmt.Sprintf("u%d@example.dk", users), Name: "U", Password: pw, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := in.s.Auth.Login(in.ctx, u.Email, pw, fmt.Sprintf("10.20.%d.1", users))
	if err != nil {
		t.Fatal(err)
	}
	return u, sess.Token
}

func (in *instance) mustAuth(t *testing.T, plain string) auth.Principal {
	t.Helper()
	p, err := in.s.Auth.Authenticate(in.ctx, plain)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return p
}

// refusedWithin fails t unless in refuses plain (or, with role set, sees another role)
// within d of now.
func (in *instance) refusedWithin(t *testing.T, what, plain string, d time.Duration, stillOK func(auth.Principal) bool) {
	t.Helper()
	start := time.Now()
	for {
		p, err := in.s.Auth.Authenticate(in.ctx, plain)
		if err != nil && !apperr.Is(err, apperr.KindUnauthorized) {
			t.Fatalf("%s: Authenticate: %v", what, err)
		}
		if err != nil || !stillOK(p) {
			return
		}
		if time.Since(start) > d {
			t.Fatalf("%s: the other instance still accepts the session %s later", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func always(auth.Principal) bool { return true }

// Logout, API token revocation, a role change and a deactivated user on instance A take
// effect on instance B within a second, although B had the principal cached for 5 s.
func TestRevocationReachesEveryInstance(t *testing.T) {
	r := testenv.Redis(t)
	a, b := pair(t, r.Client.(*redis.Client).Options())
	if b.s.Auth.CacheTTL < 5*time.Second {
		t.Fatalf("cache TTL %s: the test needs one longer than the 1 s it allows", b.s.Auth.CacheTTL)
	}
	const within = time.Second

	t.Run("logout", func(t *testing.T) {
		_, tok := a.user(t, auth.RoleSupport)
		b.mustAuth(t, tok) // cached on B
		if err := a.s.Auth.Logout(a.ctx, tok); err != nil {
			t.Fatal(err)
		}
		b.refusedWithin(t, "logout", tok, within, always)
	})
	t.Run("revoked API token", func(t *testing.T) {
		tok, err := a.s.Auth.CreateToken(a.ctx, auth.NewToken{Name: "integration", Role: auth.RoleFinance})
		if err != nil {
			t.Fatal(err)
		}
		b.mustAuth(t, tok.Token)
		if err := a.s.Auth.RevokeToken(a.ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		b.refusedWithin(t, "revocation", tok.Token, within, always)
	})
	t.Run("role change", func(t *testing.T) {
		u, tok := a.user(t, auth.RoleAdmin)
		b.mustAuth(t, tok)
		role := auth.RoleSupport
		if _, err := a.s.Auth.UpdateUser(a.ctx, u.ID, auth.UserPatch{Role: &role}); err != nil {
			t.Fatal(err)
		}
		b.refusedWithin(t, "role change", tok, within, func(p auth.Principal) bool { return p.Role == auth.RoleAdmin })
	})
	t.Run("deactivated user", func(t *testing.T) {
		u, tok := a.user(t, auth.RoleLogistics)
		b.mustAuth(t, tok)
		off := true
		if _, err := a.s.Auth.UpdateUser(a.ctx, u.ID, auth.UserPatch{Disabled: &off}); err != nil {
			t.Fatal(err)
		}
		b.refusedWithin(t, "deactivation", tok, within, always)
	})
}

// With Redis gone, an instance cannot hear the others' forgets, so it caches nothing:
// a logout on A (whose publish fails too) is refused on B at once. When Redis is back,
// B subscribes again and caches again.
func TestLostSubscriptionStopsCaching(t *testing.T) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	a, b := pair(t, &redis.Options{Addr: m.Addr(), MaxRetries: -1, DialerRetries: 1})
	_, tok := a.user(t, auth.RoleSupport)
	b.mustAuth(t, tok)

	m.Close()
	waitFor(t, "B noticing the lost subscription", 10*time.Second, func() bool { return !b.s.Auth.CacheLive() })
	b.mustAuth(t, tok) // still valid: read from the database
	if err := a.s.Auth.Logout(a.ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.Auth.Authenticate(b.ctx, tok); !apperr.Is(err, apperr.KindUnauthorized) {
		t.Fatalf("B after a logout on A with Redis down = %v, want Unauthorized at once", err)
	}

	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B subscribed again", 15*time.Second, func() bool { return b.s.Auth.CacheLive() })
	_, tok = a.user(t, auth.RoleSupport)
	b.mustAuth(t, tok)
	if err := a.s.Auth.Logout(a.ctx, tok); err != nil {
		t.Fatal(err)
	}
	b.refusedWithin(t, "logout after Redis came back", tok, time.Second, always)
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
