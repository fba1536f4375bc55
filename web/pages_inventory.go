package web

// The inventory pages: device search and list, a device's history and manual moves,
// stock levels, receiving, file imports, kits, stocktaking and recalls. Every rule is
// the inventory service's; these handlers read forms, call it, and say its answers in
// the user's language.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

func (s *Server) mountInventoryPages(r ui.Router) {
	r.Get("/devices", httpx.AnyUser, s.invDevicesPage)
	r.Get("/devices.xlsx", httpx.AnyUser, s.invDevicesExport)
	r.Get("/devices/:id", httpx.AnyUser, s.invDevicePage)
	r.Post("/devices/:id/transition", httpx.Logistics, s.invTransitionSubmit)
	r.Post("/devices/:id/transfer", httpx.Logistics, s.invTransferSubmit)

	r.Get("/stock", httpx.Staff, s.invStockPage)
	r.Get("/stock.xlsx", httpx.Staff, s.invStockExport)

	r.Get("/receipts/new", httpx.Logistics, s.invReceiptNewPage)
	r.Post("/receipts/new", httpx.Logistics, s.invReceiptSubmit)

	r.Get("/imports/new", httpx.Logistics, s.invImportNewPage)
	r.Post("/imports/new", httpx.Logistics, s.invImportSubmit)
	r.Get("/imports/:id", httpx.Staff, s.invImportPage)
	r.Get("/imports/:id/errors.xlsx", httpx.Staff, s.invImportErrorsExport)

	r.Get("/kits", httpx.AnyUser, s.invKitsPage)
	r.Get("/kits/new", adminsLogistics, s.invKitNewPage)
	r.Post("/kits/new", adminsLogistics, s.invKitCreateSubmit)
	r.Get("/kits/:id/edit", adminsLogistics, s.invKitEditPage)
	r.Post("/kits/:id/edit", adminsLogistics, s.invKitEditSubmit)

	r.Get("/stocktakes", httpx.Staff, s.invStocktakesPage)
	r.Post("/stocktakes", httpx.Logistics, s.invStocktakeStartSubmit)
	r.Get("/stocktakes/:id", httpx.Staff, s.invStocktakePage)
	r.Post("/stocktakes/:id/count", httpx.Logistics, s.invStocktakeCountSubmit)
	r.Post("/stocktakes/:id/confirm", httpx.Logistics, s.invStocktakeConfirmSubmit)

	r.Get("/recalls", httpx.Staff, s.invRecallsPage)
	r.Post("/recalls", adminsLogistics, s.invRecallCreateSubmit)
	r.Get("/recalls/:id", httpx.Staff, s.invRecallPage)
	r.Get("/recalls/:id/devices.xlsx", httpx.Staff, s.invRecallExport)
}

// ---- shared pieces ----

// invOption is one choice of a select, with its label in the user's language.
type invOption struct {
	Value, Label string
	Selected     bool
}

func invStateOptions(l i18n.Lang, chosen string) []invOption {
	out := make([]invOption, 0, len(inventory.States))
	for _, st := range inventory.States {
		out = append(out, invOption{Value: string(st), Label: l.T("inv.state." + string(st)), Selected: string(st) == chosen})
	}
	return out
}

// invLookups are the names the inventory pages show beside ids.
type invLookups struct {
	Products  []inventory.Product
	Locations []inventory.Location
	Members   []contracts.Member
	staff     bool // the locations are known to staff only
	product   map[int64]inventory.Product
	location  map[int64]inventory.Location
	member    map[int64]contracts.Member
}

// invLoad reads the catalogue, and for staff the locations and every member; a member
// user gets its own member only.
func (s *Server) invLoad(ctx context.Context) (*invLookups, error) {
	p, _ := auth.From(ctx)
	lk := &invLookups{product: map[int64]inventory.Product{}, location: map[int64]inventory.Location{}, member: map[int64]contracts.Member{}}
	var err error
	if lk.Products, err = s.Inventory.ListProducts(ctx); err != nil {
		return nil, err
	}
	for _, pr := range lk.Products {
		lk.product[pr.ID] = pr
	}
	if lk.staff = p.IsStaff(); lk.staff {
		if lk.Locations, err = s.Inventory.ListLocations(ctx); err != nil {
			return nil, err
		}
		f := contracts.MemberFilter{Limit: 500}
		for {
			ms, next, err := s.Contracts.ListMembers(ctx, f)
			if err != nil {
				return nil, err
			}
			lk.Members = append(lk.Members, ms...)
			if next == 0 {
				break
			}
			f.After = next
		}
		slices.SortFunc(lk.Members, func(a, b contracts.Member) int { return strings.Compare(a.Name, b.Name) })
	} else if p.MemberID != nil {
		if m, err := s.Contracts.GetMember(ctx, *p.MemberID); err == nil {
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

func (lk *invLookups) productName(id int64) string {
	if p, ok := lk.product[id]; ok {
		return p.Name
	}
	return fmt.Sprintf("#%d", id)
}

func (lk *invLookups) locationLabel(id *int64) string {
	if id == nil || !lk.staff {
		return ""
	}
	if l, ok := lk.location[*id]; ok {
		return l.Code + " – " + l.Name
	}
	return fmt.Sprintf("#%d", *id)
}

func (lk *invLookups) locationCode(id *int64) string {
	if id == nil || !lk.staff {
		return ""
	}
	if l, ok := lk.location[*id]; ok {
		return l.Code
	}
	return fmt.Sprintf("#%d", *id)
}

func (lk *invLookups) memberName(id *int64) string {
	if id == nil {
		return ""
	}
	if m, ok := lk.member[*id]; ok {
		return m.Name
	}
	return fmt.Sprintf("#%d", *id)
}

// serialProducts are the products counted one by one.
func (lk *invLookups) serialProducts() []inventory.Product {
	var out []inventory.Product
	for _, p := range lk.Products {
		if p.Tracking == inventory.TrackSerial {
			out = append(out, p)
		}
	}
	return out
}

// invQuery is the request's query without the keys drop, encoded.
func invQuery(c *fiber.Ctx, drop ...string) string {
	v := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, val []byte) {
		if !slices.Contains(drop, string(k)) && len(val) > 0 {
			v.Add(string(k), string(val))
		}
	})
	return v.Encode()
}

// invLines splits a textarea into its non-blank lines, trimmed, and the 1-based row of
// the textarea each came from, so that an error about the nth serial names the row the
// user sees.
func invLines(text string) (lines []string, rows []int) {
	for i, ln := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			lines = append(lines, ln)
			rows = append(rows, i+1)
		}
	}
	return lines, rows
}

// ---- saying the service's errors in the user's language ----

