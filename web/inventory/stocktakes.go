package inventory

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountStocktakes registers the stocktakes, counting and confirming.
func (h *Handlers) mountStocktakes(r ui.Router) {
	r.Get("/stocktakes", httpx.Staff, h.stocktakesPage)
	r.Post("/stocktakes", httpx.Logistics, h.stocktakeStartSubmit)
	r.Get("/stocktakes/:id", httpx.Staff, h.stocktakePage)
	r.Post("/stocktakes/:id/count", httpx.Logistics, h.stocktakeCountSubmit)
	r.Post("/stocktakes/:id/confirm", httpx.Logistics, h.stocktakeConfirmSubmit)
}

type stocktakesView struct {
	Locations  []inventory.Location
	LocationID string
	CanStart   bool
	Stocktakes []stocktakeRow
}

type stocktakeRow struct {
	inventory.Stocktake
	Location string
}

func (h *Handlers) stocktakesRender(c *fiber.Ctx, v stocktakesView, formErr error) error {
	ctx := c.UserContext()
	pr, _ := auth.From(ctx)
	lk, err := h.load(ctx)
	if err != nil {
		return err
	}
	v.Locations, v.CanStart = lk.Locations, pr.Role == auth.RoleLogistics
	sts, err := h.Inventory.ListStocktakes(ctx)
	if err != nil {
		return err
	}
	for _, st := range sts {
		v.Stocktakes = append(v.Stocktakes, stocktakeRow{Stocktake: st, Location: lk.locationLabel(&st.LocationID)})
	}
	return h.UI.RenderError(c, "inv_stocktakes", "inv.stocktakes.title", v, formErr)
}

func (h *Handlers) stocktakesPage(c *fiber.Ctx) error {
	if id := strings.TrimSpace(c.Query("id")); id != "" {
		// "Open stocktake no." box.
		if n, err := strconv.ParseInt(strings.TrimPrefix(id, "#"), 10, 64); err == nil && n > 0 {
			return c.Redirect(fmt.Sprintf("/stocktakes/%d", n), fiber.StatusSeeOther)
		}
	}
	return h.stocktakesRender(c, stocktakesView{}, nil)
}

func (h *Handlers) stocktakeStartSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	v := stocktakesView{LocationID: c.FormValue("location_id")}
	loc, _ := strconv.ParseInt(v.LocationID, 10, 64)
	st, err := h.Inventory.StartStocktake(c.UserContext(), loc)
	if err != nil {
		return h.stocktakesRender(c, v, localize(l, "inv_stocktakes", err, labelsFor(l, map[string]string{"location_id": "inv.stocktake.location"}, nil)))
	}
	ui.Flash(c, "inv.stocktake.started_flash")
	return c.Redirect(fmt.Sprintf("/stocktakes/%d", st.ID), fiber.StatusSeeOther)
}

type stocktakeView struct {
	Stocktake   *inventory.Stocktake
	Location    string
	Result      *inventory.StocktakeResult
	IsOpen      bool
	CanCount    bool
	CanConfirm  bool // something was counted, or nothing would be booked lost
	Serials     string
	Rows        int
	Consumables []countRow
	Reason      string
	Missing     int
	Differences int
}

type countRow struct {
	ProductID int64
	SKU, Name string
	Quantity  string
}

func (h *Handlers) stocktakeRender(c *fiber.Ctx, id int64, serials string, qty map[int64]string, reason string, formErr error) error {
	ctx := c.UserContext()
	pr, _ := auth.From(ctx)
	st, err := h.Inventory.GetStocktake(ctx, id)
	if err != nil {
		return err
	}
	lk, err := h.load(ctx)
	if err != nil {
		return err
	}
	v := stocktakeView{Stocktake: st, Location: lk.locationLabel(&st.LocationID), Result: st.Result,
		IsOpen: st.Status == inventory.StocktakeOpen, Serials: serials, Reason: reason}
	v.CanCount = v.IsOpen && pr.Role == auth.RoleLogistics
	v.Rows = min(max(6, strings.Count(serials, "\n")+2), 24)
	for _, p := range lk.Products {
		if p.Tracking == inventory.TrackQuantity {
			v.Consumables = append(v.Consumables, countRow{ProductID: p.ID, SKU: p.SKU, Name: p.Name, Quantity: qty[p.ID]})
		}
	}
	if r := st.Result; r != nil {
		v.Missing = len(r.Missing)
		v.Differences = len(r.Missing) + len(r.Unexpected) + len(r.Miscounted)
		v.CanConfirm = r.Counted || len(r.Missing) == 0
	}
	return h.UI.RenderError(c, "inv_stocktake", "inv.stocktake.title", v, formErr)
}

func (h *Handlers) stocktakePage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return h.stocktakeRender(c, id, "", nil, "", nil)
}

func (h *Handlers) stocktakeCountSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	text := c.FormValue("serials")
	serials, rows := textLines(text)
	in := inventory.StocktakeCount{Serials: serials}
	qty := map[int64]string{}
	var sentProducts []int64
	var fe apperr.Fields
	ps, err := h.Inventory.ListProducts(c.UserContext())
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Tracking != inventory.TrackQuantity {
			continue
		}
		raw := strings.TrimSpace(c.FormValue(fmt.Sprintf("qty_%d", p.ID)))
		if raw == "" {
			continue
		}
		qty[p.ID] = raw
		n, err := strconv.ParseInt(strings.ReplaceAll(raw, ".", ""), 10, 64)
		if err != nil {
			fe.Add(fmt.Sprintf("lines[%d].quantity", len(sentProducts)), apperr.Negative, "must not be negative")
		}
		in.Lines = append(in.Lines, inventory.StocktakeCountLine{ProductID: p.ID, Quantity: &n})
		sentProducts = append(sentProducts, p.ID)
	}
	byID := map[int64]inventory.Product{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	labels := labelsFor(l, map[string]string{"serials": "inv.stocktake.scan"}, func(field string) (string, bool) {
		name, i, _, _, ok := fieldIndex(field)
		switch {
		case ok && name == "serials" && i < len(rows):
			return l.T("inv.receipt.row", rows[i]), true
		case ok && name == "lines" && i < len(sentProducts):
			return l.T("inv.stocktake.count_of", byID[sentProducts[i]].SKU), true
		}
		return "", false
	})
	if err := fe.Err(); err != nil {
		return h.stocktakeRender(c, id, text, qty, "", localize(l, "inv_stocktake", err, labels))
	}
	if _, err := h.Inventory.RecordCount(c.UserContext(), id, in); err != nil {
		return h.stocktakeRender(c, id, text, qty, "", localize(l, "inv_stocktake", err, labels))
	}
	ui.Flash(c, "inv.stocktake.counted_flash")
	return c.Redirect(fmt.Sprintf("/stocktakes/%d", id), fiber.StatusSeeOther)
}

func (h *Handlers) stocktakeConfirmSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if _, err := h.Inventory.ConfirmStocktake(c.UserContext(), id, reason); err != nil {
		return h.stocktakeRender(c, id, "", nil, reason, localize(l, "inv_stocktake", err, labelsFor(l, map[string]string{"reason": "inv.stocktake.reason"}, nil)))
	}
	ui.Flash(c, "inv.stocktake.confirmed_flash")
	return c.Redirect(fmt.Sprintf("/stocktakes/%d", id), fiber.StatusSeeOther)
}
