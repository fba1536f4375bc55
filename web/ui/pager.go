package ui

import (
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// Pager links a list page to the next page and, past the first, back to the first. The
// "pager" partial shows it: {{template "pager" (pager $ .Data.Pager)}}.
type Pager struct {
	First  string // the first page, "" on the first page
	Next   string // the next page, "" on the last page
	Export string // the Excel download of the whole list, if the page offers it there
}

// PagerFor returns the links of the list page of c: p is the page it shows, next the
// id the list returned for the page after it (0: this is the last page). The links
// keep the request's other query parameters (its filters).
func PagerFor(c *fiber.Ctx, p httpx.Page, next int64) Pager {
	var pg Pager
	if next != 0 {
		pg.Next = "?" + httpx.Query(c, "cursor", httpx.EncodeCursor(next))
	}
	if p.After != 0 {
		pg.First = c.Path()
		if q := httpx.Query(c, "cursor", ""); q != "" {
			pg.First += "?" + q
		}
	}
	return pg
}

type pagerArg struct {
	View  View
	Pager Pager
}
