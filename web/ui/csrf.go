package ui

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/gofiber/fiber/v2"
)

// The CSRF check is a signed double-submit: the browser holds a random value in the
// HttpOnly cookie fsc_csrf, and every form carries its HMAC under a key the instances
// share through the database (auth.Service.SiteKey). A cross-site form can send the
// cookie but cannot know the HMAC; a cookie planted from elsewhere has no matching
// HMAC without the key. Nothing is stored per token, so the check needs no Redis.

const (
	csrfCookie  = "fsc_csrf"
	csrfField   = "_csrf"
	csrfHeader  = "X-CSRF-Token"
	csrfKeyName = "csrf"
	csrfMaxAge  = 12 * time.Hour
)

// KeySource gives the shared secret called name; *auth.Service is one.
type KeySource interface {
	SiteKey(ctx context.Context, name string) ([]byte, error)
}

func csrfCheck(cfg Config) fiber.Handler {
	return func(c *fiber.Ctx) error {
		seed := c.Cookies(csrfCookie)
		raw, err := base64.RawURLEncoding.DecodeString(seed)
		fresh := err != nil || len(raw) != 32
		if fresh {
			raw = make([]byte, 32)
			if _, err := rand.Read(raw); err != nil {
				return err
			}
			seed = base64.RawURLEncoding.EncodeToString(raw)
		}
		key, kerr := cfg.Keys.SiteKey(c.UserContext(), csrfKeyName)
		if !safeMethod(c.Method()) {
			reason := ""
			got := c.FormValue(csrfField)
			if got == "" {
				got = c.Get(csrfHeader)
			}
			switch {
			case kerr != nil:
				reason = "the signing key cannot be read: " + kerr.Error()
			case fresh:
				reason = "no valid fsc_csrf cookie"
			case got == "":
				reason = "no _csrf field or X-CSRF-Token header"
			case !hmac.Equal([]byte(got), []byte(csrfToken(key, seed))):
				reason = "the _csrf token does not match the cookie"
			}
			if reason != "" {
				slog.WarnContext(c.UserContext(), "csrf check failed", "reason", reason, "method", c.Method(),
					"path", c.Path(), "ip", c.IP())
				return apperr.Forbidden("the form has expired or did not come from this site; reload the page and try again")
			}
		}
		if kerr != nil {
			// A page can still be shown; its forms will be refused until the key is back.
			slog.WarnContext(c.UserContext(), "csrf signing key unavailable; forms on this page will be refused", "err", kerr)
		} else {
			c.Locals(csrfKey, csrfToken(key, seed))
		}
		c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: seed, Path: "/", HTTPOnly: true, SameSite: "Lax",
			Secure: cfg.SecureCookies || IsHTTPS(c), MaxAge: int(csrfMaxAge / time.Second)})
		return c.Next()
	}
}

// csrfToken is the form token of the cookie value seed.
func csrfToken(key []byte, seed string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("fsc-csrf\x00"))
	m.Write([]byte(seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions || m == fiber.MethodTrace
}

// IsHTTPS reports whether the request came over HTTPS, directly or through a proxy
// that says so in X-Forwarded-Proto (fiber's Protocol, which trusts only the proxies
// the app is configured to trust when it checks them).
func IsHTTPS(c *fiber.Ctx) bool { return c.Protocol() == "https" }