// invMessages turn the inventory service's English messages into message keys; the
// submatches are the arguments. A reference to another field inside a message
// ("also lines[0].serials[1]") is shown with the page's label of that field.
var invMessages = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^is required$`), "inv.msg.required"},
	{regexp.MustCompile(`^is empty$`), "inv.msg.empty"},
	{regexp.MustCompile(`^serial (.+) already exists$`), "inv.msg.exists"},
	{regexp.MustCompile(`^serial (.+) appears twice in this (?:receipt|file) \(also (.+)\)$`), "inv.msg.twice"},
	{regexp.MustCompile(`^serial "(.*)" is malformed`), "inv.msg.malformed"},
	{regexp.MustCompile(`^at least one serial is required for product (.+)$`), "inv.msg.need_serials"},
	{regexp.MustCompile(`^product (.+) is counted by quantity; send quantity`), "inv.msg.by_quantity"},
	{regexp.MustCompile(`^product (.+) is tracked by serial`), "inv.msg.by_serial"},
	{regexp.MustCompile(`^product (.+) is counted by quantity; only serialised`), "inv.msg.recall_quantity"},
	{regexp.MustCompile(`^must be a positive whole number$`), "inv.msg.positive"},
	{regexp.MustCompile(`^must be at least (\d+)$`), "inv.msg.at_least"},
	{regexp.MustCompile(`^must be at most (\d+)(?: characters)?$`), "inv.msg.at_most"},
	{regexp.MustCompile(`^must not be negative$`), "inv.msg.not_negative"},
	{regexp.MustCompile(`^no (?:product|location|member|scheme) with id \d+$`), "inv.msg.unknown"},
	{regexp.MustCompile(`^no device of (.+) has serial (.+)$`), "inv.msg.no_such_serial"},
	{regexp.MustCompile(`^device (.+) is already recalled \(recall (\d+)\)$`), "inv.msg.already_recalled_no"},
	{regexp.MustCompile(`^device (.+) is already recalled$`), "inv.msg.already_recalled"},
	{regexp.MustCompile(`^give either a list of serials or serial_from and serial_to, not both$`), "inv.msg.list_or_range"},
	{regexp.MustCompile(`^give a list of serials or serial_from and serial_to$`), "inv.msg.list_or_range_missing"},
	{regexp.MustCompile(`^is required with serial_(?:from|to)$`), "inv.msg.range_both"},
	{regexp.MustCompile(`^must not come before serial_from$`), "inv.msg.range_order"},
	{regexp.MustCompile(`^no device of (.+) has a serial from (.+) to (.+)$`), "inv.msg.range_none"},
	{regexp.MustCompile(`^all (\d+) devices of (.+) from (.+) to (.+) are already recalled$`), "inv.msg.range_recalled"},
	{regexp.MustCompile(`^product \d+ is already (components\[\d+\])`), "inv.msg.component_twice"},
	{regexp.MustCompile(`^product (.+) is already (lines\[\d+\])$`), "inv.msg.count_twice"},
	{regexp.MustCompile(`^at least one component is required$`), "inv.msg.need_component"},
	{regexp.MustCompile(`^kit code "(.+)" is already in use$`), "inv.msg.kit_code_taken"},
	{regexp.MustCompile(`^send scanned serials, counted lines, or both$`), "inv.msg.count_empty"},
	{regexp.MustCompile(`^looks like a CPR number`), "inv.msg.cpr"},
	{regexp.MustCompile(`^a serial was added by someone else meanwhile`), "inv.msg.race"},
	{regexp.MustCompile(`^a stocktake of location \d+ is already open`), "inv.msg.stocktake_open"},
	{regexp.MustCompile(`^stocktake \d+ is (?:already )?confirmed`), "inv.msg.stocktake_confirmed"},
	{regexp.MustCompile(`^device (.+) changed (?:state )?meanwhile`), "inv.msg.changed"},
	{regexp.MustCompile(`^only a deployed device can be transferred`), "inv.msg.transfer_deployed"},
	{regexp.MustCompile(`^device (.+) is already with that member and citizen$`), "inv.msg.transfer_same"},
	{regexp.MustCompile(`^the code of a kit does not change`), "inv.msg.kit_code_fixed"},
	{regexp.MustCompile(`^the scheme of a kit does not change`), "inv.msg.kit_scheme_fixed"},
	{regexp.MustCompile(`^is larger than (\d+) MB$`), "inv.msg.too_large"},
	{regexp.MustCompile(`^no product with SKU "(.*)"$`), "inv.msg.no_sku"},
	{regexp.MustCompile(`^product (.+) is counted by quantity; record it on a receipt`), "inv.msg.import_quantity"},
	{regexp.MustCompile(`^must be a \.csv or \.xlsx file`), "inv.msg.file_kind"},
	{regexp.MustCompile(`^row (\d+) must be the header naming the columns sku and serial; it has (.*)$`), "inv.msg.file_header"},
	{regexp.MustCompile(`^is empty; its first row must name the columns sku and serial$`), "inv.msg.file_empty"},
	{regexp.MustCompile(`^lists no devices below the header row$`), "inv.msg.file_no_rows"},
	{regexp.MustCompile(`^holds more than (\d+) devices`), "inv.msg.file_too_many"},
	{regexp.MustCompile(`^is not a readable Excel workbook`), "inv.msg.file_unreadable"},
}

var invFieldRefRE = regexp.MustCompile(`^(?:lines|rows|components|serials)\[\d+\]`)

// invSay returns msg in the user's language when it is one the pages know, else msg.
// label names a field referred to inside the message.
func invSay(l i18n.Lang, msg string, label func(string) string) string {
	for _, m := range invMessages {
		sub := m.re.FindStringSubmatch(msg)
		if sub == nil {
			continue
		}
		args := make([]any, 0, len(sub)-1)
		for _, a := range sub[1:] {
			if invFieldRefRE.MatchString(a) {
				a = invLower(label(a))
			}
			args = append(args, a)
		}
		return l.T(m.key, args...)
	}
	return msg
}

func invLower(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// invLocalize returns err with its field names replaced by label's and its messages in
// the user's language, for the layout's error box. Other errors pass unchanged, except
// that a known message of a conflict is translated.
func invLocalize(l i18n.Lang, err error, label func(string) string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		return err
	}
	out := &apperr.Error{Kind: ae.Kind, Msg: invSay(l, ae.Msg, label)}
	for _, f := range ae.Fields {
		msg := invSay(l, f.Message, label)
		if !f.Code.IsZero() && msg == f.Message {
			msg = l.FieldMessage(f)
		}
		out.Fields = append(out.Fields, apperr.FieldError{Field: label(f.Field), Message: msg})
	}
	return out
}

// invLabels returns a label function over fixed fields (a message key each); fields
// not listed are shown through rest, when given, or as themselves.
func invLabels(l i18n.Lang, keys map[string]string, rest func(string) (string, bool)) func(string) string {
	return func(field string) string {
		if k, ok := keys[field]; ok {
			return l.T(k)
		}
		if rest != nil {
			if s, ok := rest(field); ok {
				return s
			}
		}
		return l.FieldLabel(field)
	}
}

var invIndexRE = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.([a-z_]+)(?:\[(\d+)\])?)?$`)

