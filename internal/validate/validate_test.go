package validate

import (
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
)

func TestGS1(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"5798000416604", true}, // a public Danish GLN
		{"5798000416605", false},
		{"579800041660", false},
		{"57980004166045", false},
		{"579800041660a", false},
		{"", false},
		{"4006381333931", true}, // textbook EAN-13
	} {
		if got := GS1(tc.in); got != tc.want {
			t.Errorf("GS1(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestLooksLikeCPR(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"0101701234", true},
		{"010170-1234", true},
		{"010170 1234", true},
		{"borger 3112991234 x", true},
		{"3213701234", false}, // month 13 is no date
		{"0001701234", false},
		{"AAR-2024-0042", false},
		{"12345", false},
		{"01017012345", false}, // eleven digits are not a CPR number
		{"", false},
	} {
		if got := LooksLikeCPR(tc.in); got != tc.want {
			t.Errorf("LooksLikeCPR(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestStructNamesJSONFields(t *testing.T) {
	type line struct {
		SKU string `json:"sku" validate:"required"`
	}
	type in struct {
		EAN   string `json:"ean" validate:"gln"`
		Ref   string `json:"citizen_ref" validate:"notcpr"`
		Lines []line `json:"lines" validate:"dive"`
	}
	err := Struct(in{EAN: "1", Ref: "010170-1234", Lines: []line{{}, {SKU: "x"}}})
	var e *apperr.Error
	if !asErr(err, &e) {
		t.Fatalf("err = %v", err)
	}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, want := range []string{"ean", "citizen_ref", "lines[0].sku"} {
		if !got[want] {
			t.Errorf("missing field error %q in %v", want, e.Fields)
		}
	}
	if len(e.Fields) != 3 {
		t.Errorf("fields = %v", e.Fields)
	}
}

func FuzzLooksLikeCPR(f *testing.F) {
	f.Add("010170-1234")
	f.Add("abc")
	f.Fuzz(func(t *testing.T, s string) {
		_ = LooksLikeCPR(s)
		_ = GS1(s)
	})
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}

func TestStructGivesCodesAndArgs(t *testing.T) {
	type figures struct {
		Name              string `json:"name" validate:"required,max=5"`
		Inhabitants       int64  `json:"inhabitants"`
		Inhabitants65Plus int64  `json:"inhabitants_65_plus" validate:"gte=0,ltefield=Inhabitants"`
		Postcode          string `json:"postcode" validate:"dkpostcode"`
	}
	err := Struct(figures{Name: "too long", Inhabitants: 10, Inhabitants65Plus: 11, Postcode: "12"})
	var e *apperr.Error
	if !asErr(err, &e) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]struct {
		code apperr.Code
		args string
	}{
		"name":                {apperr.TooLong, "5"},
		"inhabitants_65_plus": {apperr.NotAbove, "inhabitants"},
		"postcode":            {apperr.Postcode, ""},
	}
	for _, f := range e.Fields {
		w, ok := want[f.Field]
		if !ok {
			t.Errorf("unexpected field error %+v", f)
			continue
		}
		if f.Code != w.code || strings.Join(f.Args, ",") != w.args {
			t.Errorf("%s: code %s args %q, want %s %q", f.Field, f.Code, f.Args, w.code, w.args)
		}
		delete(want, f.Field)
	}
	if len(want) > 0 {
		t.Errorf("missing field errors %v", want)
	}
}

func TestCitizenRefCodes(t *testing.T) {
	for ref, code := range map[string]apperr.Code{"": apperr.Required, "010170-1234": apperr.CPR, strings.Repeat("a", 65): apperr.TooLong} {
		p := CitizenRef("citizen_ref", ref)
		if p == nil || p.Code != code || p.Field != "citizen_ref" {
			t.Errorf("CitizenRef(%q) = %+v, want code %s", ref, p, code)
		}
	}
	if p := CitizenRef("citizen_ref", "case-42"); p != nil {
		t.Errorf("a good reference gave %+v", p)
	}
}
