package inventory

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/gofiber/fiber/v2"
)

// option is one choice of a select, with its label in the user's language.
type option struct {
	Value, Label string
	Selected     bool
}

func stateOptions(l i18n.Lang, chosen string) []option {
	out := make([]option, 0, len(inventory.States))
	for _, st := range inventory.States {
		out = append(out, option{Value: string(st), Label: l.T("inv.state." + string(st)), Selected: string(st) == chosen})
	}
	return out
}

// lookups are the names the inventory pages show beside ids.
type lookups struct {
	Products  []inventory.Product
	Locations []inventory.Location
	Members   []contracts.Member
	staff     bool // the locations are known to staff only
	product   map[int64]inventory.Product
	location  map[int64]inventory.Location
	member    map[int64]contracts.Member
}

// load reads the catalogue, and for staff the locations and every member; a member
// user gets its own member only.
func (h *Handlers) load(ctx context.Context) (*lookups, error) {
	p, _ := auth.From(ctx)
	lk := &lookups{product: map[int64]inventory.Product{}, location: map[int64]inventory.Location{}, member: map[int64]contracts.Member{}}
	var err error
	if lk.Products, err = h.Inventory.ListProducts(ctx); err != nil {
		return nil, err
	}
	for _, pr := range lk.Products {
		lk.product[pr.ID] = pr
	}
	if lk.staff = p.IsStaff(); lk.staff {
		if lk.Locations, err = h.Inventory.ListLocations(ctx); err != nil {
			return nil, err
		}
		if lk.Members, err = httpx.All(func(after int64) ([]contracts.Member, int64, error) {
			return h.Contracts.ListMembers(ctx, contracts.MemberFilter{After: after, Limit: 500})
		}); err != nil {
			return nil, err
		}
		slices.SortFunc(lk.Members, func(a, b contracts.Member) int { return strings.Compare(a.Name, b.Name) })
	} else if p.MemberID != nil {
		if m, err := h.Contracts.GetMember(ctx, *p.MemberID); err == nil {
			lk.Members = []contracts.Member{*m}
		}
	}
	for _, l := range lk.Locations {
		lk.location[l.ID] = l
	}
	for _, m := range lk.Members {
		lk.member[m.ID] = m
	}
	return lk, nil
}

func (lk *lookups) productName(id int64) string {
	if p, ok := lk.product[id]; ok {
		return p.Name
	}
	return fmt.Sprintf("#%d", id)
}

func (lk *lookups) locationLabel(id *int64) string {
	if id == nil || !lk.staff {
		return ""
	}
	if l, ok := lk.location[*id]; ok {
		return l.Code + " – " + l.Name
	}
	return fmt.Sprintf("#%d", *id)
}

func (lk *lookups) locationCode(id *int64) string {
	if id == nil || !lk.staff {
		return ""
	}
	if l, ok := lk.location[*id]; ok {
		return l.Code
	}
	return fmt.Sprintf("#%d", *id)
}

func (lk *lookups) memberName(id *int64) string {
	if id == nil {
		return ""
	}
	if m, ok := lk.member[*id]; ok {
		return m.Name
	}
	return fmt.Sprintf("#%d", *id)
}

// serialProducts are the products counted one by one.
func (lk *lookups) serialProducts() []inventory.Product {
	var out []inventory.Product
	for _, p := range lk.Products {
		if p.Tracking == inventory.TrackSerial {
			out = append(out, p)
		}
	}
	return out
}

// query is the request's query without the keys drop, encoded.
func query(c *fiber.Ctx, drop ...string) string {
	v := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, val []byte) {
		if !slices.Contains(drop, string(k)) && len(val) > 0 {
			v.Add(string(k), string(val))
		}
	})
	return v.Encode()
}

// textLines splits a textarea into its non-blank lines, trimmed, and the 1-based row of
// the textarea each came from, so that an error about the nth serial names the row the
// user sees.
func textLines(text string) (lines []string, rows []int) {
	for i, ln := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			lines = append(lines, ln)
			rows = append(rows, i+1)
		}
	}
	return lines, rows
}