// invIndex splits "lines[0].serials[3]" into "lines", 0, "serials", 3 (-1 when absent).
func invIndex(field string) (name string, i int, sub string, j int, ok bool) {
	m := invIndexRE.FindStringSubmatch(field)
	if m == nil {
		return "", 0, "", 0, false
	}
	i, _ = strconv.Atoi(m[2])
	j = -1
	if m[4] != "" {
		j, _ = strconv.Atoi(m[4])
	}
	return m[1], i, m[3], j, true
}

// ---- devices ----

type invDeviceRow struct {
	inventory.Device
	ProductName, LocationCode, MemberName string
}

type invDevicesView struct {
	Items                []invDeviceRow
	Serial               string
	State                []invOption
	ProductID, Location  string
	MemberID             string
	Lookups              *invLookups
	IsStaff, IsLogistics bool
	Pager                ui.Pager
	Searched             bool // a serial was searched for
	Filtered             bool
}

func (lk *invLookups) rows(ds []inventory.Device) []invDeviceRow {
	out := make([]invDeviceRow, len(ds))
	for i, d := range ds {
		out[i] = invDeviceRow{Device: d, ProductName: lk.productName(d.ProductID), LocationCode: lk.locationCode(d.LocationID), MemberName: lk.memberName(d.MemberID)}
	}
	return out
}

func (s *Server) invDevicesPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	l := ui.Lang(c)
	pr, _ := auth.From(ctx)
	lk, err := s.invLoad(ctx)
	if err != nil {
		return err
	}
	v := invDevicesView{Lookups: lk, IsStaff: pr.IsStaff(), IsLogistics: pr.Role == auth.RoleLogistics,
		Serial: strings.TrimSpace(c.Query("serial")), ProductID: c.Query("product_id"), Location: c.Query("location_id"),
		MemberID: c.Query("member_id"), State: invStateOptions(l, c.Query("state"))}
	title := "inv.devices.title"
	if !pr.IsStaff() {
		title = "inv.devices.mine"
	}
	if v.Serial != "" {
		// A scanner's input: one device goes straight to its page.
		var ds []inventory.Device
		if pr.IsStaff() {
			ds, err = s.Inventory.FindBySerial(ctx, v.Serial)
		} else {
			ds, _, err = s.Inventory.ListDevices(ctx, inventory.DeviceFilter{Serial: v.Serial, Limit: 50})
		}
		if err != nil {
			return err
		}
		if len(ds) == 1 {
			return c.Redirect(fmt.Sprintf("/devices/%d", ds[0].ID), fiber.StatusSeeOther)
		}
		v.Searched, v.Items = true, lk.rows(ds)
		return s.ui.Render(c, "inv_devices", title, v)
	}
	f, err := deviceFilter(c)
	if err != nil {
		return s.ui.RenderError(c, "inv_devices", title, v, invLocalize(l, err, invDeviceFilterLabels(l)))
	}
	ds, next, err := s.Inventory.ListDevices(ctx, f)
	if err != nil {
		return s.ui.RenderError(c, "inv_devices", title, v, invLocalize(l, err, invDeviceFilterLabels(l)))
	}
	v.Items = lk.rows(ds)
	v.Filtered = f.State != "" || f.ProductID != 0 || f.LocationID != 0 || f.MemberID != 0
	v.Pager = ui.PagerFor(c, httpx.Page{After: f.After}, next)
	v.Pager.Export = "/devices.xlsx?" + invQuery(c, "cursor", "limit", "serial")
	return s.ui.Render(c, "inv_devices", title, v)
}

func invDeviceFilterLabels(l i18n.Lang) func(string) string {
	return invLabels(l, map[string]string{"state": "inv.device.state", "product_id": "inv.device.product",
		"location_id": "inv.device.location", "member_id": "inv.device.member"}, nil)
}

