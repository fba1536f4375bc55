package ui

import "testing"

func TestParseKroner(t *testing.T) {
	for in, want := range map[string]int64{
		"1.234,50": 123450, "1234,5": 123450, "99": 9900, "0,01": 1, ",50": 50, "12.50": 1250, "1.234": 123400,
		"1 234,50 kr.": 123450, "1.234.567,89": 123456789, "7 kr": 700,
	} {
		if got, ok := ParseKroner(in); !ok || got != want {
			t.Errorf("ParseKroner(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "-5", "12,345", "1.23.4", "12,3,4", "1,2.3", "1e3", "12.345,6.7"} {
		if got, ok := ParseKroner(in); ok {
			t.Errorf("ParseKroner(%q) = %d; want it rejected", in, got)
		}
	}
}
