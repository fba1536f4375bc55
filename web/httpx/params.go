package httpx

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/gofiber/fiber/v2"
)

// PathID reads the positive integer path parameter name; anything else is a 404, since
// no object has that id.
func PathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound("no %s %q", name, c.Params(name))
	}
	return id, nil
}

// Page holds the list parameters of a request: limit (default 50, at most 500) and the
// opaque cursor, which encodes the last id seen.
type Page struct {
	Limit int
	After int64 // the id the cursor names; 0 on the first page
}

// PageParams reads ?limit= and ?cursor=; a bad value is a 422 naming the parameter.
func PageParams(c *fiber.Ctx) (Page, error) {
	p := Page{Limit: 50}
	var fe apperr.Fields
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 1:
			fe.Add("limit", apperr.OutOfRange, "must be a whole number from %d to %d", 1, 500)
		case n > 500:
			p.Limit = 500
		default:
			p.Limit = n
		}
	}
	if s := c.Query("cursor"); s != "" {
		id, err := DecodeCursor(s)
		if err != nil {
			fe.Add("cursor", apperr.BadFormat, "is not a cursor this server gave out")
		}
		p.After = id
	}
	return p, fe.Err()
}

// EncodeCursor returns the cursor of the page after id; "" for 0, the last page.
func EncodeCursor(id int64) string {
	if id == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

// DecodeCursor returns the id of a cursor from EncodeCursor; an Invalid error for
// anything else.
func DecodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "id:") {
		return 0, apperr.Invalid()
	}
	id, err := strconv.ParseInt(string(b[3:]), 10, 64)
	if err != nil || id < 0 {
		return 0, apperr.Invalid()
	}
	return id, nil
}

// Int64Query reads an optional positive integer filter; 0 when absent. A bad value is
// added to fe.
func Int64Query(c *fiber.Ctx, name string, fe *apperr.Fields) int64 {
	s := c.Query(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fe.Add(name, apperr.NotPositive, "must be a positive whole number")
		return 0
	}
	return n
}

// Query returns the request's query string, encoded, with key set to value (or
// removed, when value is ""), and without the keys drop.
func Query(c *fiber.Ctx, key, value string, drop ...string) string {
	v := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, val []byte) {
		if string(k) != key && len(val) > 0 && !slices.Contains(drop, string(k)) {
			v.Add(string(k), string(val))
		}
	})
	if value != "" {
		v.Set(key, value)
	}
	return v.Encode()
}

// List is the answer of every list endpoint.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// ListOf answers items and the cursor of the page after next (0: none).
func ListOf[T any](items []T, next int64) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, NextCursor: EncodeCursor(next)}
}

// Created answers 201 with v as JSON.
func Created(c *fiber.Ctx, v any) error { return c.Status(fiber.StatusCreated).JSON(v) }

// BoolQuery reads an optional true/false (or 1/0) query parameter; anything else adds a
// bad_format error naming it to fe.
func BoolQuery(c *fiber.Ctx, name string, fe *apperr.Fields) bool {
	switch c.Query(name) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	fe.Add(name, apperr.BadFormat, "must be true or false")
	return false
}
