package contracts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

// fixture is a test server with two vendors (the user "vendor" belongs to the first),
// a scheme and a product.
type fixture struct {
	*webtest.Server
	vendor, other int64 // vendor ids
	scheme        int64
	product       int64
	today         civil.Date
}

func newFixture(t *testing.T) *fixture {
	ts := webtest.New(t)
	f := &fixture{Server: ts, today: civil.Today()}
	f.vendor = f.create("/api/v1/vendors", "admin", map[string]any{"name": "Nordisk Telemedicin A/S", "cvr": "31415926", "email": "ordre@nt.example"})
	f.other = f.create("/api/v1/vendors", "admin", map[string]any{"name": "DoseVagt ApS", "cvr": "16180335"})
	f.scheme = f.create("/api/v1/schemes", "admin", map[string]any{"code": "copd", "name": "KOL"})
	f.product = f.create("/api/v1/products", "logistics", map[string]any{"sku": "TAB", "name": "Tablet", "category": "tablet", "tracking": "serial"})
	ts.AddUser("vendor", auth.RoleVendor, nil, &f.vendor)
	return f
}

// create posts body as user, expects 201 and returns the id.
func (f *fixture) create(path, user string, body any) int64 {
	f.T.Helper()
	st, b := f.Do("POST", path, user, body)
	if st != 201 {
		f.T.Fatalf("POST %s as %s: %d %s", path, user, st, b)
	}
	var out struct{ ID int64 }
	webtest.DecodeInto(f.T, b, &out)
	return out.ID
}

type contractOut struct {
	contracts.ContractDetail
	Status         string `json:"status"`
	NoticeDeadline string `json:"notice_deadline"`
	EndsOn         string `json:"ends_on"`
}

func (f *fixture) contract(user string, body map[string]any) (int, contractOut, []byte) {
	f.T.Helper()
	st, b := f.Do("POST", "/api/v1/contracts", user, body)
	var c contractOut
	if st == 201 {
		webtest.DecodeInto(f.T, b, &c)
	}
	return st, c, b
}

func (f *fixture) get(path, user string, v any) {
	f.T.Helper()
	st, b := f.Do("GET", path, user, nil)
	if st != 200 {
		f.T.Fatalf("GET %s as %s: %d %s", path, user, st, b)
	}
	webtest.DecodeInto(f.T, b, v)
}

func expectStatus(t *testing.T, what string, st int, b []byte, want int) {
	t.Helper()
	if st != want {
		t.Fatalf("%s: %d, want %d: %s", what, st, want, b)
	}
}

func TestVendorsAPI(t *testing.T) {
	f := newFixture(t)
	st, b := f.Do("POST", "/api/v1/vendors", "admin", map[string]any{"name": "X", "cvr": "12345678"})
	webtest.ExpectFields(t, st, b, "cvr")
	st, b = f.Do("POST", "/api/v1/vendors", "admin", map[string]any{"name": "", "cvr": "1234", "email": "nope"})
	webtest.ExpectFields(t, st, b, "name", "cvr", "email")
	st, b = f.Do("POST", "/api/v1/vendors", "admin", map[string]any{"name": "Twin", "cvr": "31415926"})
	expectStatus(t, "CVR twice", st, b, 409)
	st, b = f.Do("POST", "/api/v1/vendors", "admin", map[string]any{"name": "X", "cvr": "10000009", "vat": "x"})
	webtest.ExpectFields(t, st, b, "vat")
	st, b = f.Do("POST", "/api/v1/vendors", "finance", map[string]any{"name": "X", "cvr": "10000009"})
	expectStatus(t, "finance creates", st, b, 403)

	var list httpx.List[contracts.Vendor]
	f.get("/api/v1/vendors", "support", &list)
	if len(list.Items) != 2 {
		t.Fatalf("staff list: %+v", list.Items)
	}
	f.get("/api/v1/vendors?limit=1", "admin", &list)
	if len(list.Items) != 1 || list.NextCursor == "" {
		t.Fatalf("page 1: %+v", list)
	}
	var v contracts.Vendor
	f.get(fmt.Sprintf("/api/v1/vendors/%d", f.other), "finance", &v)
	if v.Name != "DoseVagt ApS" || v.CVR != "16180335" {
		t.Fatalf("vendor: %+v", v)
	}
	st, b = f.Do("PATCH", fmt.Sprintf("/api/v1/vendors/%d", f.other), "admin", map[string]any{"phone": "+45 70 10 20 30", "cvr": "bad"})
	webtest.ExpectFields(t, st, b, "cvr")
	st, b = f.Do("PATCH", fmt.Sprintf("/api/v1/vendors/%d", f.other), "admin", map[string]any{"cvr": "31415926"})
	expectStatus(t, "PATCH to a CVR in use", st, b, 409)
	st, b = f.Do("PATCH", fmt.Sprintf("/api/v1/vendors/%d", f.other), "admin", map[string]any{"phone": "+45 70 10 20 30"})
	expectStatus(t, "PATCH phone", st, b, 200)

	// A member user sees no vendor.
	st, b = f.Do("GET", "/api/v1/vendors", "member", nil)
	expectStatus(t, "member lists vendors", st, b, 403)
}

