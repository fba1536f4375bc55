package contracts_test

import (
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
)

func TestValidCVR(t *testing.T) {
	// Real CVR numbers (Region Midtjylland, Novo Nordisk, A.P. Møller - Mærsk, Danske
	// Bank, LEGO) and each with its last digit changed.
	for _, good := range []string{"29190925", "24256790", "22756214", "61126228", "54562519", "10150817"} {
		if !contracts.ValidCVR(good) {
			t.Errorf("ValidCVR(%s) = false, want true", good)
		}
		bad := good[:7] + string('0'+(good[7]-'0'+1)%10)
		if contracts.ValidCVR(bad) {
			t.Errorf("ValidCVR(%s) = true, want false (check digit)", bad)
		}
	}
	for _, bad := range []string{"", "2919092", "291909250", "2919092a", "12345678", "11111111", "2919 0925", "-9190925"} {
		if contracts.ValidCVR(bad) {
			t.Errorf("ValidCVR(%q) = true, want false", bad)
		}
	}
}

func TestCreateVendorRules(t *testing.T) {
	f := newFix(t)
	v, err := f.svc.CreateVendor(f.ctx, contracts.NewVendor{Name: " Viewcare A/S ", CVR: "DK 29 19 09 25", Email: "Salg@Viewcare.example", Phone: "+45 70 20 30 40", Contact: "Mette Hansen"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Viewcare A/S" || v.CVR != "29190925" || v.Email != "salg@viewcare.example" {
		t.Fatalf("vendor = %+v, want trimmed name, bare CVR, lower-case e-mail", v)
	}
	_, err = f.svc.CreateVendor(f.ctx, contracts.NewVendor{Name: "Again", CVR: "29190925"})
	wantKind(t, err, apperr.KindConflict, "CVR twice")
	if codesOf(err)["cvr"] != "taken" {
		t.Fatalf("CVR twice: fields %v, want cvr taken", codesOf(err))
	}
	_, err = f.svc.CreateVendor(f.ctx, contracts.NewVendor{Name: "", CVR: "29190926", Email: "nope", Phone: "call me", Contact: "a\x00b"})
	wantKind(t, err, apperr.KindInvalid, "bad vendor")
	want := map[string]string{"name": "required", "cvr": "cvr", "email": "email", "phone": "bad_format", "contact": "control_chars"}
	if got := codesOf(err); len(got) != len(want) {
		t.Fatalf("fields = %v, want %v", got, want)
	} else {
		for k, c := range want {
			if got[k] != c {
				t.Errorf("field %s: code %q, want %q", k, got[k], c)
			}
		}
	}
	if _, err := f.svc.CreateVendor(f.as(auth.Principal{Name: "f", Role: auth.RoleFinance}), contracts.NewVendor{Name: "X", CVR: "24256790"}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("finance creating a vendor: err = %v, want forbidden", err)
	}
}

func TestVendorUpdateAndAudit(t *testing.T) {
	f := newFix(t)
	a := f.vendor(t, "Viewcare A/S", "29190925")
	b := f.vendor(t, "Logistik ApS", "24256790")
	cvr := "29190925"
	_, err := f.svc.UpdateVendor(f.ctx, b.ID, contracts.VendorPatch{CVR: &cvr})
	wantKind(t, err, apperr.KindConflict, "CVR of another vendor")
	bad := "29190926"
	_, err = f.svc.UpdateVendor(f.ctx, b.ID, contracts.VendorPatch{CVR: &bad})
	if codesOf(err)["cvr"] != "cvr" {
		t.Fatalf("bad CVR patch: %v", err)
	}
	contact := "Jens Jensen"
	got, err := f.svc.UpdateVendor(f.ctx, a.ID, contracts.VendorPatch{Contact: &contact})
	if err != nil || got.Contact != contact || got.CVR != a.CVR {
		t.Fatalf("patch contact: %+v, %v", got, err)
	}
	es, _, err := audit.List(f.ctx, audit.Filter{Entity: "vendor", EntityID: a.ID, Limit: 10})
	if err != nil || len(es) != 2 || es[0].Action != "update" {
		t.Fatalf("audit of vendor = %+v, %v; want create and update", es, err)
	}
}

func TestVendorScoping(t *testing.T) {
	f := newFix(t)
	a := f.vendor(t, "Viewcare A/S", "29190925")
	b := f.vendor(t, "Logistik ApS", "24256790")
	va := f.as(auth.Principal{UserID: 7, Name: "salg@viewcare.example", Role: auth.RoleVendor, VendorID: &a.ID})
	if _, err := f.svc.GetVendor(va, a.ID); err != nil {
		t.Fatalf("own vendor: %v", err)
	}
	_, err := f.svc.GetVendor(va, b.ID)
	wantKind(t, err, apperr.KindNotFound, "another vendor")
	vs, next, err := f.svc.ListVendors(va, contracts.VendorFilter{})
	if err != nil || len(vs) != 1 || vs[0].ID != a.ID || next != 0 {
		t.Fatalf("vendor's list = %+v, %d, %v; want only its own", vs, next, err)
	}
	phone := "+45 11 22 33 44"
	if _, err := f.svc.UpdateVendor(va, a.ID, contracts.VendorPatch{Phone: &phone}); err != nil {
		t.Fatalf("vendor changes its phone: %v", err)
	}
	name := "Renamed"
	_, err = f.svc.UpdateVendor(va, a.ID, contracts.VendorPatch{Name: &name})
	wantKind(t, err, apperr.KindForbidden, "vendor renames itself")
	_, err = f.svc.UpdateVendor(va, b.ID, contracts.VendorPatch{Phone: &phone})
	wantKind(t, err, apperr.KindNotFound, "vendor patches another")
	m := f.member(t, "751")
	mc := f.as(auth.Principal{UserID: 8, Name: "n@aarhus.dk", Role: auth.RoleMember, MemberID: &m.ID})
	_, err = f.svc.GetVendor(mc, a.ID)
	wantKind(t, err, apperr.KindForbidden, "member reads a vendor")
	// Keyset pages for staff.
	page1, next, err := f.svc.ListVendors(f.ctx, contracts.VendorFilter{Limit: 1})
	if err != nil || len(page1) != 1 || next == 0 {
		t.Fatalf("page 1 = %v, %d, %v", page1, next, err)
	}
	page2, next, err := f.svc.ListVendors(f.ctx, contracts.VendorFilter{Limit: 1, After: next})
	if err != nil || len(page2) != 1 || page2[0].ID != b.ID || next != 0 {
		t.Fatalf("page 2 = %v, %d, %v", page2, next, err)
	}
}

// Vendor users through auth: vendor_id required for role vendor, refused for others,
// checked against the vendors, and carried into the session's principal.
func TestVendorUsers(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	as := auth.NewService(f.svc, nil)
	pw := "a long enough password"
	_, err := as.CreateUser(f.ctx, auth.NewUser{Email: "v@viewcare.example", Name: "V", Password: pw, Role: auth.RoleVendor})
	if codesOf(err)["vendor_id"] != "required" {
		t.Fatalf("vendor user without vendor: %v", err)
	}
	_, err = as.CreateUser(f.ctx, auth.NewUser{Email: "l@fsc.example", Name: "L", Password: pw, Role: auth.RoleLogistics, VendorID: &v.ID})
	if codesOf(err)["vendor_id"] != "vendor_only_for_vendor_role" {
		t.Fatalf("logistics user with vendor: %v", err)
	}
	unknown := v.ID + 100
	_, err = as.CreateUser(f.ctx, auth.NewUser{Email: "v@viewcare.example", Name: "V", Password: pw, Role: auth.RoleVendor, VendorID: &unknown})
	if codesOf(err)["vendor_id"] != "unknown" {
		t.Fatalf("vendor user of an unknown vendor: %v", err)
	}
	u, err := as.CreateUser(f.ctx, auth.NewUser{Email: "v@viewcare.example", Name: "V", Password: pw, Role: auth.RoleVendor, VendorID: &v.ID})
	if err != nil || u.VendorID == nil || *u.VendorID != v.ID {
		t.Fatalf("vendor user = %+v, %v", u, err)
	}
	sess, err := as.Login(f.ctx, "v@viewcare.example", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := as.Authenticate(f.ctx, sess.Token)
	if err != nil || p.Role != auth.RoleVendor || p.VendorID == nil || *p.VendorID != v.ID {
		t.Fatalf("principal = %+v, %v", p, err)
	}
	// Another role drops the vendor; the database refuses a vendor user without one.
	role := auth.RoleSupport
	u, err = as.UpdateUser(f.ctx, u.ID, auth.UserPatch{Role: &role})
	if err != nil || u.VendorID != nil {
		t.Fatalf("to support = %+v, %v; want vendor_id cleared", u, err)
	}
	err = testenvConn(f).Exec("UPDATE users SET role = 'vendor' WHERE id = ?", u.ID).Error
	if err == nil {
		t.Fatal("database accepted a vendor user without vendor_id")
	}
}