func (s *Server) invDevicesExport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	l := ui.Lang(c)
	f, err := deviceFilter(c)
	if err != nil {
		return err
	}
	f.After, f.Limit = 0, 500
	lk, err := s.invLoad(ctx)
	if err != nil {
		return err
	}
	var rows [][]any
	for {
		ds, next, err := s.Inventory.ListDevices(ctx, f)
		if err != nil {
			return err
		}
		for _, d := range ds {
			rows = append(rows, []any{d.Serial, d.SKU, lk.productName(d.ProductID), l.T("inv.state." + string(d.State)),
				lk.locationCode(d.LocationID), lk.memberName(d.MemberID), ui.Deref(d.CitizenRef), d.Recalled,
				d.ReceivedAt.In(civil.Copenhagen).Format("2006-01-02")})
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	header := []string{l.T("inv.device.serial"), l.T("inv.device.sku"), l.T("inv.device.product"), l.T("inv.device.state"),
		l.T("inv.device.location"), l.T("inv.device.member"), l.T("inv.device.citizen"), l.T("inv.device.recalled"), l.T("inv.device.received")}
	return httpx.SendXLSX(c, "devices.xlsx", l.T("inv.devices.title"), header, rows)
}

type invEventRow struct {
	inventory.Event
	Reason      string // in the user's language when the system wrote it
	MemberName  string
	HideCitizen bool
}

type invDeviceView struct {
	Device                     *inventory.Device
	ProductName                string
	Location, MemberName       string
	Events                     []invEventRow
	Moves                      []invOption
	Members                    []contracts.Member
	CanTransition, CanTransfer bool
	IsStaff                    bool
	Move                       invMoveForm
	Transfer                   invTransferForm
}

type invMoveForm struct{ To, Reason string }

type invTransferForm struct{ MemberID, CitizenRef string }

// invReasons say the reasons the system writes on device events in the user's
// language.
var invReasons = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^received on receipt (\d+)$`), "inv.reason.receipt"},
	{regexp.MustCompile(`^transferred from member (\d+) to member (\d+)$`), "inv.reason.transfer_from"},
	{regexp.MustCompile(`^transferred to member (\d+)$`), "inv.reason.transfer_to"},
	{regexp.MustCompile(`^stocktake (\d+): not found$`), "inv.reason.stocktake_missing"},
	{regexp.MustCompile(`^stocktake (\d+): found here$`), "inv.reason.stocktake_found"},
	{regexp.MustCompile(`^reserved for order (.+)$`), "inv.reason.reserved"},
	{regexp.MustCompile(`^shipped with (.+)$`), "inv.reason.shipped"},
	{regexp.MustCompile(`^shipment failed: (.*)$`), "inv.reason.ship_failed"},
	{regexp.MustCompile(`^pickup requested: (.*)$`), "inv.reason.pickup"},
	{regexp.MustCompile(`^received from pickup$`), "inv.reason.picked_up"},
}

func invReason(l i18n.Lang, lk *invLookups, reason string) string {
	for _, r := range invReasons {
		sub := r.re.FindStringSubmatch(reason)
		if sub == nil {
			continue
		}
		args := make([]any, 0, len(sub)-1)
		for _, a := range sub[1:] {
			args = append(args, a)
		}
		if r.key == "inv.reason.transfer_from" || r.key == "inv.reason.transfer_to" {
			for i, a := range sub[1:] {
				if id, err := strconv.ParseInt(a, 10, 64); err == nil {
					args[i] = lk.memberName(&id)
				}
			}
		}
		return l.T(r.key, args...)
	}
	return reason
}

// invDeviceView reads device id with its history; the forms keep mv and tr.
func (s *Server) invDeviceView(c *fiber.Ctx, id int64, mv invMoveForm, tr invTransferForm) (invDeviceView, error) {
	ctx := c.UserContext()
	l := ui.Lang(c)
	pr, _ := auth.From(ctx)
	d, err := s.Inventory.GetDevice(ctx, id)
	if err != nil {
		return invDeviceView{}, err
	}
	evs, err := s.Inventory.Events(ctx, id)
	if err != nil {
		return invDeviceView{}, err
	}
	lk, err := s.invLoad(ctx)
	if err != nil {
		return invDeviceView{}, err
	}
	v := invDeviceView{Device: d, ProductName: lk.productName(d.ProductID), Location: lk.locationLabel(d.LocationID),
		MemberName: lk.memberName(d.MemberID), IsStaff: pr.IsStaff(), Move: mv, Transfer: tr}
	// Newest first: what happened last is what the reader wants to see.
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		row := invEventRow{Event: e, Reason: invReason(l, lk, e.Reason), MemberName: lk.memberName(e.MemberID)}
		// A member user sees citizens of its own member only, not those of an earlier
		// holder of the same device.
		if !pr.IsStaff() && (e.MemberID == nil || pr.MemberID == nil || *e.MemberID != *pr.MemberID) {
			row.HideCitizen, row.MemberName = true, ""
		}
		v.Events = append(v.Events, row)
	}
	if pr.Role == auth.RoleLogistics {
		for _, m := range inventory.Moves() {
			if m.Manual && m.From == d.State {
				v.Moves = append(v.Moves, invOption{Value: string(m.To), Label: l.T("inv.state." + string(m.To)), Selected: string(m.To) == mv.To})
			}
		}
		v.CanTransition = len(v.Moves) > 0
		if d.State == inventory.Deployed {
			v.CanTransfer, v.Members = true, lk.Members
		}
	}
	return v, nil
}

func (s *Server) invDevicePage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.invDeviceView(c, id, invMoveForm{}, invTransferForm{})
	if err != nil {
		return err
	}
	return s.ui.Render(c, "inv_device", "inv.device.title", v)
}

func (s *Server) invTransitionSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	mv := invMoveForm{To: c.FormValue("to"), Reason: strings.TrimSpace(c.FormValue("reason"))}
	before, err := s.Inventory.GetDevice(c.UserContext(), id)
	if err != nil {
		return err
	}
	_, err = s.Inventory.Transition(c.UserContext(), id, inventory.TransitionRequest{To: inventory.State(mv.To), Reason: mv.Reason})
	if err != nil {
		if apperr.Is(err, apperr.KindConflict) && inventory.CheckMove(before.State, inventory.State(mv.To), true) != nil {
			err = apperr.Conflict("%s", l.T("inv.transition.illegal", l.T("inv.state."+string(before.State)), l.T("inv.state."+mv.To)))
		}
		v, verr := s.invDeviceView(c, id, mv, invTransferForm{})
		if verr != nil {
			return verr
		}
		return s.ui.RenderError(c, "inv_device", "inv.device.title", v,
			invLocalize(l, err, invLabels(l, map[string]string{"to": "inv.transition.to", "reason": "inv.transition.reason"}, nil)))
	}
	ui.Flash(c, "inv.transition.done")
	return c.Redirect(fmt.Sprintf("/devices/%d", id), fiber.StatusSeeOther)
}

func (s *Server) invTransferSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	tr := invTransferForm{MemberID: c.FormValue("member_id"), CitizenRef: strings.TrimSpace(c.FormValue("citizen_ref"))}
	mid, _ := strconv.ParseInt(tr.MemberID, 10, 64)
	_, err = s.Inventory.Transfer(c.UserContext(), id, inventory.TransferRequest{MemberID: mid, CitizenRef: tr.CitizenRef})
	if err != nil {
		v, verr := s.invDeviceView(c, id, invMoveForm{}, tr)
		if verr != nil {
			return verr
		}
		return s.ui.RenderError(c, "inv_device", "inv.device.title", v,
			invLocalize(l, err, invLabels(l, map[string]string{"member_id": "inv.transfer.member", "citizen_ref": "inv.transfer.citizen"}, nil)))
	}
	ui.Flash(c, "inv.transfer.done")
	return c.Redirect(fmt.Sprintf("/devices/%d", id), fiber.StatusSeeOther)
}

// ---- stock ----

type invStockView struct {
	Items     []inventory.StockLevel
	Locations []inventory.Location
	Location  string
	Below     int
	Export    string
}

func (s *Server) invStockPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var fe apperr.Fields
	loc := httpx.Int64Query(c, "location_id", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	levels, err := s.Inventory.Stock(ctx, loc)
	if err != nil {
		return err
	}
	locs, err := s.Inventory.ListLocations(ctx)
	if err != nil {
		return err
	}
	v := invStockView{Items: levels, Locations: locs, Location: c.Query("location_id"), Export: "/stock.xlsx?" + invQuery(c)}
	for _, x := range levels {
		if x.BelowReorder {
			v.Below++
		}
	}
	return s.ui.Render(c, "inv_stock", "inv.stock.title", v)
}

func (s *Server) invStockExport(c *fiber.Ctx) error {
	l := ui.Lang(c)
	var fe apperr.Fields
	loc := httpx.Int64Query(c, "location_id", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	levels, err := s.Inventory.Stock(c.UserContext(), loc)
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(levels))
	for _, x := range levels {
		rows = append(rows, []any{x.SKU, x.Name, l.T("inv.tracking." + x.Tracking), x.OnHand, x.Reserved, x.Available, x.Deployed, x.ReorderLevel, x.BelowReorder})
	}
	header := []string{l.T("inv.stock.sku"), l.T("inv.stock.name"), l.T("inv.stock.tracking"), l.T("inv.stock.on_hand"), l.T("inv.stock.reserved"),
		l.T("inv.stock.available"), l.T("inv.stock.deployed"), l.T("inv.stock.reorder"), l.T("inv.stock.below")}
	return httpx.SendXLSX(c, "stock.xlsx", l.T("inv.stock.title"), header, rows)
}

// ---- receipts ----

type invReceiptForm struct {
	LocationID, Reference, ProductID, Serials, Quantity, UnitCost string
	Lookups                                                       *invLookups
	Rows                                                          int    // height of the serials box
	Focus                                                         string // the field that gets the focus
}

func (s *Server) invReceiptRender(c *fiber.Ctx, f invReceiptForm, formErr error) error {
	lk, err := s.invLoad(c.UserContext())
	if err != nil {
		return err
	}
	f.Lookups = lk
	if f.LocationID == "" && len(lk.Locations) == 1 {
		f.LocationID = strconv.FormatInt(lk.Locations[0].ID, 10)
	}
	f.Rows = min(max(8, strings.Count(f.Serials, "\n")+2), 30)
	// The cursor goes where the worker continues: the first empty choice, else the box
	// for the scanner (also after a refusal, to correct the rows).
	switch {
	case formErr != nil || (f.LocationID != "" && f.ProductID != ""):
		f.Focus = "serials"
	case f.LocationID == "":
		f.Focus = "location_id"
	default:
		f.Focus = "product_id"
	}
	return s.ui.RenderError(c, "inv_receipt_form", "inv.receipt.title", f, formErr)
}

func (s *Server) invReceiptNewPage(c *fiber.Ctx) error {
	return s.invReceiptRender(c, invReceiptForm{LocationID: c.Query("location_id"), ProductID: c.Query("product_id")}, nil)
}

type invReceiptView struct {
	Receipt  *inventory.Receipt
	Location string
	Lines    []invReceiptLine
	Another  string // the form again, at the same location for the same product
}

type invReceiptLine struct {
	inventory.ReceiptLine
	SKU, Name string
	Devices   []invReceiptDevice
}

type invReceiptDevice struct {
	ID     int64
	Serial string
}

func (s *Server) invReceiptSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := invReceiptForm{LocationID: c.FormValue("location_id"), Reference: strings.TrimSpace(c.FormValue("reference")),
		ProductID: c.FormValue("product_id"), Serials: c.FormValue("serials"), Quantity: strings.TrimSpace(c.FormValue("quantity")),
		UnitCost: strings.TrimSpace(c.FormValue("unit_cost"))}
	serials, rows := invLines(f.Serials)
	labels := invLabels(l, map[string]string{"location_id": "inv.receipt.location", "reference": "inv.receipt.reference",
		"lines": "inv.receipt.serials", "serials": "inv.receipt.serials", "lines[0].product_id": "inv.receipt.product",
		"lines[0].serials": "inv.receipt.serials", "lines[0].quantity": "inv.receipt.quantity", "lines[0].unit_cost_ore": "inv.receipt.unit_cost"},
		func(field string) (string, bool) {
			if name, _, sub, j, ok := invIndex(field); ok && name == "lines" && sub == "serials" && j >= 0 && j < len(rows) {
				return l.T("inv.receipt.row", rows[j]), true
			}
			return "", false
		})

	var fe apperr.Fields
	in := inventory.NewReceipt{Reference: f.Reference}
	in.LocationID, _ = strconv.ParseInt(f.LocationID, 10, 64)
	line := inventory.NewReceiptLine{Serials: serials}
	line.ProductID, _ = strconv.ParseInt(f.ProductID, 10, 64)
	if f.UnitCost != "" {
		ore, ok := ui.ParseKroner(f.UnitCost)
		if !ok {
			// Said here already, in the user's language: no code to translate again.
			fe = append(fe, apperr.FieldError{Field: "lines[0].unit_cost_ore", Message: l.T("inv.msg.kroner")})
		}
		line.UnitCostOre = ore
	}
	if f.Quantity != "" {
		q, err := strconv.ParseInt(strings.ReplaceAll(f.Quantity, ".", ""), 10, 64)
		if err != nil {
			fe.Add("lines[0].quantity", apperr.NotPositive, "must be a positive whole number")
		}
		line.Quantity = &q
	}
	if err := fe.Err(); err != nil {
		return s.invReceiptRender(c, f, invLocalize(l, err, labels))
	}
	in.Lines = []inventory.NewReceiptLine{line}
	r, err := s.Inventory.CreateReceipt(c.UserContext(), in)
	if err != nil {
		return s.invReceiptRender(c, f, invLocalize(l, err, labels))
	}
	lk, err := s.invLoad(c.UserContext())
	if err != nil {
		return err
	}
	v := invReceiptView{Receipt: r, Location: lk.locationLabel(&r.LocationID),
		Another: fmt.Sprintf("/receipts/new?location_id=%d&product_id=%d", r.LocationID, line.ProductID)}
	for _, rl := range r.Lines {
		x := invReceiptLine{ReceiptLine: rl, SKU: lk.product[rl.ProductID].SKU, Name: lk.productName(rl.ProductID)}
		for i, id := range rl.DeviceIDs {
			x.Devices = append(x.Devices, invReceiptDevice{ID: id, Serial: rl.Serials[i]})
		}
		v.Lines = append(v.Lines, x)
	}
	return s.ui.RenderStatus(c, fiber.StatusCreated, "inv_receipt", "inv.receipt.done_title", v)
}

// ---- imports ----

type invImportForm struct {
	LocationID string
	Locations  []inventory.Location
	Filename   string
}

func (s *Server) invImportRender(c *fiber.Ctx, f invImportForm, formErr error) error {
	locs, err := s.Inventory.ListLocations(c.UserContext())
	if err != nil {
		return err
	}
	f.Locations = locs
	if f.LocationID == "" && len(locs) == 1 {
		f.LocationID = strconv.FormatInt(locs[0].ID, 10)
	}
	return s.ui.RenderError(c, "inv_import_form", "inv.import.title", f, formErr)
}

func (s *Server) invImportNewPage(c *fiber.Ctx) error {
	return s.invImportRender(c, invImportForm{LocationID: c.Query("location_id")}, nil)
}

func invImportLabels(l i18n.Lang) func(string) string {
	return invLabels(l, map[string]string{"location_id": "inv.import.location", "file": "inv.import.file"},
		func(field string) (string, bool) {
			if name, n, col, _, ok := invIndex(field); ok && name == "rows" {
				return l.T("inv.import.row", n, l.T("inv.import.col."+col)), true
			}
			return "", false
		})
}

func (s *Server) invImportSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := invImportForm{LocationID: c.FormValue("location_id")}
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
		return s.invImportRender(c, f, invLocalize(l, err, invImportLabels(l)))
	}
	data, err := readFormFile(fh)
	if err != nil {
		return s.invImportRender(c, f, invLocalize(l, err, invImportLabels(l)))
	}
	imp, err := s.Inventory.StartImport(c.UserContext(), loc, fh.Filename, data)
	if imp != nil && imp.ID != 0 {
		// Done, failed with its row errors, or queued: the import's page says which.
		return c.Redirect(fmt.Sprintf("/imports/%d", imp.ID), fiber.StatusSeeOther)
	}
	if err != nil {
		return s.invImportRender(c, f, invLocalize(l, err, invImportLabels(l)))
	}
	return apperr.Conflict("the import was not recorded")
}

type invImportView struct {
	Import   *inventory.Import
	Location string
	Errors   []apperr.FieldError // in the user's language
	Running  bool
}

func (s *Server) invImportPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	ctx := c.UserContext()
	imp, err := s.Inventory.GetImport(ctx, id)
	if err != nil {
		return err
	}
	lk, err := s.invLoad(ctx)
	if err != nil {
		return err
	}
	v := invImportView{Import: imp, Location: lk.locationLabel(&imp.LocationID),
		Running: imp.Status == inventory.ImportQueued || imp.Status == inventory.ImportRunning}
	labels := invImportLabels(l)
	for _, fe := range imp.ErrorList {
		v.Errors = append(v.Errors, apperr.FieldError{Field: labels(fe.Field), Message: invSay(l, fe.Message, labels)})
	}
	if v.Running {
		// The page follows a queued import by reloading itself; no script needed.
		c.Set("Refresh", "2")
	}
	return s.ui.Render(c, "inv_import", "inv.import.status_title", v)
}

func (s *Server) invImportErrorsExport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.Inventory.ImportErrorsXLSX(c.UserContext(), id, &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="import-%d-errors.xlsx"`, id))
	return c.Send(buf.Bytes())
}