func TestVendorUserSeesOnlyItsOwn(t *testing.T) {
	f := newFixture(t)
	mine := f.create("/api/v1/contracts", "admin", map[string]any{"number": "K-1", "title": "Tablets", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})
	theirs := f.create("/api/v1/contracts", "admin", map[string]any{"number": "K-2", "title": "Dispensers", "vendor_id": f.other,
		"starts_on": "2025-01-01", "ends_on": "2029-12-31", "notice_months": 6})

	var vs httpx.List[contracts.Vendor]
	f.get("/api/v1/vendors", "vendor", &vs)
	if len(vs.Items) != 1 || vs.Items[0].ID != f.vendor {
		t.Fatalf("vendor's vendors: %+v", vs.Items)
	}
	f.get(fmt.Sprintf("/api/v1/vendors/%d", f.vendor), "vendor", &contracts.Vendor{})
	for _, path := range []string{fmt.Sprintf("/api/v1/vendors/%d", f.other), fmt.Sprintf("/api/v1/contracts/%d", theirs), "/api/v1/vendors/99999"} {
		st, b := f.Do("GET", path, "vendor", nil)
		expectStatus(t, "vendor reads "+path, st, b, 404)
	}
	st, b := f.Do("PATCH", fmt.Sprintf("/api/v1/vendors/%d", f.other), "vendor", map[string]any{"phone": "+45 11 22 33 44"})
	expectStatus(t, "vendor patches another", st, b, 404)
	st, b = f.Do("PATCH", fmt.Sprintf("/api/v1/vendors/%d", f.vendor), "vendor", map[string]any{"contact": "Mette Lund"})
	expectStatus(t, "vendor patches own contact", st, b, 200)
	st, b = f.Do("PATCH", fmt.Sprintf("/api/v1/vendors/%d", f.vendor), "vendor", map[string]any{"name": "Renamed"})
	expectStatus(t, "vendor renames itself", st, b, 403)

	var cs httpx.List[contracts.Contract]
	f.get("/api/v1/contracts", "vendor", &cs)
	if len(cs.Items) != 1 || cs.Items[0].ID != mine {
		t.Fatalf("vendor's contracts: %+v", cs.Items)
	}
	// Asking for another vendor's contracts by filter gives nothing, not them.
	f.get(fmt.Sprintf("/api/v1/contracts?vendor_id=%d", f.other), "vendor", &cs)
	if len(cs.Items) != 0 {
		t.Fatalf("vendor filtered on another: %+v", cs.Items)
	}
	var d contracts.ContractDetail
	f.get(fmt.Sprintf("/api/v1/contracts/%d", mine), "vendor", &d)
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/contracts"}, {"POST", fmt.Sprintf("/api/v1/contracts/%d/extend", mine)},
		{"POST", fmt.Sprintf("/api/v1/contracts/%d/prices", mine)}, {"POST", "/api/v1/vendors"},
		{"GET", "/api/v1/stock"}, {"GET", "/api/v1/users"},
	} {
		st, b := f.Do(c.method, c.path, "vendor", map[string]any{})
		if st != 403 {
			t.Errorf("vendor %s %s: %d, want 403: %s", c.method, c.path, st, b)
		}
	}
}

func TestUsersWithVendorRole(t *testing.T) {
	f := newFixture(t)
	st, b := f.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "v2@example.dk", "name": "V", "password": webtest.Password, "role": "vendor"})
	webtest.ExpectFields(t, st, b, "vendor_id")
	st, b = f.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "v3@example.dk", "name": "V", "password": webtest.Password, "role": "support", "vendor_id": f.vendor})
	webtest.ExpectFields(t, st, b, "vendor_id")
	st, b = f.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "v4@example.dk", "name": "V", "password": webtest.Password, "role": "vendor", "vendor_id": 99999})
	webtest.ExpectFields(t, st, b, "vendor_id")
	st, b = f.Do("POST", "/api/v1/users", "admin", map[string]any{"email": "v5@example.dk", "name": "V", "password": webtest.Password, "role": "vendor", "vendor_id": f.other})
	expectStatus(t, "vendor user", st, b, 201)
	if strings.Contains(string(b), "password") || !strings.Contains(string(b), fmt.Sprintf(`"vendor_id":%d`, f.other)) {
		t.Fatalf("user: %s", b)
	}
}

