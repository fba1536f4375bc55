package validate

import (
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
)

func TestBounds(t *testing.T) {
	type line struct {
		Serials []string `json:"serials" validate:"max=5,dive,max=8"`
		Qty     *int64   `json:"quantity" validate:"omitempty,gte=1,lte=100"`
	}
	type body struct {
		Name   string   `json:"name" validate:"required,max=10"`
		Free   string   `json:"free"`
		Reason string   `json:"reason"`
		Lines  []line   `json:"lines"`
		IDs    []int64  `json:"ids"`
		N      int64    `json:"n" validate:"gte=0,lte=1000"`
		Tags   []string `json:"tags"`
	}
	n := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		name  string
		in    body
		field string
		code  apperr.Code
	}{
		{"NUL in one-line text", body{Name: "a\x00b"}, "name", apperr.ControlChars},
		{"newline in one-line text", body{Free: "a\nb"}, "free", apperr.ControlChars},
		{"C1 control", body{Free: "a\u0085b"}, "free", apperr.ControlChars},
		{"DEL", body{Free: "a\x7f"}, "free", apperr.ControlChars},
		{"NUL in multi-line text", body{Reason: "a\nb\x00"}, "reason", apperr.ControlChars},
		{"tag max", body{Name: strings.Repeat("é", 11)}, "name", apperr.TooLong},
		{"default max", body{Free: strings.Repeat("x", DefaultMaxLength+1)}, "free", apperr.TooLong},
		{"nested list max", body{Lines: []line{{}, {Serials: make([]string, 6)}}}, "lines[1].serials", apperr.TooMany},
		{"dived string max", body{Lines: []line{{Serials: []string{"ok", "123456789"}}}}, "lines[0].serials[1]", apperr.TooLong},
		{"dived NUL", body{Lines: []line{{Serials: []string{"a\x00"}}}}, "lines[0].serials[0]", apperr.ControlChars},
		{"default items", body{IDs: make([]int64, DefaultMaxItems+1)}, "ids", apperr.TooMany},
	} {
		err := Bounds(&tc.in)
		e, ok := err.(*apperr.Error)
		if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field || e.Fields[0].Code != tc.code {
			t.Errorf("%s: %v, want %s %s", tc.name, err, tc.field, tc.code)
		}
	}
	ok := body{Name: "0123456789", Free: "tab\tis not fine"[:3], Reason: "line one\r\nline\ttwo", N: 1000,
		Lines: []line{{Serials: []string{"12345678"}, Qty: n(100)}}, IDs: make([]int64, DefaultMaxItems), Tags: []string{"æøå"}}
	if err := Bounds(&ok); err != nil {
		t.Fatal(err)
	}
	// A list of many bad strings names a bounded number of them.
	many := body{Tags: make([]string, 900)}
	for i := range many.Tags {
		many.Tags[i] = "\x00"
	}
	if e := Bounds(&many).(*apperr.Error); len(e.Fields) != maxLimitErrors {
		t.Errorf("%d field errors for 900 bad strings", len(e.Fields))
	}
}
