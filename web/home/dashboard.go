package home

import (
	"context"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/gofiber/fiber/v2"
)

type dashboardView struct {
	Reorder        []inventory.StockLevel
	Notices        []inventory.ReorderNotice
	Name           string
	MemberName     string
	Members        int64
	Schemes        int64
	Users          int64
	Participations int64
}

func (h *Handlers) dashboardPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	v := dashboardView{Name: p.Name}
	if p.UserID != 0 {
		if u, err := h.Auth.Me(ctx); err == nil {
			v.Name = u.Name
		}
	}
	if p.MemberID != nil {
		if m, err := h.Contracts.GetMember(ctx, *p.MemberID); err == nil {
			v.MemberName = m.Name
		}
	}
	if p.IsStaff() {
		n, err := h.Contracts.Count(ctx)
		if err != nil {
			return err
		}
		v.Members, v.Schemes, v.Participations = n.Members, n.Schemes, n.ActiveParticipations
		if v.Users, err = h.Auth.CountUsers(ctx); err != nil {
			return err
		}
		v.Reorder = h.reorderWarnings(ctx)
		v.Notices, _ = h.Inventory.ReorderNotices(ctx, 5)
	}
	return h.UI.Render(c, "dashboard", "nav.dashboard", v)
}

// reorderWarnings returns the products whose available stock, across all locations, is
// under their reorder level, for the dashboard of centre staff; nil for anyone else
// and when the stock cannot be read (the dashboard shows without the panel then).
func (h *Handlers) reorderWarnings(ctx context.Context) []inventory.StockLevel {
	if p, ok := auth.From(ctx); !ok || !p.IsStaff() {
		return nil
	}
	levels, err := h.Inventory.Stock(ctx, 0)
	if err != nil {
		return nil
	}
	var out []inventory.StockLevel
	for _, x := range levels {
		if x.BelowReorder {
			out = append(out, x)
		}
	}
	return out
}
