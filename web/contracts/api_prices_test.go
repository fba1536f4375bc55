package contracts_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

func TestPricesAPI(t *testing.T) {
	f := newFixture(t)
	k := f.create("/api/v1/contracts", "admin", map[string]any{"number": "P-1", "title": "T", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	path := fmt.Sprintf("/api/v1/contracts/%d/prices", k)
	f.create(path, "finance", map[string]any{"product_id": f.product, "kind": "purchase", "amount_ore": 219500, "valid_from": "2025-01-01"})
	f.create(path, "admin", map[string]any{"product_id": f.product, "kind": "purchase", "amount_ore": 226085, "valid_from": "2026-01-01"})
	f.create(path, "admin", map[string]any{"product_id": f.product, "kind": "monthly", "amount_ore": 4900, "valid_from": "2025-01-01"})
	f.create(path, "admin", map[string]any{"kind": "event", "event": "shipment", "amount_ore": 18900, "valid_from": "2025-01-01"})
	f.create(path, "admin", map[string]any{"kind": "event", "event": "cleaning", "amount_ore": 0, "valid_from": "2025-01-01"})

	st, b := f.Do("POST", path, "admin", map[string]any{"product_id": f.product, "kind": "purchase", "amount_ore": 1, "valid_from": "2025-01-01"})
	expectStatus(t, "same product/kind/valid_from", st, b, 409)
	st, b = f.Do("POST", path, "admin", map[string]any{"kind": "event", "event": "shipment", "amount_ore": 1, "valid_from": "2025-01-01"})
	expectStatus(t, "same event/valid_from", st, b, 409)
	st, b = f.Do("POST", path, "admin", map[string]any{"kind": "purchase", "amount_ore": -1, "valid_from": "2025-01-01"})
	webtest.ExpectFields(t, st, b, "product_id", "amount_ore")
	st, b = f.Do("POST", path, "admin", map[string]any{"kind": "monthly", "amount_ore": 1, "valid_from": "2025-01-01"})
	webtest.ExpectFields(t, st, b, "product_id")
	st, b = f.Do("POST", path, "admin", map[string]any{"kind": "event", "amount_ore": 1, "valid_from": "2025-01-01"})
	webtest.ExpectFields(t, st, b, "event")
	st, b = f.Do("POST", path, "admin", map[string]any{"kind": "rent", "amount_ore": 1})
	webtest.ExpectFields(t, st, b, "kind", "valid_from")
	st, b = f.Do("POST", path, "admin", map[string]any{"product_id": 99999, "kind": "purchase", "amount_ore": 1, "valid_from": "2025-01-01"})
	webtest.ExpectFields(t, st, b, "product_id")
	st, b = f.Do("POST", "/api/v1/contracts/99999/prices", "admin", map[string]any{"kind": "event", "event": "pickup", "amount_ore": 1, "valid_from": "2025-01-01"})
	expectStatus(t, "unknown contract", st, b, 404)
	st, b = f.Do("POST", path, "vendor", map[string]any{"kind": "event", "event": "pickup", "amount_ore": 1, "valid_from": "2025-01-01"})
	expectStatus(t, "vendor prices", st, b, 403)

	var d contracts.ContractDetail
	f.get(fmt.Sprintf("/api/v1/contracts/%d", k), "vendor", &d)
	if len(d.Prices) != 5 {
		t.Fatalf("prices: %+v", d.Prices)
	}
	// The price in force on a day: the latest valid_from on or before it.
	for day, want := range map[string]int64{"2025-12-31": 219500, "2026-01-01": 226085, "2027-06-01": 226085} {
		p, err := f.Contracts.PriceOn(f.Ctx, k, contracts.Purchase(f.product), civil.MustParse(day))
		if err != nil || p.AmountOre != want {
			t.Errorf("price on %s: %+v %v, want %d", day, p, err, want)
		}
	}
}

func TestParticipantsAPI(t *testing.T) {
	f := newFixture(t)
	k := f.create("/api/v1/contracts", "admin", map[string]any{"number": "D-1", "title": "T", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	path := fmt.Sprintf("/api/v1/contracts/%d/participants", k)
	m751, m657 := f.Members["751"].ID, f.Members["657"].ID
	f.create(path, "finance", map[string]any{"member_id": m751, "joined_on": "2025-01-01", "left_on": "2026-01-01"})
	f.create(path, "admin", map[string]any{"member_id": m751, "joined_on": "2026-01-01"})
	st, b := f.Do("POST", path, "admin", map[string]any{"member_id": m751, "joined_on": "2025-06-01"})
	webtest.ExpectFields(t, st, b, "joined_on")
	st, b = f.Do("POST", path, "admin", map[string]any{"member_id": m657, "joined_on": "2025-06-01", "left_on": "2025-05-01"})
	webtest.ExpectFields(t, st, b, "left_on")
	st, b = f.Do("POST", path, "admin", map[string]any{"member_id": 99999, "joined_on": "2025-06-01"})
	webtest.ExpectFields(t, st, b, "member_id")
	st, b = f.Do("POST", path, "member", map[string]any{"member_id": m751, "joined_on": "2025-06-01"})
	expectStatus(t, "member joins", st, b, 403)

	// The member participating sees the contract with its own participation; the other
	// does not see it at all.
	var d contracts.ContractDetail
	f.get(fmt.Sprintf("/api/v1/contracts/%d", k), "member", &d)
	if len(d.Participants) != 2 {
		t.Fatalf("participants as member: %+v", d.Participants)
	}
	var l httpx.List[contracts.Contract]
	f.get("/api/v1/contracts", "member", &l)
	if len(l.Items) != 1 {
		t.Fatalf("member's contracts: %+v", l.Items)
	}
	st, b = f.Do("GET", fmt.Sprintf("/api/v1/contracts/%d", k), "member2", nil)
	expectStatus(t, "other member reads", st, b, 404)
	f.get("/api/v1/contracts", "member2", &l)
	if len(l.Items) != 0 {
		t.Fatalf("other member's contracts: %+v", l.Items)
	}
}

// upload sends file as the multipart field "file" to the contract's documents.
func upload(f *fixture, contractID int64, user, name string, content []byte) (int, []byte) {
	f.T.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(content)
	w.Close()
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/contracts/%d/documents", contractID), &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+f.Tokens[user])
	return f.Send(req)
}

func TestDocumentsAPI(t *testing.T) {
	f := newFixture(t)
	f.Contracts.MaxDocumentBytes = 1 << 10
	k := f.create("/api/v1/contracts", "admin", map[string]any{"number": "DOC-1", "title": "T", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	other := f.create("/api/v1/contracts", "admin", map[string]any{"number": "DOC-2", "title": "T", "vendor_id": f.other,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	st, b := upload(f, k, "finance", `C:\kontrakter\Kontrakt "DOC-1".pdf`, pdf)
	expectStatus(t, "upload", st, b, 201)
	var doc contracts.Document
	webtest.DecodeInto(t, b, &doc)
	if doc.SizeBytes != int64(len(pdf)) || doc.Filename != `Kontrakt "DOC-1".pdf` || strings.Contains(string(b), "content\"") {
		t.Fatalf("document: %s", b)
	}
	st, b = upload(f, k, "admin", "notes.pdf", []byte("hello, not a pdf"))
	webtest.ExpectFields(t, st, b, "file")
	st, b = upload(f, k, "admin", "big.pdf", append(pdf, bytes.Repeat([]byte("x"), 2<<10)...))
	webtest.ExpectFields(t, st, b, "file")
	st, b = upload(f, k, "admin", "empty.pdf", nil)
	webtest.ExpectFields(t, st, b, "file")
	st, b = upload(f, 99999, "admin", "x.pdf", pdf)
	expectStatus(t, "upload to unknown contract", st, b, 404)
	st, b = upload(f, k, "vendor", "x.pdf", pdf)
	expectStatus(t, "vendor uploads", st, b, 403)
	st, b = f.Do("POST", fmt.Sprintf("/api/v1/contracts/%d/documents", k), "admin", `{}`)
	webtest.ExpectFields(t, st, b, "file")

	// The vendor of the contract downloads it; another vendor's contract is a 404.
	req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/contracts/%d/documents/%d", k, doc.ID), nil)
	req.Header.Set("Authorization", "Bearer "+f.Tokens["vendor"])
	resp, err := f.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(got.Bytes(), pdf) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %v %q", resp.StatusCode, resp.Header, got.String())
	}
	st, b = f.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/documents/%d", other, doc.ID), "admin", nil)
	expectStatus(t, "document of another contract", st, b, 404)
	f.AddUser("vendor2", auth.RoleVendor, nil, &f.other)
	st, b = f.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/documents/%d", k, doc.ID), "vendor2", nil)
	expectStatus(t, "another vendor downloads", st, b, 404)

	var d contracts.ContractDetail
	f.get(fmt.Sprintf("/api/v1/contracts/%d", k), "admin", &d)
	if len(d.Documents) != 1 {
		t.Fatalf("documents: %+v", d.Documents)
	}
	st, b = f.Do("DELETE", fmt.Sprintf("/api/v1/contracts/%d/documents/%d", k, doc.ID), "admin", nil)
	expectStatus(t, "delete", st, b, 204)
	st, b = f.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/documents/%d", k, doc.ID), "admin", nil)
	expectStatus(t, "deleted", st, b, 404)
}

func TestFiguresAPI(t *testing.T) {
	f := newFixture(t)
	id := f.Members["751"].ID
	path := fmt.Sprintf("/api/v1/members/%d/figures", id)
	f.create(path, "admin", map[string]any{"valid_from": "2024-01-01", "inhabitants": 350000, "inhabitants_65_plus": 60000})
	f.create(path, "admin", map[string]any{"valid_from": "2013-01-01", "inhabitants": 319094, "inhabitants_65_plus": nil})
	st, b := f.Do("POST", path, "admin", map[string]any{"valid_from": "2024-01-01", "inhabitants": 1, "inhabitants_65_plus": 0})
	expectStatus(t, "same day twice", st, b, 409)
	st, b = f.Do("POST", path, "admin", map[string]any{"inhabitants": 10, "inhabitants_65_plus": 11})
	webtest.ExpectFields(t, st, b, "valid_from", "inhabitants_65_plus")
	st, b = f.Do("POST", path, "admin", map[string]any{"valid_from": "2024-02-01", "inhabitants_65_plus": -1})
	webtest.ExpectFields(t, st, b, "inhabitants", "inhabitants_65_plus")
	st, b = f.Do("POST", path, "finance", map[string]any{"valid_from": "2024-02-01", "inhabitants": 1})
	expectStatus(t, "finance adds figures", st, b, 403)
	st, b = f.Do("POST", "/api/v1/members/99999/figures", "admin", map[string]any{"valid_from": "2024-02-01", "inhabitants": 1})
	expectStatus(t, "unknown member", st, b, 404)

	var m contracts.Member
	f.get(fmt.Sprintf("/api/v1/members/%d", id), "member", &m)
	if len(m.Figures) != 3 || m.Figures[0].ValidFrom.String() != "2013-01-01" || m.Figures[0].Inhabitants65Plus != nil ||
		m.Figures[1].ValidFrom.String() != "2024-01-01" {
		t.Fatalf("figures oldest first: %+v", m.Figures)
	}
	// The figures valid today are the set made with the member (today).
	if m.Inhabitants != 1000 {
		t.Fatalf("today's figures: %+v", m)
	}
	fs, err := f.Contracts.FiguresOn(f.Ctx, id, civil.MustParse("2024-06-30"))
	if err != nil || fs.Inhabitants != 350000 {
		t.Fatalf("figures on 2024-06-30: %+v %v", fs, err)
	}
}

func TestNoticesAPI(t *testing.T) {
	f := newFixture(t)
	k := f.create("/api/v1/contracts", "admin", map[string]any{"number": "N-1", "title": "Medicindispensere", "vendor_id": f.vendor,
		"starts_on": "2020-01-01", "ends_on": f.today.AddDays(45).AddMonths(3).String(), "notice_months": 3})
	n, err := f.Contracts.CheckNotices(f.Ctx)
	if err != nil || n != 1 {
		t.Fatalf("check: %d %v", n, err)
	}
	if n, _ := f.Contracts.CheckNotices(f.Ctx); n != 0 {
		t.Fatalf("second check raised %d", n)
	}
	type out struct {
		Items []struct {
			Code     string   `json:"code"`
			Args     []string `json:"args"`
			Entity   string   `json:"entity"`
			EntityID int64    `json:"entity_id"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	for _, u := range []string{"admin", "finance"} {
		var l out
		f.get("/api/v1/notices", u, &l)
		if len(l.Items) != 1 || l.Items[0].Code != "contract_notice_deadline" || l.Items[0].EntityID != k || l.Items[0].Args[0] != "N-1" {
			t.Fatalf("notices as %s: %+v", u, l)
		}
	}
	for _, u := range []string{"logistics", "support", "member", "vendor"} {
		var l out
		f.get("/api/v1/notices", u, &l)
		if len(l.Items) != 0 {
			t.Fatalf("notices as %s: %+v", u, l)
		}
	}
	st, b := f.Do("GET", "/api/v1/notices?limit=0", "admin", nil)
	webtest.ExpectFields(t, st, b, "limit")
	st, b = f.Do("GET", "/api/v1/notices", "", nil)
	expectStatus(t, "no token", st, b, 401)
}
