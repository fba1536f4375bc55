package httpx

import (
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
)

func TestDecodeJSONStrict(t *testing.T) {
	type line struct {
		Serials []string `json:"serials"`
		Qty     int      `json:"quantity"`
	}
	type body struct {
		Name  string     `json:"name"`
		On    civil.Date `json:"joined_on"`
		Lines []line     `json:"lines"`
	}
	for _, tc := range []struct {
		in    string
		kind  apperr.Kind
		field string
	}{
		{``, apperr.KindMalformed, ""},
		{`{"name": "x"`, apperr.KindMalformed, ""},
		{`{"name": "x", "extra": 1}`, apperr.KindInvalid, "extra"},
		{`{"lines": [{"quantity": 1}, {"quantity": "two"}]}`, apperr.KindInvalid, "lines[1].quantity"},
		{`{"lines": [{"serials": ["a", 3]}]}`, apperr.KindInvalid, "lines[0].serials[1]"},
		{`{"lines": [{"bogus": true}]}`, apperr.KindInvalid, "lines[0].bogus"},
		{`{"joined_on": "2024-13-01"}`, apperr.KindInvalid, "joined_on"},
		{`[1,2]`, apperr.KindInvalid, "body"},
	} {
		var b body
		err := DecodeJSON([]byte(tc.in), &b)
		if apperr.KindOf(err) != tc.kind {
			t.Errorf("%s: kind = %v (%v), want %v", tc.in, apperr.KindOf(err), err, tc.kind)
			continue
		}
		if tc.field != "" {
			e := err.(*apperr.Error)
			if len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Errorf("%s: fields = %v, want %s", tc.in, e.Fields, tc.field)
			}
		}
	}
	var ok body
	if err := DecodeJSON([]byte(`{"name":"a","joined_on":"2024-01-02","lines":[{"serials":["x"]}]}`), &ok); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"name":"a","joined_on":"2024-01-02"}`))
	f.Add([]byte(`{"lines":[{"quantity":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v struct {
			Name string     `json:"name"`
			On   civil.Date `json:"joined_on"`
			N    *int64     `json:"n"`
		}
		err := DecodeJSON(b, &v)
		if err != nil {
			if k := apperr.KindOf(err); k != apperr.KindInvalid && k != apperr.KindMalformed {
				t.Fatalf("kind %v for %q: %v", k, b, err)
			}
		}
	})
}
