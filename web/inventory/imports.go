package inventory

import (
	"fmt"
	"strconv"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"
)

// mountImports registers the file import form, an import's page and its errors.
func (h *Handlers) mountImports(r ui.Router) {
	r.Get("/imports/new", httpx.Logistics, h.importNewPage)
	r.Post("/imports/new", httpx.Logistics, h.importSubmit)
	r.Get("/imports/template.xlsx", httpx.Logistics, h.importTemplate)
	r.Get("/imports/:id", httpx.Staff, h.importPage)
	r.Get("/imports/:id/errors.xlsx", httpx.Staff, h.importErrorsXLSX)
}

type importForm struct {
	LocationID string
	Locations  []inventory.Location
	Filename   string
}

func (h *Handlers) importRender(c *fiber.Ctx, f importForm, formErr error) error {
	locs, err := h.Inventory.ListLocations(c.UserContext())
	if err != nil {
		return err
	}
	f.Locations = locs
	if f.LocationID == "" && len(locs) == 1 {
		f.LocationID = strconv.FormatInt(locs[0].ID, 10)
	}
	return h.UI.RenderError(c, "inv_import_form", "inv.import.title", f, formErr)
}

func (h *Handlers) importNewPage(c *fiber.Ctx) error {
	return h.importRender(c, importForm{LocationID: c.Query("location_id")}, nil)
}

func importLabels(l i18n.Lang) func(string) string {
	return labelsFor(l, map[string]string{"location_id": "inv.import.location", "file": "inv.import.file"},
		func(field string) (string, bool) {
			if name, n, col, _, ok := fieldIndex(field); ok && name == "rows" {
				return l.T("inv.import.row", n, l.T("inv.import.col."+col)), true
			}
			return "", false
		})
}

func (h *Handlers) importSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := importForm{LocationID: c.FormValue("location_id")}
	var fe apperr.Fields
	loc, _ := strconv.ParseInt(f.LocationID, 10, 64)
	if loc <= 0 {
		fe.Add("location_id", apperr.Required, "is required")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		fe.Add("file", apperr.Required, "is required")
	} else {
		f.Filename = fh.Filename
		if fh.Size > inventory.MaxImportBytes {
			fe.Add("file", apperr.TooLarge, "is larger than %d MB", inventory.MaxImportBytes>>20)
		}
	}
	if err := fe.Err(); err != nil {
		return h.importRender(c, f, localize(l, "inv_import", err, importLabels(l)))
	}
	data, err := readFormFile(fh)
	if err != nil {
		return h.importRender(c, f, localize(l, "inv_import", err, importLabels(l)))
	}
	imp, err := h.Inventory.StartImport(c.UserContext(), loc, fh.Filename, data)
	if imp != nil && imp.ID != 0 {
		// Done, failed with its row errors, or queued: the import's page says which.
		return c.Redirect(fmt.Sprintf("/imports/%d", imp.ID), fiber.StatusSeeOther)
	}
	if err != nil {
		return h.importRender(c, f, localize(l, "inv_import", err, importLabels(l)))
	}
	return apperr.Conflict("the import was not recorded")
}

type importView struct {
	Import   *inventory.Import
	Location string
	Errors   []apperr.FieldError // in the user's language
	Running  bool
}

func (h *Handlers) importPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	ctx := c.UserContext()
	imp, err := h.Inventory.GetImport(ctx, id)
	if err != nil {
		return err
	}
	lk, err := h.load(ctx)
	if err != nil {
		return err
	}
	v := importView{Import: imp, Location: lk.locationLabel(&imp.LocationID),
		Running: imp.Status == inventory.ImportQueued || imp.Status == inventory.ImportRunning}
	labels := importLabels(l)
	for _, fe := range imp.ErrorList {
		v.Errors = append(v.Errors, apperr.FieldError{Field: labels(fe.Field), Message: say(l, "inv_import", fe, labels)})
	}
	if v.Running {
		// The page follows a queued import by reloading itself; no script needed.
		c.Set("Refresh", "2")
	}
	return h.UI.Render(c, "inv_import", "inv.import.status_title", v)
}

// importTemplate answers an empty import file: the header row the import reads (sku,
// serial) and both columns formatted as text, so that Excel keeps a serial's leading
// zeros and does not turn it into a number or a date.
func (h *Handlers) importTemplate(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := excelize.NewFile()
	defer f.Close()
	sheet := l.T("inv.import.template_sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return err
	}
	for _, step := range []error{
		f.SetColStyle(sheet, "A:B", text),
		f.SetColWidth(sheet, "A", "B", 24),
		f.SetSheetRow(sheet, "A1", &[]any{"sku", "serial"}),
		f.SetCellStyle(sheet, "A1", "B1", bold),
		f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}),
	} {
		if step != nil {
			return step
		}
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="import-template.xlsx"`)
	return f.Write(c.Response().BodyWriter())
}
