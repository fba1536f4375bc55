package reports_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
)

type line struct {
	Kind       string `json:"kind"`
	SchemeID   *int64 `json:"scheme_id"`
	ContractID *int64 `json:"contract_id"`
	ProductID  *int64 `json:"product_id"`
	CostPoolID *int64 `json:"cost_pool_id"`
	Quantity   int64  `json:"quantity"`
	UnitOre    int64  `json:"unit_ore"`
	AmountOre  int64  `json:"amount_ore"`
}

type statement struct {
	MemberID int64  `json:"member_id"`
	Period   string `json:"period"`
	TotalOre int64  `json:"total_ore"`
	Lines    []line `json:"lines"`
}

type run struct {
	ID         int64  `json:"id"`
	Period     string `json:"period"`
	Status     string `json:"status"`
	TotalOre   int64  `json:"total_ore"`
	Statements []struct {
		MemberID int64 `json:"member_id"`
		TotalOre int64 `json:"total_ore"`
	} `json:"statements"`
	Unbilled []struct {
		Kind     string `json:"kind"`
		MemberID *int64 `json:"member_id"`
		Quantity int64  `json:"quantity"`
	} `json:"unbilled"`
}

func TestBillingPinned(t *testing.T) {
	ts := webtest.New(t)
	s := newSeed(t, ts)

	// Allocation keys: every bad field named, a code in use 409, finance only.
	st, body := ts.Do("POST", "/api/v1/allocation-keys", "finance", map[string]any{"code": "BAD", "name": "x",
		"fixed":   []map[string]any{{"member_id": s.m751, "share_bp": 9000}, {"member_id": s.m657, "share_bp": 2000}, {"member_id": 999999, "share_bp": -1}},
		"weights": map[string]any{"usage": -1}})
	webtest.ExpectFields(t, st, body, "fixed", "fixed[2].share_bp", "fixed[2].member_id", "weights.usage")
	st, body = ts.Do("POST", "/api/v1/allocation-keys", "finance", map[string]any{"code": "ZERO", "name": "x", "weights": map[string]any{}})
	webtest.ExpectFields(t, st, body, "weights")
	st, body = ts.Do("POST", "/api/v1/allocation-keys", "finance", map[string]any{"code": "ALL", "name": "x", "fixed": []map[string]any{{"member_id": s.m751, "share_bp": 10000}}})
	mustStatus(t, "fixed shares of 10000 without weights", st, body, 201)
	st, body = ts.Do("POST", "/api/v1/allocation-keys", "finance", map[string]any{"code": "INDB", "name": "x", "weights": map[string]any{"equal": 1}})
	mustStatus(t, "a code in use", st, body, 409)
	st, body = ts.Do("POST", "/api/v1/allocation-keys", "finance", map[string]any{"code": "X", "name": "x", "weights": map[string]any{"equal": 1}, "extra": 1})
	webtest.ExpectFields(t, st, body, "extra")
	if st, _ := ts.Do("POST", "/api/v1/allocation-keys", "admin", map[string]any{"code": "A", "name": "x", "weights": map[string]any{"equal": 1}}); st != 403 {
		t.Errorf("admin creates a key: %d, want 403", st)
	}
	if st, body := ts.Do("GET", "/api/v1/allocation-keys", "admin", nil); st != 200 || !strings.Contains(string(body), `"code":"INDB"`) {
		t.Errorf("keys as admin: %d %s", st, body)
	}

	// Preview: split exactly, nothing stored; the odd øre to the lower code.
	st, body = ts.Do("POST", "/api/v1/allocations/preview", "finance", map[string]any{"allocation_key_id": s.key, "scheme_id": s.scheme, "period": period, "amount_ore": 10001})
	var pv struct {
		Shares []struct {
			MemberID  int64  `json:"member_id"`
			AmountOre int64  `json:"amount_ore"`
			Fraction  string `json:"fraction"`
		} `json:"shares"`
	}
	webtest.DecodeInto(t, body, &pv)
	if st != 200 || len(pv.Shares) != 2 || pv.Shares[0].MemberID != s.m657 || pv.Shares[0].AmountOre != 5001 || pv.Shares[1].AmountOre != 5000 || pv.Shares[1].Fraction != "1/2" {
		t.Fatalf("preview: %d %s", st, body)
	}
	st, body = ts.Do("POST", "/api/v1/allocations/preview", "finance", map[string]any{"allocation_key_id": 999, "scheme_id": 999, "period": "2026-13", "amount_ore": 1})
	webtest.ExpectFields(t, st, body, "allocation_key_id", "scheme_id", "period")

	// Cost pools.
	st, body = ts.Do("POST", "/api/v1/cost-pools", "finance", map[string]any{"scheme_id": s.scheme, "period": "oct", "name": "", "amount_ore": -1, "allocation_key_id": 0})
	webtest.ExpectFields(t, st, body, "period", "name", "amount_ore", "allocation_key_id")
	if st, body := ts.Do("GET", "/api/v1/cost-pools?period="+period, "finance", nil); st != 200 || !strings.Contains(string(body), `"name":"Personale"`) || !strings.Contains(string(body), `"amount_ore":10001`) {
		t.Errorf("pools: %d %s", st, body)
	}

	// Runs: the future refused, then 202 computing.
	st, body = ts.Do("POST", "/api/v1/billing-runs", "finance", map[string]any{"period": "2099-01"})
	webtest.ExpectFields(t, st, body, "period")
	st, body = ts.Do("POST", "/api/v1/billing-runs", "finance", map[string]any{"period": period})
	var r run
	webtest.DecodeInto(t, body, &r)
	if st != 202 || r.Status != "computing" || r.Period != period || r.ID == 0 {
		t.Fatalf("start run: %d %s", st, body)
	}
	runJobs(t, ts)
	base := fmt.Sprintf("/api/v1/billing-runs/%d", r.ID)
	st, body = ts.Do("GET", base, "admin", nil)
	webtest.DecodeInto(t, body, &r)
	// 751: 42 device-days × 310,00 ÷ 31 = 420,00; a shipment 50,00; half the pool 50,00; credit −5,00.
	if st != 200 || r.Status != "draft" || r.TotalOre != 51500+5001 || len(r.Statements) != 2 {
		t.Fatalf("draft run: %d %s", st, body)
	}
	if len(r.Unbilled) != 1 || r.Unbilled[0].Kind != "usage" || *r.Unbilled[0].MemberID != s.m657 || r.Unbilled[0].Quantity != 31 {
		t.Errorf("unbilled %+v, want 657's 31 device-days", r.Unbilled)
	}
	stmt := func(user string, member int64, want int) statement {
		t.Helper()
		st, body := ts.Do("GET", fmt.Sprintf("%s/statements/%d", base, member), user, nil)
		if st != want {
			t.Fatalf("statement of %d as %s: %d, want %d: %s", member, user, st, want, body)
		}
		var out statement
		if st == 200 {
			webtest.DecodeInto(t, body, &out)
			var sum int64
			for _, l := range out.Lines {
				sum += l.AmountOre
			}
			if sum != out.TotalOre {
				t.Errorf("lines add up to %d, total %d", sum, out.TotalOre)
			}
		}
		return out
	}
	a := stmt("finance", s.m751, 200)
	wantLines := []line{
		{Kind: "usage", Quantity: 42, UnitOre: 31000, AmountOre: 42000},
		{Kind: "event", Quantity: 1, UnitOre: 5000, AmountOre: 5000},
		{Kind: "shared", Quantity: 1, UnitOre: 5000, AmountOre: 5000},
		{Kind: "adjustment", Quantity: 1, UnitOre: -500, AmountOre: -500},
	}
	if len(a.Lines) != len(wantLines) || a.TotalOre != 51500 || a.Period != period {
		t.Fatalf("statement of 751: %+v", a)
	}
	for i, w := range wantLines {
		g := a.Lines[i]
		if g.Kind != w.Kind || g.Quantity != w.Quantity || g.UnitOre != w.UnitOre || g.AmountOre != w.AmountOre {
			t.Errorf("line %d: %+v, want %+v", i, g, w)
		}
	}
	if l := a.Lines[0]; l.ContractID == nil || *l.ContractID != s.contract || l.ProductID == nil || *l.ProductID != s.product || l.SchemeID == nil || *l.SchemeID != s.scheme {
		t.Errorf("usage line names %v %v %v", l.ContractID, l.ProductID, l.SchemeID)
	}
	if l := a.Lines[2]; l.CostPoolID == nil || *l.CostPoolID != s.pool {
		t.Errorf("shared line names pool %v", l.CostPoolID)
	}
	stmt("member", s.m751, 404)  // a draft is not the member's to see
	stmt("member2", s.m751, 404) // nor another member's
	if st, _ := ts.Do("GET", base+"/export.xlsx", "finance", nil); st != 409 {
		t.Errorf("workbook of a draft: %d, want 409", st)
	}
	if st, _ := ts.Do("GET", fmt.Sprintf("%s/invoices/%d.xml", base, s.m751), "finance", nil); st != 409 {
		t.Errorf("invoice of a draft: %d, want 409", st)
	}

	// A second adjustment, recomputed into the draft.
	st, body = ts.Do("POST", "/api/v1/billing-adjustments", "finance", map[string]any{"member_id": s.m657, "period": period, "amount_ore": 99, "description": "Gebyr"})
	mustStatus(t, "adjustment", st, body, 201)
	st, body = ts.Do("POST", base+"/recompute", "finance", nil)
	mustStatus(t, "recompute", st, body, 202)
	runJobs(t, ts)
	if b := stmt("finance", s.m657, 200); b.TotalOre != 5001+99 {
		t.Errorf("657 after recompute: %+v", b)
	}

	// Finalise: then frozen, and 409 for anything that would change the month.
	st, body = ts.Do("POST", base+"/finalize", "finance", nil)
	webtest.DecodeInto(t, body, &r)
	if st != 200 || r.Status != "finalized" {
		t.Fatalf("finalize: %d %s", st, body)
	}
	for what, call := range map[string][3]any{
		"finalize again":             {"POST", base + "/finalize", nil},
		"recompute a finalised run":  {"POST", base + "/recompute", nil},
		"a new run of the month":     {"POST", "/api/v1/billing-runs", map[string]any{"period": period}},
		"an adjustment of the month": {"POST", "/api/v1/billing-adjustments", map[string]any{"member_id": s.m751, "period": period, "amount_ore": 1, "description": "x"}},
	} {
		if st, body := ts.Do(call[0].(string), call[1].(string), "finance", call[2]); st != 409 {
			t.Errorf("%s: %d, want 409: %s", what, st, body)
		}
	}
	stmt("member", s.m751, 200)
	stmt("member", s.m657, 404)

	// Exports: 202 with Retry-After until the job has written them.
	req := httptest.NewRequest("GET", base+"/export.xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+ts.Tokens["finance"])
	resp, err := ts.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 202 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("workbook before the export: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	runJobs(t, ts)
	st, wb := ts.Do("GET", base+"/export.xlsx", "admin", nil)
	if st != 200 {
		t.Fatalf("workbook: %d %s", st, wb)
	}
	f, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		t.Fatal(err)
	}
	sheets := strings.Join(f.GetSheetList(), ",")
	if sheets != "Summary,657,751,Key figures,Devices,Not billed" {
		t.Errorf("sheets %s", sheets)
	}
	if v, _ := f.GetCellValue("751", "J2"); v != "42000" {
		t.Errorf("751!J2 = %q, want the usage line's 42000 øre", v)
	}
	st, x := ts.Do("GET", fmt.Sprintf("%s/invoices/%d.xml", base, s.m751), "member", nil)
	if st != 200 {
		t.Fatalf("own invoice: %d %s", st, x)
	}
	var inv struct {
		XMLName xml.Name
		Lines   []struct{} `xml:"InvoiceLine"`
		Total   struct {
			LineExtension string `xml:"LineExtensionAmount"`
			Payable       string `xml:"PayableAmount"`
		} `xml:"LegalMonetaryTotal"`
	}
	if err := xml.Unmarshal(x, &inv); err != nil {
		t.Fatal(err)
	}
	if inv.XMLName.Local != "Invoice" || len(inv.Lines) != 4 || inv.Total.LineExtension != "515.00" || inv.Total.Payable != "643.75" {
		t.Errorf("invoice %+v", inv)
	}
	if st, _ := ts.Do("GET", fmt.Sprintf("%s/invoices/%d.xml", base, s.m657), "member", nil); st != 404 {
		t.Errorf("another member's invoice: %d, want 404", st)
	}

	// The list, newest first.
	st, body = ts.Do("GET", "/api/v1/billing-runs?limit=1", "finance", nil)
	if st != 200 || !strings.Contains(string(body), `"status":"finalized"`) || !strings.Contains(string(body), `"next_cursor":""`) {
		t.Errorf("runs list: %d %s", st, body)
	}

	// Costs from finalised runs: a member sees its own rows only.
	st, body = ts.Do("GET", "/api/v1/reports/costs?from=2026-10-01&to=2026-10-31", "member", nil)
	var costs struct {
		From  string `json:"from"`
		Items []struct {
			MemberID int64 `json:"member_id"`
			TotalOre int64 `json:"total_ore"`
		} `json:"items"`
	}
	webtest.DecodeInto(t, body, &costs)
	var total int64
	for _, c := range costs.Items {
		if c.MemberID != s.m751 {
			t.Errorf("member sees costs of %d", c.MemberID)
		}
		total += c.TotalOre
	}
	if st != 200 || costs.From != "2026-10-01" || total != 51500 {
		t.Errorf("costs as member: %d %s", st, body)
	}
}

func TestReportsPinned(t *testing.T) {
	ts := webtest.New(t)
	s := newSeed(t, ts)
	for _, name := range []string{"stock", "utilisation", "lead-times", "sla", "failure-rates", "costs"} {
		st, body := ts.Do("GET", "/api/v1/reports/"+name+"?from=2026-10-01&to=2026-10-31", "logistics", nil)
		if st != 200 || !strings.Contains(string(body), `"from":"2026-10-01"`) || !strings.Contains(string(body), `"items":[`) {
			t.Errorf("%s: %d %s", name, st, body)
		}
		st, body = ts.Do("GET", "/api/v1/reports/"+name+".xlsx?from=2026-10-01&to=2026-10-31", "support", nil)
		if st != 200 || !bytes.HasPrefix(body, []byte("PK")) {
			t.Errorf("%s.xlsx: %d", name, st)
		}
	}
	st, body := ts.Do("GET", "/api/v1/reports/utilisation?from=2026-10-01&to=2026-10-31", "admin", nil)
	// 73 device-days; the devices have no receipt event, so they are owned from their first event.
	if st != 200 || !strings.Contains(string(body), `"owned_days":73`) || !strings.Contains(string(body), `"deployed_days":73`) {
		t.Errorf("utilisation: %s", body)
	}
	st, body = ts.Do("GET", "/api/v1/reports/failure-rates?from=2026-10-01&to=2026-10-31", "admin", nil)
	if st != 200 || !strings.Contains(string(body), fmt.Sprintf(`"product_id":%d`, s.product)) {
		t.Errorf("failure rates: %s", body)
	}
	st, body = ts.Do("GET", "/api/v1/reports/sla?from=2026-10-31&to=2026-10-01", "admin", nil)
	webtest.ExpectFields(t, st, body, "to")
	st, body = ts.Do("GET", "/api/v1/reports/sla?from=yesterday", "admin", nil)
	webtest.ExpectFields(t, st, body, "from")
	if st, _ := ts.Do("GET", "/api/v1/reports/stock", "member", nil); st != 403 {
		t.Errorf("stock as member: %d, want 403", st)
	}
}
