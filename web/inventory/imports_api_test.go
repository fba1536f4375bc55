package inventory_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
)

// importRequest is a multipart POST /devices/import with token; an empty filename sends
// no file, an empty location no location_id.
func importRequest(t *testing.T, token, filename string, data []byte, location string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if location != "" {
		if err := mw.WriteField("location_id", location); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", httpx.Base+"/devices/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// importServer is a test server with a location and a serial-tracked product.
type importServer struct {
	*webtest.Server
	loc string
}

func newImportServer(t *testing.T) *importServer {
	t.Helper()
	s := webtest.New(t)
	loc, err := s.Inventory.CreateLocation(s.Ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Inventory.CreateProduct(s.Ctx, inventory.NewProduct{SKU: "TAB-1", Name: "Tablet", Category: "tablet", Tracking: "serial"}); err != nil {
		t.Fatal(err)
	}
	return &importServer{Server: s, loc: fmt.Sprint(loc.ID)}
}

func problemFields(t *testing.T, body []byte) []string {
	t.Helper()
	var p httpx.Problem
	webtest.DecodeInto(t, body, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

func TestImportDevicesAPI(t *testing.T) {
	is := newImportServer(t)
	status, body := is.Send(importRequest(t, is.Tokens["logistics"], "levering.csv", []byte("sku;serial\nTAB-1;W-1\nTAB-1;W-2\n"), is.loc))
	if status != 201 {
		t.Fatalf("import: %d %s", status, body)
	}
	var got struct {
		ID             int64                  `json:"id"`
		DevicesCreated int                    `json:"devices_created"`
		Lines          []inventory.ImportLine `json:"lines"`
		ImportID       int64                  `json:"import_id"`
		Status         string                 `json:"status"`
	}
	webtest.DecodeInto(t, body, &got)
	if got.ID == 0 || got.ImportID == 0 || got.DevicesCreated != 2 || len(got.Lines) != 1 || got.Lines[0].SKU != "TAB-1" || got.Lines[0].Quantity != 2 || got.Status != "done" {
		t.Fatalf("answer = %s", body)
	}
	status, body = is.Do("GET", fmt.Sprintf("%s/imports/%d", httpx.Base, got.ImportID), "support", nil)
	if status != 200 || !strings.Contains(string(body), `"status":"done"`) || !strings.Contains(string(body), `"rows_done":2`) {
		t.Fatalf("get import: %d %s", status, body)
	}

	// Bad rows: 422 naming each by its row in the file; nothing stored.
	book := excelize.NewFile()
	for i, r := range [][]any{{"SKU", "Serial"}, {"TAB-1", "W-3"}, {"NOPE", "W-4"}, {"TAB-1", "W-1"}, {"TAB-1", "bad serial"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		book.SetSheetRow("Sheet1", cell, &r)
	}
	var xb bytes.Buffer
	book.Write(&xb)
	status, body = is.Send(importRequest(t, is.Tokens["logistics"], "bad.xlsx", xb.Bytes(), is.loc))
	if status != 422 || !slices.Equal(problemFields(t, body), []string{"rows[3].sku", "rows[4].serial", "rows[5].serial"}) {
		t.Fatalf("bad rows: %d %s", status, body)
	}
	status, body = is.Do("GET", httpx.Base+"/devices?serial=W-3", "logistics", nil)
	if status != 200 || !strings.Contains(string(body), `"items":[]`) {
		t.Fatalf("W-3 was stored: %s", body)
	}

	// Missing file and location, an unknown location, a file of another kind.
	// (Whether a location is needed depends on the file: an opening balance needs none.)
	status, body = is.Send(importRequest(t, is.Tokens["logistics"], "", nil, ""))
	if status != 422 || !slices.Equal(problemFields(t, body), []string{"file"}) {
		t.Fatalf("empty form: %d %s", status, body)
	}
	status, body = is.Send(importRequest(t, is.Tokens["logistics"], "d.csv", []byte("sku,serial\nTAB-1,Z-1\n"), ""))
	if status != 422 || !slices.Equal(problemFields(t, body), []string{"location_id"}) {
		t.Fatalf("a delivery without a location: %d %s", status, body)
	}
	status, body = is.Send(importRequest(t, is.Tokens["logistics"], "d.csv", []byte("sku,serial\nTAB-1,Z-1\n"), "99999"))
	if status != 422 || !slices.Equal(problemFields(t, body), []string{"location_id"}) {
		t.Fatalf("unknown location: %d %s", status, body)
	}
	status, body = is.Send(importRequest(t, is.Tokens["logistics"], "d.pdf", []byte("%PDF-1.4"), is.loc))
	if status != 422 || !slices.Equal(problemFields(t, body), []string{"file"}) {
		t.Fatalf("pdf: %d %s", status, body)
	}
	if status, body = is.Do("POST", httpx.Base+"/devices/import", "logistics", map[string]any{"file": "x"}); status != 422 {
		t.Fatalf("JSON body: %d %s", status, body)
	}

	// Roles.
	if status, body = is.Send(importRequest(t, is.Tokens["member"], "d.csv", []byte("sku,serial\nTAB-1,Z-1\n"), is.loc)); status != 403 {
		t.Fatalf("member: %d %s", status, body)
	}
	if status, _ = is.Send(importRequest(t, is.Tokens["admin"], "d.csv", []byte("sku,serial\nTAB-1,Z-1\n"), is.loc)); status != 403 {
		t.Fatalf("admin: %d", status)
	}
	if status, _ = is.Do("GET", fmt.Sprintf("%s/imports/%d", httpx.Base, got.ImportID), "member", nil); status != 403 {
		t.Fatalf("member reads import: %d", status)
	}
	if status, _ = is.Do("GET", httpx.Base+"/imports/424242", "logistics", nil); status != 404 {
		t.Fatalf("unknown import: %d", status)
	}
}

func TestImportDevicesAPIQueuesLargeFiles(t *testing.T) {
	is := newImportServer(t)
	var b bytes.Buffer
	b.WriteString("sku,serial\n")
	n := inventory.ImportSyncRows + 1
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "TAB-1,Q-%06d\n", i)
	}
	status, body := is.Send(importRequest(t, is.Tokens["logistics"], "big.csv", b.Bytes(), is.loc))
	if status != 202 {
		t.Fatalf("large import: %d %s", status, body)
	}
	var q struct {
		ImportID  int64  `json:"import_id"`
		Status    string `json:"status"`
		RowsTotal int    `json:"rows_total"`
	}
	webtest.DecodeInto(t, body, &q)
	if q.ImportID == 0 || q.Status != "queued" || q.RowsTotal != n {
		t.Fatalf("answer = %s", body)
	}
	status, body = is.Do("GET", fmt.Sprintf("%s/imports/%d", httpx.Base, q.ImportID), "logistics", nil)
	var imp struct {
		ID        int64  `json:"id"`
		Status    string `json:"status"`
		RowsTotal int    `json:"rows_total"`
		RowsDone  int    `json:"rows_done"`
		Filename  string `json:"filename"`
	}
	webtest.DecodeInto(t, body, &imp)
	if status != 200 || imp.ID != q.ImportID || imp.Status != "queued" || imp.RowsTotal != n || imp.RowsDone != 0 || imp.Filename != "big.csv" {
		t.Fatalf("get import: %d %s", status, body)
	}
	if strings.Contains(string(body), "file_data") {
		t.Fatalf("the file leaks into the answer: %.200s", body)
	}
}

func TestImportErrorsWorkbookAPI(t *testing.T) {
	is := newImportServer(t)
	status, body := is.Send(importRequest(t, is.Tokens["logistics"], "d.csv", []byte("sku,serial\nTAB-1,A\nTAB-1,A\n,B\n"), is.loc))
	if status != 422 {
		t.Fatalf("import: %d %s", status, body)
	}
	// The failed import is recorded; its errors come as a workbook.
	status, body = is.Do("GET", httpx.Base+"/imports/1", "finance", nil)
	if status != 200 || !strings.Contains(string(body), `"status":"failed"`) || !strings.Contains(string(body), `"error_count":2`) {
		t.Fatalf("get failed import: %d %s", status, body)
	}
	req := httptest.NewRequest("GET", httpx.Base+"/imports/1/errors.xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+is.Tokens["logistics"])
	resp, err := is.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("errors.xlsx: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 3 || !slices.Equal(rows[0], []string{"row", "field", "message"}) || rows[1][1] != "rows[3].serial" || rows[2][1] != "rows[4].sku" {
		t.Fatalf("workbook = %q", rows)
	}
	if status, _ = is.Do("GET", httpx.Base+"/imports/77/errors.xlsx", "logistics", nil); status != 404 {
		t.Fatalf("unknown import workbook: %d", status)
	}
}

// The opening balance over HTTP, as an integration would send it: no location, admin
// or logistics; devices deployed for the member and citizen since the day given, the
// first event dated that day; bad rows named by their row in the file.
func TestImportOpeningBalanceAPI(t *testing.T) {
	is := newImportServer(t)
	bad := []byte("sku,serial,member_code,citizen_ref,deployed_on\nTAB-1,OB-1,751,B-1,2024-03-01\nTAB-1,OB-2,999,B-2,2024-03-01\nTAB-1,OB-3,751,0101701234,2024-03-01\n")
	status, body := is.Send(importRequest(t, is.Tokens["admin"], "opening.csv", bad, ""))
	if status != 422 || !slices.Equal(problemFields(t, body), []string{"rows[3].member_code", "rows[4].citizen_ref"}) {
		t.Fatalf("bad opening balance: %d %s", status, body)
	}
	good := []byte("sku,serial,member_code,citizen_ref,deployed_on\nTAB-1,OB-1,751,B-1,2024-03-01\nTAB-1,OB-2,657,H-1,2025-06-15\n")
	if status, body = is.Send(importRequest(t, is.Tokens["member"], "opening.csv", good, "")); status != 403 {
		t.Fatalf("a member imports an opening balance: %d %s", status, body)
	}
	status, body = is.Send(importRequest(t, is.Tokens["logistics"], "opening.csv", good, ""))
	if status != 201 || !strings.Contains(string(body), `"devices_created":2`) {
		t.Fatalf("opening balance: %d %s", status, body)
	}
	status, body = is.Do("GET", httpx.Base+"/devices?serial=OB-1", "logistics", nil)
	var list struct {
		Items []inventory.Device `json:"items"`
	}
	webtest.DecodeInto(t, body, &list)
	if status != 200 || len(list.Items) != 1 {
		t.Fatalf("OB-1: %d %s", status, body)
	}
	d := list.Items[0]
	if d.State != inventory.Deployed || d.MemberID == nil || *d.MemberID != is.Members["751"].ID || d.CitizenRef == nil || *d.CitizenRef != "B-1" {
		t.Fatalf("OB-1 = %+v; want deployed for 751's citizen B-1", d)
	}
	status, body = is.Do("GET", fmt.Sprintf("%s/devices/%d/events", httpx.Base, d.ID), "logistics", nil)
	var evs struct {
		Items []inventory.Event `json:"items"`
	}
	webtest.DecodeInto(t, body, &evs)
	cph, _ := time.LoadLocation("Europe/Copenhagen")
	if status != 200 || len(evs.Items) != 1 || evs.Items[0].To != string(inventory.Deployed) || evs.Items[0].At.In(cph).Format("2006-01-02") != "2024-03-01" {
		t.Fatalf("OB-1's history: %d %s; want one deployed event on its day", status, body)
	}
	// The member sees its device, the other member does not.
	if status, _ = is.Do("GET", fmt.Sprintf("%s/devices/%d", httpx.Base, d.ID), "member", nil); status != 200 {
		t.Errorf("751's user reads its opening-balance device: %d", status)
	}
	if status, _ = is.Do("GET", fmt.Sprintf("%s/devices/%d", httpx.Base, d.ID), "member2", nil); status != 404 {
		t.Errorf("657's user reads 751's device: %d, want 404", status)
	}
}