// ---- kits ----

// invKitRows is how many component rows the kit form offers.
const invKitRows = 8

type invKitsView struct {
	Items   []invKitRow
	CanEdit bool
}

type invKitRow struct {
	inventory.Kit
	Scheme string
}

func (s *Server) invSchemes(ctx context.Context) ([]contracts.Scheme, map[int64]contracts.Scheme, error) {
	ss, err := s.Contracts.ListSchemes(ctx)
	if err != nil {
		return nil, nil, err
	}
	by := make(map[int64]contracts.Scheme, len(ss))
	for _, x := range ss {
		by[x.ID] = x
	}
	return ss, by, nil
}

func (s *Server) invKitsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ks, err := s.Inventory.ListKits(ctx)
	if err != nil {
		return err
	}
	_, schemes, err := s.invSchemes(ctx)
	if err != nil {
		return err
	}
	pr, _ := auth.From(ctx)
	v := invKitsView{CanEdit: pr.Role == auth.RoleAdmin || pr.Role == auth.RoleLogistics}
	for _, k := range ks {
		sc := schemes[k.SchemeID]
		v.Items = append(v.Items, invKitRow{Kit: k, Scheme: strings.TrimSpace(sc.Name)})
	}
	return s.ui.Render(c, "inv_kits", "inv.kits.title", v)
}

