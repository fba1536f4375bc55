package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// knownMethods answers 405 problem+json, with Allow, to a request whose method fiber
// does not know ("GETT", "BREW"): fiber itself answers those 400 text/plain before any
// middleware or the error handler sees them.
func knownMethods(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	known := map[string]bool{}
	for _, m := range fiber.DefaultMethods {
		known[m] = true
	}
	return func(ctx *fasthttp.RequestCtx) {
		m := string(ctx.Method())
		if known[m] {
			next(ctx)
			return
		}
		body, _ := json.Marshal(httpx.Problem{Type: "https://fsc.example/problems/method-not-allowed", Title: "Method not allowed",
			Status: fiber.StatusMethodNotAllowed, Detail: "unknown method " + strconv.Quote(m)})
		ctx.Response.Header.Set(fiber.HeaderAllow, strings.Join(fiber.DefaultMethods, ", "))
		ctx.Response.Header.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		ctx.SetContentType(httpx.ProblemType)
		ctx.SetStatusCode(fiber.StatusMethodNotAllowed)
		ctx.SetBody(body)
	}
}

// contentSecurityPolicy is the CSP of every page. Scripts and styles stay on this
// site; inline ones are still allowed because two pages have an inline script or
// handler. No page may be framed (frame-ancestors, and X-Frame-Options for old
// browsers), forms post only here, and no <base> or plugin can change that.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// secureAnswers sets the security headers of every answer and keeps every redirect on
// this site: whatever a handler put in Location goes through httpx.SafeNext, so no
// handler can send a browser elsewhere or split the response with a CR or LF.
func secureAnswers(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderReferrerPolicy, "same-origin")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	if !strings.HasPrefix(c.Path(), httpx.Base+"/") {
		h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	}
	err := c.Next()
	if loc := h.Peek(fiber.HeaderLocation); len(loc) > 0 {
		if safe := httpx.SafeNext(string(loc)); safe != string(loc) {
			h.Set(fiber.HeaderLocation, safe)
		}
	}
	return err
}

// knownMethod returns m if it is a method fiber routes, "other" else: a metric label
// from a fixed set.
func knownMethod(m string) string {
	for _, k := range fiber.DefaultMethods {
		if m == k {
			return k // the constant, not the request's buffer
		}
	}
	return "other"
}
