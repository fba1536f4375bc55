// Package ui is the shared plumbing of the server-rendered pages: the Renderer (each
// web domain's templates on the shared layout and partials), the navigation that the
// domains contribute to, the page Router (session cookie, CSRF, a role check on every
// page), flash messages, form errors said in the user's language, template functions
// and the static files.
//
// A web domain package embeds its templates/*.html (one page per file, each defining
// "content") and hands them to NewRenderer; its handlers render with
// Renderer.Render, RenderStatus or RenderError. Template names are global: NewRenderer
// refuses two pages of one name.
package ui

import (
	"time"

	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/gofiber/fiber/v2"
)

// The cookies of the pages.
const (
	SessionCookie = "fsc_session" // the session token of a logged-in user
	LangCookie    = "fsc_lang"    // "da" or "en"
	flashCookie   = "fsc_flash"   // a message key shown once, on the next page
	csrfKey       = "csrf"        // the Locals key of the CSRF token
)

// Lang returns the language of the request: its language cookie, Danish by default.
func Lang(c *fiber.Ctx) i18n.Lang { return i18n.For(c.Cookies(LangCookie)) }

// CSRF returns the request's CSRF token, for a form or script that the layout does not
// write (the job dashboard's).
func CSRF(c *fiber.Ctx) string {
	tok, _ := c.Locals(csrfKey).(string)
	return tok
}

// Flash sets a one-time message, a message key, shown on the next page.
func Flash(c *fiber.Ctx, key string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: key, Path: "/", HTTPOnly: true, SameSite: "Lax", MaxAge: 60})
}

// SetSession gives the browser the session token until expires. The cookie is for
// HTTPS only when the request came over HTTPS (IsHTTPS) or secure says so.
func SetSession(c *fiber.Ctx, token string, expires time.Time, secure bool) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: secure || IsHTTPS(c),
		SameSite: "Lax", Expires: expires})
}

// Session returns the request's session token, "" if none.
func Session(c *fiber.Ctx) string { return c.Cookies(SessionCookie) }

// ClearSession removes the session cookie.
func ClearSession(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true, Expires: time.Unix(0, 0)})
}

// SafeNext keeps a redirect target on this site: anything but a local path is "/"
// (httpx.SafeNext, the one decision).
func SafeNext(next string) string { return httpx.SafeNext(next) }