type invKitForm struct {
	IsNew       bool
	ID          int64
	Code, Name  string
	SchemeID    string
	Components  []invKitComponentForm
	Schemes     []contracts.Scheme
	Products    []inventory.Product
	FixedScheme string
}

type invKitComponentForm struct {
	N                   int // 1-based row
	ProductID, Quantity string
	Bad                 bool // named in the errors
}

// invMarkKitRows marks the form rows that err names; sent[i] is the row of component i.
func invMarkKitRows(f *invKitForm, err error, sent []int) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return
	}
	for _, fe := range ae.Fields {
		if name, i, _, _, ok := invIndex(fe.Field); ok && name == "components" && i < len(sent) && sent[i]-1 < len(f.Components) {
			f.Components[sent[i]-1].Bad = true
		}
	}
}

func (s *Server) invKitRender(c *fiber.Ctx, f invKitForm, formErr error) error {
	ctx := c.UserContext()
	ss, by, err := s.invSchemes(ctx)
	if err != nil {
		return err
	}
	ps, err := s.Inventory.ListProducts(ctx)
	if err != nil {
		return err
	}
	f.Schemes, f.Products = ss, ps
	if id, _ := strconv.ParseInt(f.SchemeID, 10, 64); !f.IsNew {
		f.FixedScheme = by[id].Name
	}
	for len(f.Components) < invKitRows {
		f.Components = append(f.Components, invKitComponentForm{})
	}
	for i := range f.Components {
		f.Components[i].N = i + 1
	}
	title := "inv.kits.edit"
	if f.IsNew {
		title = "inv.kits.new"
	}
	return s.ui.RenderError(c, "inv_kit_form", title, f, formErr)
}

func (s *Server) invKitNewPage(c *fiber.Ctx) error {
	return s.invKitRender(c, invKitForm{IsNew: true}, nil)
}

func (s *Server) invKitEditPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	k, err := s.Inventory.GetKit(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := invKitForm{ID: k.ID, Code: k.Code, Name: k.Name, SchemeID: strconv.FormatInt(k.SchemeID, 10)}
	for _, kc := range k.Components {
		f.Components = append(f.Components, invKitComponentForm{ProductID: strconv.FormatInt(kc.ProductID, 10), Quantity: strconv.FormatInt(kc.Quantity, 10)})
	}
	return s.invKitRender(c, f, nil)
}

// invReadKit reads the kit form: the rows with a product become components, and
// sent[i] is the form row of component i.
func invReadKit(c *fiber.Ctx, f *invKitForm) (inventory.NewKit, []int, apperr.Fields) {
	f.Code, f.Name, f.SchemeID = strings.TrimSpace(c.FormValue("code")), strings.TrimSpace(c.FormValue("name")), c.FormValue("scheme_id")
	in := inventory.NewKit{Code: f.Code, Name: f.Name}
	in.SchemeID, _ = strconv.ParseInt(f.SchemeID, 10, 64)
	var sent []int
	var fe apperr.Fields
	for i := 0; i < invKitRows; i++ {
		row := invKitComponentForm{ProductID: c.FormValue(fmt.Sprintf("product_%d", i)), Quantity: strings.TrimSpace(c.FormValue(fmt.Sprintf("quantity_%d", i)))}
		f.Components = append(f.Components, row)
		if row.ProductID == "" {
			continue
		}
		pid, _ := strconv.ParseInt(row.ProductID, 10, 64)
		q := int64(1)
		if row.Quantity != "" {
			var err error
			if q, err = strconv.ParseInt(row.Quantity, 10, 64); err != nil {
				fe.Add(fmt.Sprintf("components[%d].quantity", len(sent)), apperr.NotPositive, "must be a positive whole number")
			}
		}
		in.Components = append(in.Components, inventory.NewKitComponent{ProductID: pid, Quantity: q})
		sent = append(sent, i+1)
	}
	return in, sent, fe
}

