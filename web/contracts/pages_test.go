package contracts_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
)

// sheetRows reads the first sheet of a downloaded workbook.
func sheetRows(t *testing.T, body string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestContractPages(t *testing.T) {
	f := newFixture(t)
	soon := f.create("/api/v1/contracts", "admin", map[string]any{"number": "FSC-SOON", "title": "Medicindispensere", "vendor_id": f.vendor,
		"scheme_id": f.scheme, "starts_on": "2020-01-01", "ends_on": f.today.AddDays(20).AddMonths(3).String(), "notice_months": 3,
		"extensions": []map[string]any{{"months": 12}}})
	later := f.create("/api/v1/contracts", "admin", map[string]any{"number": "FSC-LATER", "title": "Transport", "vendor_id": f.other,
		"starts_on": "2020-01-01", "ends_on": f.today.AddDays(200).AddMonths(6).String(), "notice_months": 6})
	f.create("/api/v1/contracts", "admin", map[string]any{"number": "FSC-OLD", "title": "Gammel", "vendor_id": f.other,
		"starts_on": "2018-01-01", "ends_on": "2020-12-31", "notice_months": 6})

	admin := webtest.LoggedIn(f.Server, "admin")
	// The list with its filters, and its download.
	body := admin.ExpectPage("/contracts", 200, "FSC-SOON", "FSC-LATER", "FSC-OLD", `name="vendor_id"`, `name="scheme_id"`, `name="status"`)
	_ = body
	body = admin.ExpectPage(fmt.Sprintf("/contracts?vendor_id=%d&status=active", f.other), 200, "FSC-LATER")
	if strings.Contains(body, "FSC-OLD") || strings.Contains(body, "FSC-SOON") {
		t.Fatalf("filtered list: %s", webtest.PageSnippet(body))
	}
	body = admin.ExpectPage(fmt.Sprintf("/contracts?scheme_id=%d", f.scheme), 200, "FSC-SOON")
	if strings.Contains(body, "FSC-LATER") {
		t.Fatal("scheme filter")
	}
	admin.ExpectPage("/contracts?status=nope", 422, "status")
	st, x, _ := admin.Get("/contracts.xlsx?status=expired")
	if rows := sheetRows(t, x); st != 200 || len(rows) != 2 || rows[1][0] != "FSC-OLD" {
		t.Fatalf("export: %d %v", st, rows)
	}

	// Deadlines: soonest first, days left, red under 30, no expired contracts.
	body = admin.ExpectPage("/contracts/deadlines", 200, "20 dage tilbage")
	if i, j := strings.Index(body, "FSC-SOON"), strings.Index(body, "FSC-LATER"); i < 0 || j < 0 || i > j || strings.Contains(body, "FSC-OLD") {
		t.Fatalf("deadlines order: %s", webtest.PageSnippet(body))
	}
	if !strings.Contains(body, `class="num danger">20 dage tilbage`) || strings.Contains(body, `danger">200 dage`) {
		t.Fatalf("deadline colours: %s", webtest.PageSnippet(body))
	}
	admin.ExpectPage("/contracts/deadlines?days=60", 200, "FSC-SOON")
	admin.ExpectPage("/contracts/deadlines?days=-4", 422)
	st, x, _ = admin.Get("/contracts/deadlines.xlsx")
	if rows := sheetRows(t, x); st != 200 || len(rows) != 3 || rows[1][0] != "FSC-SOON" || rows[1][8] != "20" {
		t.Fatalf("deadlines export: %d %v", st, rows)
	}

	// The contract page: terms, extension, prices, participants, documents, audit.
	page := fmt.Sprintf("/contracts/%d", soon)
	admin.ExpectPage(page, 200, "FSC-SOON", "Nordisk Telemedicin A/S", `id="extend"`, `id="add-price"`, `id="add-participant"`, `id="upload"`, "Revisionsspor")
	st, _, loc := admin.Post(page+"/prices", url.Values{"kind": {"purchase"}, "product_id": {fmt.Sprint(f.product)}, "amount": {"2.195,00"}, "valid_from": {"2025-01-01"}})
	if st != 303 || loc != page+"#prices" {
		t.Fatalf("add price: %d %s", st, loc)
	}
	admin.Get(page)
	admin.Post(page+"/prices", url.Values{"kind": {"purchase"}, "product_id": {fmt.Sprint(f.product)}, "amount": {"2.260,85"}, "valid_from": {f.today.AddDays(30).String()}})
	body = admin.ExpectPage(page, 200, "2.195,00", "2.260,85", "Gældende", "Kommende", f.today.AddDays(29).String())
	admin.Get(page)
	st, body, _ = admin.Post(page+"/prices", url.Values{"kind": {"purchase"}, "amount": {"-5"}, "valid_from": {""}})
	if st != 422 || !strings.Contains(body, `id="product_id-error"`) || !strings.Contains(body, `id="valid_from-error"`) {
		t.Fatalf("bad price: %d %s", st, webtest.PageSnippet(body))
	}
	admin.Get(page)
	st, body, _ = admin.Post(page+"/prices", url.Values{"kind": {"purchase"}, "product_id": {fmt.Sprint(f.product)}, "amount": {"1"}, "valid_from": {"2025-01-01"}})
	if st != 409 {
		t.Fatalf("price twice: %d %s", st, webtest.PageSnippet(body))
	}
	admin.Get(page)
	m751 := fmt.Sprint(f.Members["751"].ID)
	if st, _, _ := admin.Post(page+"/participants", url.Values{"member_id": {m751}, "joined_on": {"2020-01-01"}}); st != 303 {
		t.Fatalf("add participant: %d", st)
	}
	admin.Get(page)
	st, body, _ = admin.Post(page+"/participants", url.Values{"member_id": {m751}, "joined_on": {"2021-01-01"}})
	if st != 422 || !strings.Contains(body, `id="joined_on-error"`) {
		t.Fatalf("overlap: %d %s", st, webtest.PageSnippet(body))
	}
	// Upload a document through the form.
	admin.Get(page)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", admin.CSRF)
	fw, _ := w.CreateFormFile("file", "kontrakt.pdf")
	fw.Write([]byte("%PDF-1.4 signed\n%%EOF"))
	w.Close()
	req := httptest.NewRequest("POST", page+"/documents", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if st, body, _ := admin.Do(req); st != 303 {
		t.Fatalf("upload: %d %s", st, webtest.PageSnippet(body))
	}
	body = admin.ExpectPage(page, 200, "kontrakt.pdf")
	// Extend: the end moves by 12 months and the button goes.
	if st, _, _ := admin.Post(page+"/extend", nil); st != 303 {
		t.Fatalf("extend: %d", st)
	}
	body = admin.ExpectPage(page, 200, "Kontrakten er forlænget.", "Dokument tilføjet", "Forlænget", "Pris tilføjet")
	if strings.Contains(body, `id="extend"`) {
		t.Fatal("extend button after the last option")
	}
	st, x, _ = admin.Get(page + "/prices.xlsx")
	if rows := sheetRows(t, x); st != 200 || len(rows) != 3 || rows[1][2] != "219500" {
		t.Fatalf("prices export: %d %v", st, rows)
	}
	st, x, _ = admin.Get(page + "/participants.xlsx")
	if rows := sheetRows(t, x); st != 200 || len(rows) != 2 || rows[1][0] != "751" {
		t.Fatalf("participants export: %d %v", st, rows)
	}
	// English.
	admin.Get("/lang/en")
	admin.ExpectPage("/contracts/deadlines", 200, "Notice deadlines", "days left")

	// Vendors: list, new (bad CVR named), detail with contracts, edit.
	admin.Get("/lang/da")
	admin.ExpectPage("/vendors", 200, "Nordisk Telemedicin A/S", "31415926", "Ny leverandør")
	st, body, _ = admin.Post("/vendors", url.Values{"name": {"RenTek ApS"}, "cvr": {"12345678"}})
	if st != 422 || !strings.Contains(body, `id="cvr-error"`) {
		t.Fatalf("bad cvr: %d %s", st, webtest.PageSnippet(body))
	}
	st, _, loc = admin.Post("/vendors", url.Values{"name": {"RenTek ApS"}, "cvr": {"DK 33 16 62 49"}, "email": {"service@rentek.example"}})
	if st != 303 || !strings.HasPrefix(loc, "/vendors/") {
		t.Fatalf("new vendor: %d %s", st, loc)
	}
	admin.ExpectPage(loc, 200, "RenTek ApS", "33166249")
	admin.ExpectPage(fmt.Sprintf("/vendors/%d", f.other), 200, "FSC-LATER", "FSC-OLD")
	st, x, _ = admin.Get("/vendors.xlsx")
	if rows := sheetRows(t, x); st != 200 || len(rows) != 4 {
		t.Fatalf("vendors export: %d %v", st, rows)
	}
	st, x, _ = admin.Get(fmt.Sprintf("/vendors/%d/contracts.xlsx", f.other))
	if rows := sheetRows(t, x); st != 200 || len(rows) != 3 {
		t.Fatalf("vendor contracts export: %d %v", st, rows)
	}
	admin.Get(fmt.Sprintf("/vendors/%d/edit", f.other))
	if st, _, _ := admin.Post(fmt.Sprintf("/vendors/%d/edit", f.other), url.Values{"name": {"DoseVagt ApS"}, "cvr": {"16180335"}, "contact": {"Peter Holm"}}); st != 303 {
		t.Fatalf("edit vendor: %d", st)
	}
	admin.ExpectPage(fmt.Sprintf("/vendors/%d", f.other), 200, "Peter Holm")

	// A new contract through the form; errors are named beside their inputs.
	admin.Get("/contracts/new")
	st, body, _ = admin.Post("/contracts/new", url.Values{"number": {"FSC-NEW"}, "title": {"Ny"}, "vendor_id": {fmt.Sprint(f.vendor)},
		"starts_on": {"2026-05-01"}, "ends_on": {"2026-04-01"}, "notice_months": {"3"}, "extensions": {"12, x"}})
	if st != 422 || !strings.Contains(body, `id="ends_on-error"`) || !strings.Contains(body, `id="extensions-error"`) {
		t.Fatalf("bad contract form: %d %s", st, webtest.PageSnippet(body))
	}
	st, _, loc = admin.Post("/contracts/new", url.Values{"number": {"FSC-NEW"}, "title": {"Ny"}, "vendor_id": {fmt.Sprint(f.vendor)},
		"starts_on": {"2026-06-01"}, "ends_on": {"2029-05-31"}, "notice_months": {"3"}, "extensions": {"12 12"},
		"response_hours": {"4"}, "resolution_hours": {"24"}})
	if st != 303 {
		t.Fatalf("new contract: %d", st)
	}
	admin.ExpectPage(loc, 200, "FSC-NEW", "2029-02-28", "svar inden 4 timer")

	// Support reads, but has no forms.
	sup := webtest.LoggedIn(f.Server, "support")
	body = sup.ExpectPage(page, 200, "FSC-SOON")
	if strings.Contains(body, `id="add-price"`) || strings.Contains(body, "Revisionsspor") {
		t.Fatal("support sees the forms")
	}
	sup.ExpectPage("/contracts/new", 403)
	_ = later
}

func TestVendorPortal(t *testing.T) {
	f := newFixture(t)
	mine := f.create("/api/v1/contracts", "admin", map[string]any{"number": "MINE-1", "title": "Tablets", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	theirs := f.create("/api/v1/contracts", "admin", map[string]any{"number": "THEIRS-1", "title": "Dispensere", "vendor_id": f.other,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	v := webtest.LoggedIn(f.Server, "vendor")
	body := v.ExpectPage("/", 200, "Vores kontrakter", "Vores virksomhed")
	body = v.ExpectPage("/contracts", 200, "MINE-1", "Jeres virksomheds kontrakter")
	if strings.Contains(body, "THEIRS-1") || strings.Contains(body, `name="vendor_id"`) {
		t.Fatalf("vendor list: %s", webtest.PageSnippet(body))
	}
	body = v.ExpectPage(fmt.Sprintf("/contracts/%d", mine), 200, "MINE-1")
	if strings.Contains(body, `id="add-price"`) {
		t.Fatal("vendor sees forms")
	}
	v.ExpectPage(fmt.Sprintf("/contracts/%d", theirs), 404)
	v.ExpectPage(fmt.Sprintf("/vendors/%d", f.other), 404)
	v.ExpectPage(fmt.Sprintf("/vendors/%d", f.vendor), 200, "MINE-1")
	v.ExpectPage("/vendors", 403)
	v.ExpectPage("/contracts/deadlines", 403)
	st, x, _ := v.Get("/contracts.xlsx")
	if rows := sheetRows(t, x); st != 200 || len(rows) != 2 || rows[1][0] != "MINE-1" {
		t.Fatalf("vendor export: %d %v", st, rows)
	}
	// It may change its contact details only.
	body = v.ExpectPage(fmt.Sprintf("/vendors/%d/edit", f.vendor), 200, "readonly")
	st, _, _ = v.Post(fmt.Sprintf("/vendors/%d/edit", f.vendor), url.Values{"name": {"Hacked"}, "cvr": {"10000009"}, "contact": {"Ny Kontakt"}})
	if st != 303 {
		t.Fatalf("vendor edits: %d", st)
	}
	body = v.ExpectPage(fmt.Sprintf("/vendors/%d", f.vendor), 200, "Ny Kontakt", "Nordisk Telemedicin A/S", "31415926")
	if strings.Contains(body, "Hacked") {
		t.Fatal("vendor renamed itself")
	}
	v.ExpectPage(fmt.Sprintf("/vendors/%d/edit", f.other), 404)
}

func TestMemberPageFiguresAndContracts(t *testing.T) {
	f := newFixture(t)
	id := f.Members["751"].ID
	k := f.create("/api/v1/contracts", "admin", map[string]any{"number": "KOL-1", "title": "KOL", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	f.create(fmt.Sprintf("/api/v1/contracts/%d/participants", k), "admin", map[string]any{"member_id": id, "joined_on": "2025-01-01"})
	admin := webtest.LoggedIn(f.Server, "admin")
	admin.Get(fmt.Sprintf("/members/%d/figures", id))
	st, body, _ := admin.Post(fmt.Sprintf("/members/%d/figures", id), url.Values{"valid_from": {"2013-01-01"}, "inhabitants": {"319.094"}})
	if st != 303 {
		t.Fatalf("add figures: %d %s", st, webtest.PageSnippet(body))
	}
	admin.Get(fmt.Sprintf("/members/%d/figures", id))
	st, body, _ = admin.Post(fmt.Sprintf("/members/%d/figures", id), url.Values{"valid_from": {"2013-01-01"}, "inhabitants": {"1"}})
	if st != 409 {
		t.Fatalf("figures twice: %d", st)
	}
	admin.Get(fmt.Sprintf("/members/%d/figures", id))
	st, body, _ = admin.Post(fmt.Sprintf("/members/%d/figures", id), url.Values{"valid_from": {"x"}, "inhabitants": {"10"}, "inhabitants_65_plus": {"11"}})
	if st != 422 || !strings.Contains(body, `id="valid_from-error"`) {
		t.Fatalf("bad figures: %d %s", st, webtest.PageSnippet(body))
	}
	m := webtest.LoggedIn(f.Server, "member")
	m.ExpectPage(fmt.Sprintf("/members/%d", id), 200, "Tal over tid", "319.094", "ikke kendt", `id="figures-65-note"`, "KOL-1")
	m.ExpectPage("/contracts", 200, "KOL-1")
	st, x, _ := m.Get(fmt.Sprintf("/members/%d/figures.xlsx", id))
	if rows := sheetRows(t, x); st != 200 || len(rows) != 3 || rows[1][0] != "2013-01-01" || len(rows[1]) != 2 {
		t.Fatalf("figures export: %d %v", st, rows)
	}
	st, _, _ = webtest.LoggedIn(f.Server, "member2").Get(fmt.Sprintf("/members/%d/figures.xlsx", id))
	if st != 404 {
		t.Fatalf("other member's figures: %d", st)
	}
	webtest.LoggedIn(f.Server, "member2").ExpectPage(fmt.Sprintf("/contracts/%d", k), 404)
	m.ExpectPage(fmt.Sprintf("/members/%d/figures", id), 403)
}

func TestDashboardNotices(t *testing.T) {
	f := newFixture(t)
	f.create("/api/v1/contracts", "admin", map[string]any{"number": "DASH-1", "title": "Medicindispensere", "vendor_id": f.vendor,
		"starts_on": "2020-01-01", "ends_on": f.today.AddDays(45).AddMonths(3).String(), "notice_months": 3})
	if _, err := f.Contracts.CheckNotices(f.Ctx); err != nil {
		t.Fatal(err)
	}
	fin := webtest.LoggedIn(f.Server, "finance")
	fin.ExpectPage("/", 200, "Opsigelsesfrister", "DASH-1", "45 dage tilbage", "Meddelelser", "sidste frist for opsigelse")
	fin.ExpectPage("/notices", 200, "DASH-1")
	st, x, _ := fin.Get("/notices.xlsx")
	if rows := sheetRows(t, x); st != 200 || len(rows) != 2 {
		t.Fatalf("notices export: %d %v", st, rows)
	}
	body := webtest.LoggedIn(f.Server, "logistics").ExpectPage("/", 200)
	if strings.Contains(body, "sidste frist for opsigelse") {
		t.Fatal("logistics sees contract notices")
	}
	// The panel looks as far ahead as the notices do (FSC_CONTRACT_NOTICE_DAYS).
	f.Contracts.NoticeDays = 30
	if body := fin.ExpectPage("/", 200); strings.Contains(body, "45 dage tilbage") {
		t.Error("with notices 30 days ahead the dashboard lists a deadline 45 days away")
	}
}
