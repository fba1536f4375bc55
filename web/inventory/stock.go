package inventory

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountStock registers the stock levels and their download.
func (h *Handlers) mountStock(r ui.Router) {
	r.Get("/stock", httpx.Staff, h.stockPage)
	r.Get("/stock.xlsx", httpx.Staff, h.stockExport)
}

type stockView struct {
	Items     []inventory.StockLevel
	Locations []inventory.Location
	Location  string
	Below     int
	ValueOre  int64 // of everything listed
	Export    string
}

func (h *Handlers) stockPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var fe apperr.Fields
	loc := httpx.Int64Query(c, "location_id", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	levels, err := h.Inventory.Stock(ctx, loc)
	if err != nil {
		return err
	}
	locs, err := h.Inventory.ListLocations(ctx)
	if err != nil {
		return err
	}
	v := stockView{Items: levels, Locations: locs, Location: c.Query("location_id"), Export: "/stock.xlsx?" + httpx.Query(c, "", "")}
	for _, x := range levels {
		if x.BelowReorder {
			v.Below++
		}
		v.ValueOre += x.ValueOre
	}
	return h.UI.Render(c, "inv_stock", "inv.stock.title", v)
}

func (h *Handlers) stockExport(c *fiber.Ctx) error {
	l := ui.Lang(c)
	var fe apperr.Fields
	loc := httpx.Int64Query(c, "location_id", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	levels, err := h.Inventory.Stock(c.UserContext(), loc)
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(levels))
	for _, x := range levels {
		rows = append(rows, []any{x.SKU, x.Name, l.T("inv.tracking." + x.Tracking), x.OnHand, x.Reserved, x.Available, x.Deployed, x.ReorderLevel, x.BelowReorder, float64(x.ValueOre) / 100})
	}
	header := []string{l.T("inv.stock.sku"), l.T("inv.stock.name"), l.T("inv.stock.tracking"), l.T("inv.stock.on_hand"), l.T("inv.stock.reserved"),
		l.T("inv.stock.available"), l.T("inv.stock.deployed"), l.T("inv.stock.reorder"), l.T("inv.stock.below"), l.T("inv.stock.value")}
	return httpx.SendXLSX(c, "stock.xlsx", l.T("inv.stock.title"), header, rows)
}
