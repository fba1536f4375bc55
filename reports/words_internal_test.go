package reports

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fsc/backoffice/internal/money"
)

// TestWordsSayTheOldText: each code with its arguments says, word for word, what the
// run wrote before codes (the expressions below are the old ones), so the API, the
// workbook and the invoices do not change.
func TestWordsSayTheOldText(t *testing.T) {
	const pname, contract, event, pool, key = "Tablet (TAB-1)", "K-1", "shipment", `Call "centre"`, "INDB"
	var unit, q, days, amount, bp int64 = 123450, 42, 31, -100001, 2500
	splitErr := errors.New("validation failed; participants: part of the pool has no one to go to: money: nothing to split the pool by")
	for _, tc := range []struct {
		w    Words
		want string
	}{
		{say(LineUsage, pname, q, unit, days, contract), fmt.Sprintf("%s: %d device-days at %s kr. a month ÷ %d days, contract %s", pname, q, money.FormatDecimal(unit), days, contract)},
		{say(LineEvent, event, q, unit, contract), fmt.Sprintf("%s: %d × %s kr., contract %s", event, q, money.FormatDecimal(unit), contract)},
		{say(LineEventProduct, event, pname, q, unit, contract), fmt.Sprintf("%s: %d × %s kr., contract %s", event+" ("+pname+")", q, money.FormatDecimal(unit), contract)},
		{say(LineConsumable, pname, q, unit, contract), fmt.Sprintf("%s: %d × %s kr., contract %s", pname, q, money.FormatDecimal(unit), contract)},
		{say(LineShared, pool, "254/588", amount, key), fmt.Sprintf("%s: %s of %s kr. by key %s", pool, "254/588", money.FormatDecimal(amount), key)},
		{say(LineSharedFixed, pool, bp, amount, key), fmt.Sprintf("%s: fixed share %d bp of %s kr. by key %s", pool, bp, money.FormatDecimal(amount), key)},
		{say(LineAdjustment, "Kredit for 50 % af februar"), "Kredit for 50 % af februar"},
		{say(UnbilledNoMonthlyPrice, q, pname), fmt.Sprintf("%d device-days of %s: no contract of the member prices the product (monthly)", q, pname)},
		{say(UnbilledNoEventPrice, q, event), fmt.Sprintf("%d × %s: no contract of the member prices the event", q, event)},
		{say(UnbilledNoPurchasePrice, q, pname), fmt.Sprintf("%d × %s shipped: no contract of the member has a purchase price", q, pname)},
		{say(UnbilledNoMember, q, event), fmt.Sprintf("%d × %s with no member to bill", q, event)},
		{say(UnbilledNoSplit, pool, amount, key, splitErr.Error(), "no_basis"), fmt.Sprintf("pool %q (%s kr.) could not be split by key %s: %v", pool, money.FormatDecimal(amount), key, splitErr)},
	} {
		if got := tc.w.Text(); got != tc.want {
			t.Errorf("%s %q says %q, want %q", tc.w.Code, tc.w.Args, got, tc.want)
		}
		if len(tc.w.Kinds()) != len(tc.w.Args) {
			t.Errorf("%s: %d kinds for %d arguments", tc.w.Code, len(tc.w.Kinds()), len(tc.w.Args))
		}
	}
	if got := (Words{}).Text(); got != "" {
		t.Errorf("no code says %q", got)
	}
	// Every code is tried above.
	if n := len(LineCodes()) + len(UnbilledCodes()); n != 12 {
		t.Errorf("%d codes; add the new ones to this test", n)
	}
}
