package reports

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/money"
	"github.com/fsc/backoffice/inventory"
)

// Words is what a run writes on a line or an unbilled item: a code and its arguments.
// The English description or reason that the API, the workbook and the invoice carry
// is made from it (Text), and the pages say it in the reader's language from the same
// code and arguments, as they say a device event's reason (inventory.Why).
type Words struct {
	Code string
	Args inventory.Args // the same column format as a device event's reason
}

// The codes of a line's description, each with its arguments.
const (
	LineUsage        = "usage"         // product, device-days, monthly price (øre), days in the month, contract number
	LineEvent        = "event"         // event, quantity, unit price (øre), contract number
	LineEventProduct = "event_product" // event, product, quantity, unit price (øre), contract number
	LineConsumable   = "consumable"    // product, quantity, unit price (øre), contract number
	LineShared       = "shared"        // pool, fraction (p/q), pool amount (øre), key code
	LineSharedFixed  = "shared_fixed"  // pool, fixed share (bp), pool amount (øre), key code
	LineAdjustment   = "adjustment"    // the words of the person who entered it
)

// The codes of an unbilled item's reason, each with its arguments.
const (
	UnbilledNoMonthlyPrice  = "no_monthly_price"  // device-days, product
	UnbilledNoEventPrice    = "no_event_price"    // quantity, event
	UnbilledNoPurchasePrice = "no_purchase_price" // quantity, product
	UnbilledNoMember        = "no_member"         // quantity, event
	UnbilledNoSplit         = "no_split"          // pool, pool amount (øre), key code, the English error, its field code ("" if none)
)

// ArgKind is what an argument of Words is, so that each language writes it its way.
type ArgKind int

// The kinds of arguments.
const (
	ArgText  ArgKind = iota // a name or words, said as they are
	ArgCount                // a whole number
	ArgOre                  // an amount in øre, written in kroner
	ArgEvent                // a billable event (shipment, pickup, cleaning, ticket), said in words
	ArgCode                 // an apperr code naming the argument before it; not in the English text
)

// wording is the English text of a code, with explicit argument indexes where an
// argument is left out, and the kinds of its arguments.
type wording struct {
	text  string
	kinds []ArgKind
}

// lineWords and unbilledWords are the English texts of the codes: what the lines and
// unbilled items said before codes existed, kept word for word since API clients and
// finance systems may match on them.
var (
	lineWords = map[string]wording{
		LineUsage:        {"%s: %d device-days at %s kr. a month ÷ %d days, contract %s", []ArgKind{ArgText, ArgCount, ArgOre, ArgCount, ArgText}},
		LineEvent:        {"%s: %d × %s kr., contract %s", []ArgKind{ArgEvent, ArgCount, ArgOre, ArgText}},
		LineEventProduct: {"%s (%s): %d × %s kr., contract %s", []ArgKind{ArgEvent, ArgText, ArgCount, ArgOre, ArgText}},
		LineConsumable:   {"%s: %d × %s kr., contract %s", []ArgKind{ArgText, ArgCount, ArgOre, ArgText}},
		LineShared:       {"%s: %s of %s kr. by key %s", []ArgKind{ArgText, ArgText, ArgOre, ArgText}},
		LineSharedFixed:  {"%s: fixed share %d bp of %s kr. by key %s", []ArgKind{ArgText, ArgCount, ArgOre, ArgText}},
		LineAdjustment:   {"%s", []ArgKind{ArgText}},
	}
	unbilledWords = map[string]wording{
		UnbilledNoMonthlyPrice:  {"%d device-days of %s: no contract of the member prices the product (monthly)", []ArgKind{ArgCount, ArgText}},
		UnbilledNoEventPrice:    {"%d × %s: no contract of the member prices the event", []ArgKind{ArgCount, ArgEvent}},
		UnbilledNoPurchasePrice: {"%d × %s shipped: no contract of the member has a purchase price", []ArgKind{ArgCount, ArgText}},
		UnbilledNoMember:        {"%d × %s with no member to bill", []ArgKind{ArgCount, ArgEvent}},
		UnbilledNoSplit:         {"pool %[1]q (%[2]s kr.) could not be split by key %[3]s: %[4]s", []ArgKind{ArgText, ArgOre, ArgText, ArgText, ArgCode}},
	}
)

func wordingOf(code string) (wording, bool) {
	if w, ok := lineWords[code]; ok {
		return w, true
	}
	w, ok := unbilledWords[code]
	return w, ok
}

// say returns the Words of code with args (whole numbers for counts and øre); code
// must be one of the Line or Unbilled constants and args as many as it takes.
func say(code string, args ...any) Words {
	wd, ok := wordingOf(code)
	if !ok || len(args) != len(wd.kinds) {
		// A programming error, caught by any test of a run.
		panic(fmt.Sprintf("reports: words %s with %d arguments", code, len(args)))
	}
	// No argument keeps a control character (the names are refused with one anyway,
	// so the text is the same).
	return Words{Code: code, Args: inventory.ArgsOf(args...)}
}

// Kinds returns the kinds of w's arguments (none for an unknown code).
func (w Words) Kinds() []ArgKind {
	wd, _ := wordingOf(w.Code)
	return wd.kinds
}

// Text is the English text of w ("" for an unknown code or the wrong number of
// arguments).
func (w Words) Text() string {
	wd, ok := wordingOf(w.Code)
	if !ok || len(w.Args) != len(wd.kinds) {
		return ""
	}
	args := make([]any, 0, len(w.Args))
	for i, a := range w.Args {
		switch kind := wd.kinds[i]; kind {
		case ArgCount, ArgOre:
			n, _ := strconv.ParseInt(a, 10, 64)
			if kind == ArgOre {
				args = append(args, money.FormatDecimal(n))
			} else {
				args = append(args, n)
			}
		default:
			args = append(args, a)
		}
	}
	return fmt.Sprintf(wd.text, args...)
}

// errorCode is the code of err's first field error, "" for an error without one.
func errorCode(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		return ae.Fields[0].Code.String()
	}
	return ""
}

// setWords gives l its description: w and its English text.
func (l *Line) setWords(w Words) {
	l.DescriptionCode, l.DescriptionArgs, l.Description = w.Code, w.Args, w.Text()
}

// setWords gives u its reason: w and its English text.
func (u *Unbilled) setWords(w Words) { u.ReasonCode, u.ReasonArgs, u.Reason = w.Code, w.Args, w.Text() }

// Words returns what l says as a code, or the zero Words for a line written before
// codes, whose Description is all there is.
func (l Line) Words() Words { return Words{Code: l.DescriptionCode, Args: l.DescriptionArgs} }

// Words returns why u was not billed as a code, or the zero Words for an item written
// before codes, whose Reason is all there is.
func (u Unbilled) Words() Words { return Words{Code: u.ReasonCode, Args: u.ReasonArgs} }

// LineCodes returns every code of a line's description, sorted: the pages must have
// words for each.
func LineCodes() []string { return slices.Sorted(maps.Keys(lineWords)) }

// UnbilledCodes returns every code of an unbilled item's reason, sorted.
func UnbilledCodes() []string { return slices.Sorted(maps.Keys(unbilledWords)) }
