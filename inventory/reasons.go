package inventory

import (
	"database/sql/driver"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// Why is a reason the system writes on a device event: a code and its arguments. The
// English text that the API and the audit trail carry is made from it (Text), and the
// pages say it in the reader's language from the same code and arguments, so no page
// has to take an English sentence apart again.
type Why struct {
	Code string
	Args Args
}

// The codes of Why, each with the arguments it takes.
const (
	WhyReceipt          = "receipt"           // receipt id
	WhyOpening          = "opening"           // deployed since (a date), import file name
	WhyTransferTo       = "transfer_to"       // member id
	WhyTransferFrom     = "transfer_from"     // member id it left, member id it came to
	WhyStocktakeMissing = "stocktake_missing" // stocktake id
	WhyStocktakeFound   = "stocktake_found"   // stocktake id
	WhyRecall           = "recall"            // recall id, vendor reference, the recall's reason
	WhyReserved         = "reserved"          // order number
	WhyCancelled        = "cancelled"         // order number
	WhyShipped          = "shipped"           // tracking number
	WhyShipFailed       = "ship_failed"       // what went wrong
	WhyDeliveredCarrier = "delivered_carrier" // -
	WhyDeliveredByHand  = "delivered_by_hand" // -
	WhyPickup           = "pickup"            // the return's reason (not_needed, moved, deceased, defect)
	WhyPickedUp         = "picked_up"         // -
	WhyManual           = "manual"            // the words of the person who moved it
)

// whyText is the English text of each code: what the events' reason said before codes
// existed, kept word for word since API clients and reports may match on it.
var whyText = map[string]string{
	WhyReceipt:          "received on receipt %s",
	WhyOpening:          "opening balance: deployed at the citizen since %s (import %s)",
	WhyTransferTo:       "transferred to member %s",
	WhyTransferFrom:     "transferred from member %s to member %s",
	WhyStocktakeMissing: "stocktake %s: not found",
	WhyStocktakeFound:   "stocktake %s: found here",
	WhyRecall:           "recall %s (%s): %s",
	WhyReserved:         "reserved for order %s",
	WhyCancelled:        "order %s cancelled",
	WhyShipped:          "shipped with %s",
	WhyShipFailed:       "shipment failed: %s",
	WhyDeliveredCarrier: "delivered, reported by the carrier",
	WhyDeliveredByHand:  "delivered (marked by hand)",
	WhyPickup:           "pickup requested: %s",
	WhyPickedUp:         "received from pickup",
	WhyManual:           "%s",
}

// Because returns the Why of code with args; code must be one of the Why constants.
func Because(code string, args ...any) Why {
	if _, ok := whyText[code]; !ok {
		panic("inventory: unknown reason code " + code) // a programming error, caught by any test of the caller
	}
	return Why{Code: code, Args: ArgsOf(args...)}
}

// ArgsOf returns args as Args, each as fmt.Sprint says it. A carrier's message may hold
// a line break; no argument keeps a control character, so none can be the separator
// of Args.
func ArgsOf(args ...any) Args {
	out := make(Args, len(args))
	for i, a := range args {
		out[i] = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, fmt.Sprint(a))
	}
	return out
}

// Text is the English text of w.
func (w Why) Text() string {
	args := make([]any, len(w.Args))
	for i, a := range w.Args {
		args[i] = a
	}
	return fmt.Sprintf(whyText[w.Code], args...)
}

// Why returns the reason of e as a code, or the zero Why for an event written before
// codes that none could be found for, whose Reason is all there is.
func (e Event) Why() Why { return Why{Code: e.ReasonCode, Args: e.ReasonArgs} }

// Args are a reason's arguments, stored in one column separated by the unit
// separator: no argument holds a control character (Because replaces them), and unlike
// JSON it needs no escaping in the SQL that backfilled the old events.
type Args []string

const argSep = "\x1f"

// Value implements driver.Valuer.
func (a Args) Value() (driver.Value, error) { return strings.Join(a, argSep), nil }

// Scan implements sql.Scanner.
func (a *Args) Scan(v any) error {
	var s string
	switch t := v.(type) {
	case nil:
	case string:
		s = t
	case []byte:
		s = string(t)
	default:
		return fmt.Errorf("reason args: cannot scan %T", v)
	}
	if s == "" {
		*a = nil
		return nil
	}
	*a = strings.Split(s, argSep)
	return nil
}

// WhyCodes returns every code of Why, sorted: the pages must have words for each.
func WhyCodes() []string { return slices.Sorted(maps.Keys(whyText)) }