func TestContractsAPI(t *testing.T) {
	f := newFixture(t)
	st, c, b := f.contract("finance", map[string]any{"number": "FSC-1", "title": "KOL-udstyr", "vendor_id": f.vendor, "scheme_id": f.scheme,
		"tender_ref": "EU 2021/S 1", "starts_on": "2024-06-01", "ends_on": "2099-05-31", "notice_months": 3,
		"extensions": []map[string]any{{"months": 12}, {"months": 9}}, "sla": map[string]any{"response_hours": 4, "resolution_hours": 24}})
	expectStatus(t, "create", st, b, 201)
	if c.Status != "active" || c.NoticeDeadline != "2099-02-28" || c.ExtensionsLeft != 2 || c.SLA == nil || c.SLA.ResolutionHours != 24 ||
		c.Prices == nil || c.Participants == nil {
		t.Fatalf("created: %s", b)
	}
	// Month clamping: 31 May minus 3 months is 29 February in a leap year.
	_, leap, b := f.contract("admin", map[string]any{"number": "FSC-2", "title": "T", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2096-05-31", "notice_months": 3, "extensions": []map[string]any{{"months": 1}}})
	if leap.NoticeDeadline != "2096-02-29" {
		t.Fatalf("leap-year clamp: %s", b)
	}

	st, _, b = f.contract("admin", map[string]any{"number": "FSC-1", "title": "Again", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2026-01-01", "notice_months": 3})
	expectStatus(t, "number twice", st, b, 409)
	st, _, b = f.contract("admin", map[string]any{"number": "FSC-3", "title": "Backwards", "vendor_id": f.vendor,
		"starts_on": "2025-01-02", "ends_on": "2025-01-01", "notice_months": 3})
	webtest.ExpectFields(t, st, b, "ends_on")
	st, _, b = f.contract("admin", map[string]any{"number": "", "title": "", "vendor_id": 99999, "scheme_id": 99999,
		"starts_on": "2025-01-01", "ends_on": "2026-01-01", "extensions": []map[string]any{{"months": 0}}})
	webtest.ExpectFields(t, st, b, "number", "title", "notice_months", "extensions[0].months")
	st, _, b = f.contract("admin", map[string]any{"number": "FSC-4", "title": "T", "vendor_id": 99999, "scheme_id": 99999,
		"starts_on": "2025-01-01", "ends_on": "2026-01-01", "notice_months": 1})
	webtest.ExpectFields(t, st, b, "vendor_id", "scheme_id")
	st, _, b = f.contract("admin", map[string]any{"number": "FSC-5", "title": "T", "vendor_id": f.vendor, "starts_on": "2025-13-01",
		"ends_on": "2026-01-01", "notice_months": 1})
	webtest.ExpectFields(t, st, b, "starts_on")
	st, _, b = f.contract("support", map[string]any{})
	expectStatus(t, "support creates", st, b, 403)

	// Statuses by today's date.
	_, up, _ := f.contract("admin", map[string]any{"number": "UP", "title": "T", "vendor_id": f.other,
		"starts_on": f.today.AddDays(10).String(), "ends_on": f.today.AddMonths(24).String(), "notice_months": 6})
	_, old, _ := f.contract("admin", map[string]any{"number": "OLD", "title": "T", "vendor_id": f.other,
		"starts_on": "2019-01-01", "ends_on": f.today.AddDays(-1).String(), "notice_months": 6})
	if up.Status != "upcoming" || old.Status != "expired" {
		t.Fatalf("statuses: %s %s", up.Status, old.Status)
	}
	// Ends within 90 days / notice deadline within 90 days / neither.
	_, ending, _ := f.contract("admin", map[string]any{"number": "END", "title": "T", "vendor_id": f.other,
		"starts_on": "2020-01-01", "ends_on": f.today.AddDays(80).String(), "notice_months": 0})
	_, notice, _ := f.contract("admin", map[string]any{"number": "NOTICE", "title": "T", "vendor_id": f.other,
		"starts_on": "2020-01-01", "ends_on": f.today.AddDays(30).AddMonths(6).String(), "notice_months": 6})

	ids := func(path, user string) []int64 {
		t.Helper()
		var l httpx.List[contracts.Contract]
		f.get(path, user, &l)
		out := []int64{}
		for _, c := range l.Items {
			out = append(out, c.ID)
		}
		return out
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	same("expiring_within_days=90", ids("/api/v1/contracts?expiring_within_days=90", "support"), ending.ID, notice.ID)
	same("expiring_within_days=0", ids("/api/v1/contracts?expiring_within_days=0", "admin"))
	same("status=upcoming", ids("/api/v1/contracts?status=upcoming", "admin"), up.ID)
	same("status=expired", ids("/api/v1/contracts?status=expired", "admin"), old.ID)
	same("scheme_id", ids(fmt.Sprintf("/api/v1/contracts?scheme_id=%d", f.scheme), "admin"), c.ID)
	same("vendor_id", ids(fmt.Sprintf("/api/v1/contracts?vendor_id=%d", f.vendor), "logistics"), c.ID, leap.ID)
	same("sort=deadline", ids(fmt.Sprintf("/api/v1/contracts?vendor_id=%d&sort=deadline", f.other), "admin"), old.ID, notice.ID, ending.ID, up.ID)
	st, b = f.Do("GET", "/api/v1/contracts?status=done&expiring_within_days=-1&vendor_id=x&sort=up", "admin", nil)
	webtest.ExpectFields(t, st, b, "status", "expiring_within_days", "vendor_id", "sort")
	st, b = f.Do("GET", "/api/v1/contracts?expiring_within_days=lots", "admin", nil)
	webtest.ExpectFields(t, st, b, "expiring_within_days")
	st, b = f.Do("GET", "/api/v1/contracts", "member", nil)
	expectStatus(t, "member lists", st, b, 200)
	same("member without participation", ids("/api/v1/contracts", "member"))

	// Extending: the next option, ends_on and notice_deadline follow; then none is left.
	st, b = f.Do("POST", fmt.Sprintf("/api/v1/contracts/%d/extend", leap.ID), "finance", nil)
	expectStatus(t, "extend", st, b, 200)
	var ext contractOut
	webtest.DecodeInto(t, b, &ext)
	if ext.EndsOn != "2096-06-30" || ext.NoticeDeadline != "2096-03-30" || ext.ExtensionsLeft != 0 || len(ext.Extensions) != 1 || !ext.Extensions[0].Used() {
		t.Fatalf("extended: %s", b)
	}
	st, b = f.Do("POST", fmt.Sprintf("/api/v1/contracts/%d/extend", leap.ID), "admin", nil)
	expectStatus(t, "extend with none left", st, b, 409)
	st, b = f.Do("POST", "/api/v1/contracts/99999/extend", "admin", nil)
	expectStatus(t, "extend unknown", st, b, 404)
	st, b = f.Do("POST", fmt.Sprintf("/api/v1/contracts/%d/extend", c.ID), "logistics", nil)
	expectStatus(t, "logistics extends", st, b, 403)

	// 31 January plus one month is 28 February; its notice deadline clamps again.
	_, jan, _ := f.contract("admin", map[string]any{"number": "JAN", "title": "T", "vendor_id": f.vendor,
		"starts_on": "2025-01-01", "ends_on": "2097-01-31", "notice_months": 1, "extensions": []map[string]any{{"months": 1}}})
	if jan.NoticeDeadline != "2096-12-31" {
		t.Fatalf("jan deadline: %s", jan.NoticeDeadline)
	}
	st, b = f.Do("POST", fmt.Sprintf("/api/v1/contracts/%d/extend", jan.ID), "admin", nil)
	webtest.DecodeInto(t, b, &ext)
	if st != 200 || ext.EndsOn != "2097-02-28" || ext.NoticeDeadline != "2097-01-28" {
		t.Fatalf("31 Jan + 1 month: %d %s", st, b)
	}

	st, b = f.Do("PATCH", fmt.Sprintf("/api/v1/contracts/%d", c.ID), "admin", map[string]any{"notice_months": 6, "title": "KOL"})
	webtest.DecodeInto(t, b, &ext)
	if st != 200 || ext.NoticeDeadline != "2098-11-30" || ext.Title != "KOL" {
		t.Fatalf("patch notice months: %d %s", st, b)
	}
	st, b = f.Do("PATCH", fmt.Sprintf("/api/v1/contracts/%d", c.ID), "admin", map[string]any{"ends_on": "2100-01-01"})
	webtest.ExpectFields(t, st, b, "ends_on")
}
