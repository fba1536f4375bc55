package inventory

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// importAnswer is the answer of an import that ran at once: a receipt's answer (id is
// the receipt) without the serials, and the import that recorded it.
type importAnswer struct {
	ID             int64                  `json:"id"`
	DevicesCreated int                    `json:"devices_created"`
	Lines          []inventory.ImportLine `json:"lines"`
	ImportID       int64                  `json:"import_id"`
	Status         string                 `json:"status"`
}

// importQueued is the answer of an import left to the background.
type importQueued struct {
	ImportID  int64  `json:"import_id"`
	Status    string `json:"status"`
	RowsTotal int    `json:"rows_total"`
}

// mountImportsAPI registers the file imports of devices.
func (h *Handlers) mountImportsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/devices/import",
		Summary: "Receive devices from a .csv or .xlsx file (multipart: file with columns sku,serial; location_id): like a receipt, all or nothing, every bad row named rows[N].sku or rows[N].serial by its row in the file; 201 when done, 202 with import_id when queued (over 10000 rows). With columns sku,serial,member_code,citizen_ref,deployed_on the file is the opening balance (logistics or admin; location_id optional)",
		Roles:   []auth.Role{auth.RoleLogistics, auth.RoleAdmin}, Raw: true, Form: []string{"file", "location_id"}, Resp: importAnswer{}, Status: 201, Handler: h.apiImportDevices})
	api.Handle(httpx.Route{Method: "GET", Path: "/imports/:id", Summary: "An import's status, progress (rows_done of rows_total) and first errors",
		Roles: httpx.Staff, Resp: inventory.Import{}, Handler: h.apiGetImport})
	api.Handle(httpx.Route{Method: "GET", Path: "/imports/:id/errors.xlsx", Summary: "An import's row errors as a workbook (row, field, message)",
		Roles: httpx.Staff, Raw: true, Handler: h.importErrorsXLSX})
}

func (h *Handlers) apiImportDevices(c *fiber.Ctx) error {
	var fe apperr.Fields
	fh, err := c.FormFile("file")
	if err != nil {
		fe.Add("file", apperr.Required, "is required: send the .csv or .xlsx file as the multipart form field file")
	} else if fh.Size > inventory.MaxImportBytes {
		fe.Add("file", apperr.TooLarge, "is larger than %d MB", inventory.MaxImportBytes>>20)
	}
	// The service decides whether a location is needed (an opening balance needs none).
	var loc int64
	if v := strings.TrimSpace(c.FormValue("location_id")); v != "" {
		var perr error
		if loc, perr = strconv.ParseInt(v, 10, 64); perr != nil || loc <= 0 {
			fe.Add("location_id", apperr.NotPositive, "must be the id of a location (a positive whole number)")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	data, err := readFormFile(fh)
	if err != nil {
		return err
	}
	imp, err := h.Inventory.StartImport(c.UserContext(), loc, fh.Filename, data)
	if err != nil {
		return err
	}
	if imp.Status == inventory.ImportQueued {
		return c.Status(fiber.StatusAccepted).JSON(importQueued{ImportID: imp.ID, Status: imp.Status, RowsTotal: imp.RowsTotal})
	}
	a := importAnswer{ImportID: imp.ID, Status: imp.Status, Lines: []inventory.ImportLine{}}
	if r := imp.Result; r != nil {
		a.ID, a.DevicesCreated, a.Lines = r.ReceiptID, r.DevicesCreated, httpx.NonNil(r.Lines)
	}
	return httpx.Created(c, a)
}

// readFormFile reads an uploaded file, at most MaxImportBytes.
func readFormFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, inventory.MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(data) > inventory.MaxImportBytes {
		return nil, apperr.Invalid(apperr.Field("file", apperr.TooLarge, "is larger than %d MB", inventory.MaxImportBytes>>20))
	}
	return data, nil
}

func (h *Handlers) apiGetImport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	imp, err := h.Inventory.GetImport(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(imp)
}

// importErrorsXLSX answers an import's row errors as a workbook, to the API and to the
// import's page alike.
func (h *Handlers) importErrorsXLSX(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.Inventory.ImportErrorsXLSX(c.UserContext(), id, &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="import-%d-errors.xlsx"`, id))
	return c.Send(buf.Bytes())
}
