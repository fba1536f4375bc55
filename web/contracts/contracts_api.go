package contracts

import (
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountContractsAPI registers the contract endpoints.
func (h *Handlers) mountContractsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/contracts", Summary: "Register a contract with its extension options and SLA terms; ends_on before starts_on is 422, a number in use 409",
		Roles: contractWriters, Body: contracts.NewContract{}, Resp: contracts.ContractDetail{}, Status: 201, Handler: h.apiCreateContract})
	api.Handle(httpx.Route{Method: "GET", Path: "/contracts", Summary: "List contracts (staff all, a vendor user its vendor's, a member user those it participates in); expiring_within_days=N keeps those whose end or notice deadline falls within N days from today; sort=deadline orders by notice deadline",
		Query: []string{"vendor_id", "scheme_id", "status", "expiring_within_days", "q", "sort", "limit", "cursor"},
		Roles: contractReaders, Resp: httpx.List[contracts.Contract]{}, Handler: h.apiListContracts})
	api.Handle(httpx.Route{Method: "GET", Path: "/contracts/:id", Summary: "One contract with its extension options, prices, participants and documents",
		Roles: contractReaders, Resp: contracts.ContractDetail{}, Handler: h.apiGetContract})
	api.Handle(httpx.Route{Method: "PATCH", Path: "/contracts/:id", Summary: "Change a contract's title, tender reference, notice period or SLA terms",
		Roles: contractWriters, Body: contracts.ContractPatch{}, Resp: contracts.ContractDetail{}, Handler: h.apiUpdateContract})
	api.Handle(httpx.Route{Method: "POST", Path: "/contracts/:id/extend", Summary: "Use the next unused extension option: ends_on moves by its months, notice_deadline follows; none left is 409",
		Roles: contractWriters, Resp: contracts.ContractDetail{}, Handler: h.apiExtendContract})
	api.Handle(httpx.Route{Method: "POST", Path: "/contracts/:id/prices", Summary: "Add a dated price (purchase, monthly or event fee); the same product/kind/event/valid_from twice is 409",
		Roles: contractWriters, Body: contracts.NewPrice{}, Resp: contracts.Price{}, Status: 201, Handler: h.apiAddPrice})
	api.Handle(httpx.Route{Method: "POST", Path: "/contracts/:id/participants", Summary: "A member joins the contract for a period; overlapping periods of one member are 422",
		Roles: contractWriters, Body: contracts.NewParticipation{}, Resp: contracts.ContractParticipant{}, Status: 201, Handler: h.apiAddParticipant})
	api.Handle(httpx.Route{Method: "POST", Path: "/contracts/:id/documents", Summary: "Attach a PDF (multipart: file), at most the configured size",
		Roles: contractWriters, Raw: true, Form: []string{"file"}, Resp: contracts.Document{}, Status: 201, Handler: h.apiAddDocument})
	api.Handle(httpx.Route{Method: "GET", Path: "/contracts/:id/documents/:doc", Summary: "Download a document (application/pdf)",
		Roles: contractReaders, Raw: true, Handler: h.apiGetDocument})
	api.Handle(httpx.Route{Method: "DELETE", Path: "/contracts/:id/documents/:doc", Summary: "Remove a document",
		Roles: contractWriters, Status: 204, Handler: h.apiDeleteDocument})
}

func (h *Handlers) apiCreateContract(c *fiber.Ctx) error {
	var in contracts.NewContract
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	k, err := h.Contracts.CreateContract(ctx, in)
	if err != nil {
		return err
	}
	d, err := h.Contracts.GetContract(ctx, k.ID)
	if err != nil {
		return err
	}
	return httpx.Created(c, d)
}

// contractFilter reads the list's filters of the request's query, every bad one named.
func contractFilter(c *fiber.Ctx) (contracts.ContractFilter, error) {
	var fe apperr.Fields
	f := contracts.ContractFilter{
		VendorID: httpx.Int64Query(c, "vendor_id", &fe),
		SchemeID: httpx.Int64Query(c, "scheme_id", &fe),
		Status:   contracts.Status(c.Query("status")),
		Query:    c.Query("q"),
		Sort:     contracts.ContractSort(c.Query("sort")),
	}
	if s := c.Query("expiring_within_days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > contracts.MaxExpiringDays {
			fe.Add("expiring_within_days", apperr.OutOfRange, "must be a whole number from %d to %d", 0, contracts.MaxExpiringDays)
		} else {
			f.ExpiringWithinDays = &n
		}
	}
	if len(f.Query) > 200 {
		fe.Add("q", apperr.TooLong, "must be at most %d characters", 200)
	}
	if f.Status != "" && !slices.Contains(contracts.Statuses, f.Status) {
		fe.Add("status", apperr.OneOf, "must be one of %s", "upcoming, active, expired")
	}
	if f.Sort != contracts.SortByID && f.Sort != contracts.SortByDeadline {
		fe.Add("sort", apperr.OneOf, "must be one of %s", "deadline")
	}
	return f, fe.Err()
}

func (h *Handlers) apiListContracts(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	f, err := contractFilter(c)
	if err != nil {
		return err
	}
	f.After, f.Limit = p.After, p.Limit
	cs, next, err := h.Contracts.ListContracts(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(cs, next))
}

func (h *Handlers) apiGetContract(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.Contracts.GetContract(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (h *Handlers) apiUpdateContract(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in contracts.ContractPatch
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := h.Contracts.UpdateContract(ctx, id, in); err != nil {
		return err
	}
	d, err := h.Contracts.GetContract(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (h *Handlers) apiExtendContract(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := h.Contracts.Extend(ctx, id); err != nil {
		return err
	}
	d, err := h.Contracts.GetContract(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (h *Handlers) apiAddPrice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in contracts.NewPrice
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	p, err := h.Contracts.AddPrice(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return httpx.Created(c, p)
}

func (h *Handlers) apiAddParticipant(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in contracts.NewParticipation
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	p, err := h.Contracts.AddParticipant(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return httpx.Created(c, p)
}

func (h *Handlers) apiAddDocument(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.addDocument(c, id)
	if err != nil {
		return err
	}
	return httpx.Created(c, d)
}

// addDocument stores the multipart field "file" as a document of contract id; the
// service reads at most its size limit.
func (h *Handlers) addDocument(c *fiber.Ctx, id int64) (*contracts.Document, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, apperr.Invalid(apperr.Field("file", apperr.Required, "is required: send the PDF as the multipart form field file"))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, apperr.Malformed(err, "could not read the uploaded file")
	}
	defer f.Close()
	return h.Contracts.AddDocument(c.UserContext(), id, strings.Clone(fh.Filename), f)
}

func (h *Handlers) apiGetDocument(c *fiber.Ctx) error {
	return h.sendDocument(c)
}

// sendDocument answers document :doc of contract :id as a PDF download.
func (h *Handlers) sendDocument(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	docID, err := httpx.PathID(c, "doc")
	if err != nil {
		return err
	}
	d, err := h.Contracts.GetDocument(c.UserContext(), id, docID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename}))
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(d.Content)
}

func (h *Handlers) apiDeleteDocument(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	docID, err := httpx.PathID(c, "doc")
	if err != nil {
		return err
	}
	if err := h.Contracts.DeleteDocument(c.UserContext(), id, docID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
