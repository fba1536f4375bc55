package reports

import (
	"testing"

	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/i18n"
)

// TestSayWords: each kind of argument is written its way in each language, an error by
// its code, and a line or item stored before codes says its English text.
func TestSayWords(t *testing.T) {
	da, en := i18n.For(i18n.DA), i18n.For(i18n.EN)
	split := reports.Words{Code: reports.UnbilledNoSplit, Args: inventory.Args{"Tom", "123450", "USE-EQ", "validation failed; participants: part of the pool has no one to go to", "no_basis"}}
	fixed := reports.Words{Code: reports.LineSharedFixed, Args: inventory.Args{"Personale", "5000", "1000001", "REGION50"}}
	event := reports.Words{Code: reports.LineEventProduct, Args: inventory.Args{"cleaning", "Tablet (TAB-1)", "1200", "2500", "C1"}}
	for _, tc := range []struct {
		l      i18n.Lang
		w      reports.Words
		prefix string
		want   string
	}{
		{da, split, "bill.unbilled.", "puljen »Tom« (1.234,50 kr.) kunne ikke fordeles efter nøgle USE-EQ: en del af puljen har ingen at blive fordelt til"},
		{en, split, "bill.unbilled.", "pool “Tom” (1.234,50 kr.) could not be split by key USE-EQ: part of the pool has no one to go to"},
		{da, fixed, "bill.line.", "Personale: fast andel 5.000 basispoint af 10.000,01 kr. efter nøgle REGION50"},
		{da, event, "bill.line.", "rengøring (Tablet (TAB-1)): 1.200 × 25,00 kr., kontrakt C1"},
		{en, event, "bill.line.", "cleaning (Tablet (TAB-1)): 1.200 × 25,00 kr., contract C1"},
		{da, reports.Words{}, "bill.line.", "the English text"},
		{da, reports.Words{Code: "no_such_code", Args: inventory.Args{"x"}}, "bill.line.", "the English text"},
	} {
		if got := sayWords(tc.l, tc.prefix, tc.w, "the English text"); got != tc.want {
			t.Errorf("%s %s %q = %q, want %q", tc.l.Code(), tc.w.Code, tc.w.Args, got, tc.want)
		}
	}
	// An error without a code says its English text.
	split.Args[4] = ""
	if got, want := sayWords(da, "bill.unbilled.", split, ""), "puljen »Tom« (1.234,50 kr.) kunne ikke fordeles efter nøgle USE-EQ: "+split.Args[3]; got != want {
		t.Errorf("uncoded error = %q, want %q", got, want)
	}
}