func invKitLabels(l i18n.Lang, sent []int) func(string) string {
	return invLabels(l, map[string]string{"code": "inv.kits.code", "name": "inv.kits.name", "scheme_id": "inv.kits.scheme",
		"components": "inv.kits.components"}, func(field string) (string, bool) {
		if name, i, sub, _, ok := invIndex(field); ok && name == "components" && i < len(sent) {
			if sub == "" {
				return l.T("inv.kits.row", sent[i]), true
			}
			return l.T("inv.kits.row_field", sent[i], l.T("inv.kits.col."+sub)), true
		}
		return "", false
	})
}

func (s *Server) invKitCreateSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := invKitForm{IsNew: true}
	in, sent, fe := invReadKit(c, &f)
	if err := fe.Err(); err != nil {
		invMarkKitRows(&f, err, sent)
		return s.invKitRender(c, f, invLocalize(l, err, invKitLabels(l, sent)))
	}
	if _, err := s.Inventory.CreateKit(c.UserContext(), in); err != nil {
		invMarkKitRows(&f, err, sent)
		return s.invKitRender(c, f, invLocalize(l, err, invKitLabels(l, sent)))
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/kits", fiber.StatusSeeOther)
}

func (s *Server) invKitEditSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	k, err := s.Inventory.GetKit(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := invKitForm{ID: id}
	in, sent, fe := invReadKit(c, &f)
	// The code and the scheme of a kit stay; the form shows them read-only.
	f.Code, f.SchemeID = k.Code, strconv.FormatInt(k.SchemeID, 10)
	in.Code, in.SchemeID = k.Code, k.SchemeID
	if err := fe.Err(); err != nil {
		invMarkKitRows(&f, err, sent)
		return s.invKitRender(c, f, invLocalize(l, err, invKitLabels(l, sent)))
	}
	if _, err := s.Inventory.UpdateKit(c.UserContext(), id, in); err != nil {
		invMarkKitRows(&f, err, sent)
		return s.invKitRender(c, f, invLocalize(l, err, invKitLabels(l, sent)))
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/kits", fiber.StatusSeeOther)
}

// ---- stocktakes ----

type invStocktakesView struct {
	Locations  []inventory.Location
	LocationID string
	Open       string // the id typed into "open a stocktake"
	CanStart   bool
	Stocktakes []invStocktakeRow
	HasListing bool
}

type invStocktakeRow struct {
	inventory.Stocktake
	Location string
}

func (s *Server) invStocktakesRender(c *fiber.Ctx, v invStocktakesView, formErr error) error {
	ctx := c.UserContext()
	pr, _ := auth.From(ctx)
	lk, err := s.invLoad(ctx)
	if err != nil {
		return err
	}
	v.Locations, v.CanStart = lk.Locations, pr.Role == auth.RoleLogistics
	if sts, ok, err := s.invListStocktakes(ctx); err != nil {
		return err
	} else if ok {
		v.HasListing = true
		for _, st := range sts {
			v.Stocktakes = append(v.Stocktakes, invStocktakeRow{Stocktake: st, Location: lk.locationLabel(&st.LocationID)})
		}
	}
	return s.ui.RenderError(c, "inv_stocktakes", "inv.stocktakes.title", v, formErr)
}

// invListStocktakes lists the stocktakes when the inventory service offers a list
// (ListStocktakes); ok is false while it does not, and the page then offers opening a
// stocktake by its number instead.
func (s *Server) invListStocktakes(ctx context.Context) (sts []inventory.Stocktake, ok bool, err error) {
	type lister interface {
		ListStocktakes(ctx context.Context) ([]inventory.Stocktake, error)
	}
	if l, ok := any(s.Inventory).(lister); ok {
		sts, err := l.ListStocktakes(ctx)
		return sts, true, err
	}
	return nil, false, nil
}

func (s *Server) invStocktakesPage(c *fiber.Ctx) error {
	if id := strings.TrimSpace(c.Query("id")); id != "" {
		// "Open stocktake no." box.
		if n, err := strconv.ParseInt(strings.TrimPrefix(id, "#"), 10, 64); err == nil && n > 0 {
			return c.Redirect(fmt.Sprintf("/stocktakes/%d", n), fiber.StatusSeeOther)
		}
	}
	return s.invStocktakesRender(c, invStocktakesView{}, nil)
}

func (s *Server) invStocktakeStartSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	v := invStocktakesView{LocationID: c.FormValue("location_id")}
	loc, _ := strconv.ParseInt(v.LocationID, 10, 64)
	st, err := s.Inventory.StartStocktake(c.UserContext(), loc)
	if err != nil {
		return s.invStocktakesRender(c, v, invLocalize(l, err, invLabels(l, map[string]string{"location_id": "inv.stocktake.location"}, nil)))
	}
	ui.Flash(c, "inv.stocktake.started_flash")
	return c.Redirect(fmt.Sprintf("/stocktakes/%d", st.ID), fiber.StatusSeeOther)
}

type invStocktakeView struct {
	Stocktake   *inventory.Stocktake
	Location    string
	Result      *inventory.StocktakeResult
	IsOpen      bool
	CanCount    bool
	Serials     string
	Rows        int
	Consumables []invCountRow
	Reason      string
	Missing     int
	Differences int
}

type invCountRow struct {
	ProductID int64
	SKU, Name string
	Quantity  string
}

func (s *Server) invStocktakeRender(c *fiber.Ctx, id int64, serials string, qty map[int64]string, reason string, formErr error) error {
	ctx := c.UserContext()
	pr, _ := auth.From(ctx)
	st, err := s.Inventory.GetStocktake(ctx, id)
	if err != nil {
		return err
	}
	lk, err := s.invLoad(ctx)
	if err != nil {
		return err
	}
	v := invStocktakeView{Stocktake: st, Location: lk.locationLabel(&st.LocationID), Result: st.Result,
		IsOpen: st.Status == inventory.StocktakeOpen, Serials: serials, Reason: reason}
	v.CanCount = v.IsOpen && pr.Role == auth.RoleLogistics
	v.Rows = min(max(6, strings.Count(serials, "\n")+2), 24)
	for _, p := range lk.Products {
		if p.Tracking == inventory.TrackQuantity {
			v.Consumables = append(v.Consumables, invCountRow{ProductID: p.ID, SKU: p.SKU, Name: p.Name, Quantity: qty[p.ID]})
		}
	}
	if r := st.Result; r != nil {
		v.Missing = len(r.Missing)
		v.Differences = len(r.Missing) + len(r.Unexpected) + len(r.Miscounted)
	}
	return s.ui.RenderError(c, "inv_stocktake", "inv.stocktake.title", v, formErr)
}

