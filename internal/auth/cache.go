package auth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// principalCache keeps principals by token hash for CacheTTL. Its zero value caches
// with no other instance to hear from; after Watch it caches only while its
// subscription to the other instances' forgets is live.
type principalCache struct {
	m sync.Map // token hash → cachedPrincipal
	// gen counts forgets. Authenticate caches what it read only if no forget happened
	// since it started reading, so a principal read just before a revocation committed
	// is not put back after the revocation has cleared the cache.
	gen atomic.Uint64
	mu  sync.Mutex // orders forget against remember

	watched atomic.Bool // Watch was called: cache only while live
	live    atomic.Bool // the subscription is confirmed and answering

	pub     redis.UniversalClient // where forgets are published; nil before Watch
	channel string
}

type cachedPrincipal struct {
	p      Principal
	until  time.Time
	expiry *time.Time
}

func (c *principalCache) usable() bool { return !c.watched.Load() || c.live.Load() }

func (c *principalCache) get(hash string, now time.Time) (Principal, bool) {
	if !c.usable() {
		return Principal{}, false
	}
	v, ok := c.m.Load(hash)
	if !ok {
		return Principal{}, false
	}
	cp := v.(cachedPrincipal)
	if now.Before(cp.until) && (cp.expiry == nil || now.Before(*cp.expiry)) {
		return cp.p, true
	}
	c.m.Delete(hash)
	return Principal{}, false
}

func (c *principalCache) generation() uint64 { return c.gen.Load() }

// remember caches cp under hash unless a forget happened since generation gen, or the
// cache may not be used.
func (c *principalCache) remember(hash string, gen uint64, cp cachedPrincipal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() == gen && c.usable() {
		c.m.Store(hash, cp)
	}
}

// forgetLocal drops every cached principal of this instance; live, if not nil, is
// the cache's new state, set in the same step so no remember falls between.
func (c *principalCache) forgetLocal(live *bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.m.Clear()
	if live != nil {
		c.live.Store(*live)
	}
}

// forget drops every cached principal, here and (through Redis) on every other
// instance, after anything that may take rights away has committed. A failed publish
// is logged: the other instances then keep what they cached for up to CacheTTL, unless
// their own subscription broke too, which stops their caching.
func (s *Service) forget() {
	s.cache.forgetLocal(nil)
	if s.cache.pub == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.cache.pub.Publish(ctx, s.cache.channel, "forget").Err(); err != nil {
		slog.Warn("auth: could not tell other instances to forget cached sessions; they may accept a revoked one for up to the cache TTL",
			"err", err, "ttl", s.CacheTTL)
	}
}

// watchPing is how long the subscription may stay silent before it is pinged; a ping
// unanswered for as long again counts as a lost subscription.
var watchPing = time.Second

// Watch makes the principal cache shared in effect between every instance on r: a
// forget here is published on channel, and one published by another instance clears
// this cache. Until the subscription is confirmed, and whenever it is lost (Redis
// down, connection dropped, pings unanswered), nothing is cached, so a revocation
// elsewhere can never be missed. It returns a function that ends the subscription.
func (s *Service) Watch(r redis.UniversalClient, channel string) (stop func()) {
	s.cache.pub, s.cache.channel = r, channel
	s.cache.watched.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var cur current
	go func() {
		defer close(done)
		backoff := 50 * time.Millisecond
		failing := false // a failure was logged; say so once it is back
		for ctx.Err() == nil {
			wasLive, err := s.subscribe(ctx, r, channel, &cur, func() {
				if failing {
					slog.Info("auth: subscription to session forgets back; caching sessions again")
					failing = false
				}
			})
			down := false
			s.cache.forgetLocal(&down)
			switch {
			case ctx.Err() != nil:
			case wasLive:
				backoff = 50 * time.Millisecond
				slog.Warn("auth: subscription to session forgets lost; caching no sessions until it is back", "err", err)
				failing = true
			case !failing:
				slog.Warn("auth: cannot subscribe to session forgets; caching no sessions until it can", "err", err)
				failing = true
			}
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
		}
	}()
	return func() {
		cancel()
		cur.close() // a receive waits for its timeout, not for ctx
		<-done
	}
}

// current is the subscription being held, so that stop can close it.
type current struct {
	mu     sync.Mutex
	ps     *redis.PubSub
	closed bool
}

// set records ps, or closes it at once after close.
func (c *current) set(ps *redis.PubSub) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		ps.Close()
		return false
	}
	c.ps = ps
	return true
}

func (c *current) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.ps != nil {
		c.ps.Close()
	}
}

// subscribe holds one subscription until it is lost or ctx ends, clearing the cache on
// every message; onLive is called when it is confirmed. It reports whether it was ever
// live, and why it ended.
func (s *Service) subscribe(ctx context.Context, r redis.UniversalClient, channel string, cur *current, onLive func()) (wasLive bool, err error) {
	ps := r.Subscribe(ctx)
	if !cur.set(ps) {
		return false, ctx.Err()
	}
	defer ps.Close()
	if err := ps.Subscribe(ctx, channel); err != nil {
		return false, err
	}
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, watchPing)
		switch {
		case ctx.Err() != nil:
			return wasLive, ctx.Err()
		case err != nil && isTimeout(err) && !pinged:
			if err := ps.Ping(ctx); err != nil {
				return wasLive, err
			}
			pinged = true
			continue
		case err != nil:
			return wasLive, err
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == channel && !wasLive {
				// Whatever was published before this point was missed: start empty.
				live := true
				s.cache.forgetLocal(&live)
				wasLive = true
				onLive()
			}
		case *redis.Message:
			s.cache.forgetLocal(nil)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// CacheLive reports whether cached principals are used: always without Watch; with it,
// only while the subscription to the other instances' forgets is confirmed and
// answering.
func (s *Service) CacheLive() bool { return s.cache.usable() }
