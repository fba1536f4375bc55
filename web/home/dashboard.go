package home

import (
	"context"
	"slices"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/notice"
	webcontracts "github.com/fsc/backoffice/web/contracts"
	"github.com/fsc/backoffice/web/ui"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/gofiber/fiber/v2"
)

type dashboardView struct {
	Reorder []inventory.StockLevel
	Notices []inventory.ReorderNotice
	// ContractNotices are the latest notices about contracts for the caller's role;
	// Deadlines the nearest notice deadlines (staff).
	ContractNotices []webcontracts.NoticeItem
	Deadlines       []deadline
	Name            string
	MemberName      string
	Members         int64
	Schemes         int64
	Users           int64
	Participations  int64
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
		v.Deadlines = h.deadlines(ctx)
	}
	v.ContractNotices = h.contractNotices(c)
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

// deadline is a contract's notice deadline as the dashboard shows it.
type deadline struct {
	ID            int64
	Number, Title string
	On            civil.Date
	Days          int
	Urgent        bool // under webcontracts.UrgentDays
}

// deadlines returns the five nearest notice deadlines or ends within the days ahead
// that notices come (FSC_CONTRACT_NOTICE_DAYS); nil when
// the contracts cannot be read (the dashboard shows without the panel then).
func (h *Handlers) deadlines(ctx context.Context) []deadline {
	days := h.Contracts.NoticeWindow()
	cs, _, err := h.Contracts.ListContracts(ctx, contracts.ContractFilter{Sort: contracts.SortByDeadline, ExpiringWithinDays: &days, Limit: 5})
	if err != nil {
		return nil
	}
	today := civil.Today()
	if h.Contracts.Today != nil {
		today = h.Contracts.Today()
	}
	out := make([]deadline, 0, len(cs))
	for _, c := range cs {
		d := deadline{ID: c.ID, Number: c.Number, Title: c.Title, On: c.NoticeDeadline, Days: c.NoticeDaysLeft(today)}
		if d.Days < 0 { // the deadline has passed: what is near is the end
			d.On, d.Days = c.EndsOn, c.EndDaysLeft(today)
		}
		d.Urgent = d.Days < webcontracts.UrgentDays
		out = append(out, d)
	}
	return out
}

// contractNotices returns the latest eight contract notices for the caller, newest
// first, in the caller's language; nil when they cannot be read.
func (h *Handlers) contractNotices(c *fiber.Ctx) []webcontracts.NoticeItem {
	var all []notice.Notice
	for _, code := range []notice.Code{contracts.NoticeDeadlineNear, contracts.NoticeEndNear} {
		ns, _, err := notice.List(c.UserContext(), notice.Filter{Code: code, Limit: 8})
		if err != nil {
			return nil
		}
		all = append(all, ns...)
	}
	slices.SortFunc(all, func(a, b notice.Notice) int { return int(b.ID - a.ID) })
	if len(all) > 8 {
		all = all[:8]
	}
	return webcontracts.NoticeItems(ui.Lang(c), all)
}