func (s *Server) invStocktakePage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return s.invStocktakeRender(c, id, "", nil, "", nil)
}

func (s *Server) invStocktakeCountSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	text := c.FormValue("serials")
	serials, rows := invLines(text)
	in := inventory.StocktakeCount{Serials: serials}
	qty := map[int64]string{}
	var sentProducts []int64
	var fe apperr.Fields
	ps, err := s.Inventory.ListProducts(c.UserContext())
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
	labels := invLabels(l, map[string]string{"serials": "inv.stocktake.scan"}, func(field string) (string, bool) {
		name, i, _, _, ok := invIndex(field)
		switch {
		case ok && name == "serials" && i < len(rows):
			return l.T("inv.receipt.row", rows[i]), true
		case ok && name == "lines" && i < len(sentProducts):
			return l.T("inv.stocktake.count_of", byID[sentProducts[i]].SKU), true
		}
		return "", false
	})
	if err := fe.Err(); err != nil {
		return s.invStocktakeRender(c, id, text, qty, "", invLocalize(l, err, labels))
	}
	if _, err := s.Inventory.RecordCount(c.UserContext(), id, in); err != nil {
		return s.invStocktakeRender(c, id, text, qty, "", invLocalize(l, err, labels))
	}
	ui.Flash(c, "inv.stocktake.counted_flash")
	return c.Redirect(fmt.Sprintf("/stocktakes/%d", id), fiber.StatusSeeOther)
}

func (s *Server) invStocktakeConfirmSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if _, err := s.Inventory.ConfirmStocktake(c.UserContext(), id, reason); err != nil {
		return s.invStocktakeRender(c, id, "", nil, reason, invLocalize(l, err, invLabels(l, map[string]string{"reason": "inv.stocktake.reason"}, nil)))
	}
	ui.Flash(c, "inv.stocktake.confirmed_flash")
	return c.Redirect(fmt.Sprintf("/stocktakes/%d", id), fiber.StatusSeeOther)
}

// ---- recalls ----

type invRecallsView struct {
	Items    []inventory.Recall
	Products []inventory.Product
	Form     invRecallForm
	CanEdit  bool
	Rows     int
}

type invRecallForm struct {
	ProductID, VendorRef, Reason, Serials, From, To string
}

func (s *Server) invRecallsRender(c *fiber.Ctx, f invRecallForm, formErr error) error {
	ctx := c.UserContext()
	pr, _ := auth.From(ctx)
	rs, err := s.Inventory.ListRecalls(ctx)
	if err != nil {
		return err
	}
	lk, err := s.invLoad(ctx)
	if err != nil {
		return err
	}
	v := invRecallsView{Items: rs, Products: lk.serialProducts(), Form: f, CanEdit: pr.Role == auth.RoleAdmin || pr.Role == auth.RoleLogistics,
		Rows: min(max(5, strings.Count(f.Serials, "\n")+2), 20)}
	return s.ui.RenderError(c, "inv_recalls", "inv.recalls.title", v, formErr)
}

func (s *Server) invRecallsPage(c *fiber.Ctx) error {
	return s.invRecallsRender(c, invRecallForm{}, nil)
}

func (s *Server) invRecallCreateSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := invRecallForm{ProductID: c.FormValue("product_id"), VendorRef: strings.TrimSpace(c.FormValue("vendor_ref")),
		Reason: strings.TrimSpace(c.FormValue("reason")), Serials: c.FormValue("serials"),
		From: strings.TrimSpace(c.FormValue("serial_from")), To: strings.TrimSpace(c.FormValue("serial_to"))}
	serials, rows := invLines(f.Serials)
	in := inventory.NewRecall{VendorRef: f.VendorRef, Reason: f.Reason, Serials: serials, SerialFrom: f.From, SerialTo: f.To}
	in.ProductID, _ = strconv.ParseInt(f.ProductID, 10, 64)
	labels := invLabels(l, map[string]string{"product_id": "inv.recalls.product", "vendor_ref": "inv.recalls.vendor_ref",
		"reason": "inv.recalls.reason", "serials": "inv.recalls.serials", "serial_from": "inv.recalls.from", "serial_to": "inv.recalls.to"},
		func(field string) (string, bool) {
			if name, i, _, _, ok := invIndex(field); ok && name == "serials" && i < len(rows) {
				return l.T("inv.receipt.row", rows[i]), true
			}
			return "", false
		})
	r, err := s.Inventory.CreateRecall(c.UserContext(), in)
	if err != nil {
		return s.invRecallsRender(c, f, invLocalize(l, err, labels))
	}
	ui.Flash(c, "inv.recalls.created_flash")
	return c.Redirect(fmt.Sprintf("/recalls/%d", r.ID), fiber.StatusSeeOther)
}

type invRecallView struct {
	Recall      *inventory.Recall
	ProductName string
	AtCitizens  int
	InStock     int
}

func (s *Server) invRecallPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r, err := s.Inventory.GetRecall(ctx, id)
	if err != nil {
		return err
	}
	lk, err := s.invLoad(ctx)
	if err != nil {
		return err
	}
	v := invRecallView{Recall: r, ProductName: lk.productName(r.ProductID)}
	for _, d := range r.Devices {
		if d.MemberID != nil {
			v.AtCitizens++
		} else if !d.State.Terminal() {
			v.InStock++
		}
	}
	return s.ui.Render(c, "inv_recall", "inv.recall.title", v)
}

func (s *Server) invRecallExport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	r, err := s.Inventory.GetRecall(c.UserContext(), id)
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(r.Devices))
	for _, d := range r.Devices {
		rows = append(rows, []any{d.Serial, l.T("inv.state." + string(d.State)), ui.Deref(d.LocationCode), ui.Deref(d.LocationName),
			ui.Deref(d.MemberCode), ui.Deref(d.MemberName), ui.Deref(d.CitizenRef)})
	}
	header := []string{l.T("inv.device.serial"), l.T("inv.device.state"), l.T("inv.recall.location_code"), l.T("inv.device.location"),
		l.T("inv.recall.member_code"), l.T("inv.device.member"), l.T("inv.device.citizen")}
	return httpx.SendXLSX(c, fmt.Sprintf("recall-%d.xlsx", id), l.T("inv.recall.title"), header, rows)
}
