package inventory

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/i18n"
)

// messages turn the inventory service's English messages into message keys; the
// submatches are the arguments. A reference to another field inside a message
// ("also lines[0].serials[1]") is shown with the page's label of that field.
var messages = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^is required$`), "inv.msg.required"},
	{regexp.MustCompile(`^is empty$`), "inv.msg.empty"},
	{regexp.MustCompile(`^serial (.+) already exists$`), "inv.msg.exists"},
	{regexp.MustCompile(`^serial (.+) appears twice in this (?:receipt|file) \(also (.+)\)$`), "inv.msg.twice"},
	{regexp.MustCompile(`^serial "(.*)" is malformed`), "inv.msg.malformed"},
	{regexp.MustCompile(`^at least one serial is required for product (.+)$`), "inv.msg.need_serials"},
	{regexp.MustCompile(`^product (.+) is counted by quantity; send quantity`), "inv.msg.by_quantity"},
	{regexp.MustCompile(`^product (.+) is tracked by serial`), "inv.msg.by_serial"},
	{regexp.MustCompile(`^product (.+) is counted by quantity; only serialised`), "inv.msg.recall_quantity"},
	{regexp.MustCompile(`^must be a positive whole number$`), "inv.msg.positive"},
	{regexp.MustCompile(`^must be at least (\d+)$`), "inv.msg.at_least"},
	{regexp.MustCompile(`^must be at most (\d+)(?: characters)?$`), "inv.msg.at_most"},
	{regexp.MustCompile(`^must not be negative$`), "inv.msg.not_negative"},
	{regexp.MustCompile(`^no (?:product|location|member|scheme) with id \d+$`), "inv.msg.unknown"},
	{regexp.MustCompile(`^no device of (.+) has serial (.+)$`), "inv.msg.no_such_serial"},
	{regexp.MustCompile(`^device (.+) is already recalled \(recall (\d+)\)$`), "inv.msg.already_recalled_no"},
	{regexp.MustCompile(`^device (.+) is already recalled$`), "inv.msg.already_recalled"},
	{regexp.MustCompile(`^give either a list of serials or serial_from and serial_to, not both$`), "inv.msg.list_or_range"},
	{regexp.MustCompile(`^give a list of serials or serial_from and serial_to$`), "inv.msg.list_or_range_missing"},
	{regexp.MustCompile(`^is required with serial_(?:from|to)$`), "inv.msg.range_both"},
	{regexp.MustCompile(`^must not come before serial_from$`), "inv.msg.range_order"},
	{regexp.MustCompile(`^no device of (.+) has a serial from (.+) to (.+)$`), "inv.msg.range_none"},
	{regexp.MustCompile(`^all (\d+) devices of (.+) from (.+) to (.+) are already recalled$`), "inv.msg.range_recalled"},
	{regexp.MustCompile(`^product \d+ is already (components\[\d+\])`), "inv.msg.component_twice"},
	{regexp.MustCompile(`^product (.+) is already (lines\[\d+\])$`), "inv.msg.count_twice"},
	{regexp.MustCompile(`^at least one component is required$`), "inv.msg.need_component"},
	{regexp.MustCompile(`^kit code "(.+)" is already in use$`), "inv.msg.kit_code_taken"},
	{regexp.MustCompile(`^send scanned serials, counted lines, or both$`), "inv.msg.count_empty"},
	{regexp.MustCompile(`^looks like a CPR number`), "inv.msg.cpr"},
	{regexp.MustCompile(`^a serial was added by someone else meanwhile`), "inv.msg.race"},
	{regexp.MustCompile(`^a stocktake of location \d+ is already open`), "inv.msg.stocktake_open"},
	{regexp.MustCompile(`^stocktake \d+ is (?:already )?confirmed`), "inv.msg.stocktake_confirmed"},
	{regexp.MustCompile(`^device (.+) changed (?:state )?meanwhile`), "inv.msg.changed"},
	{regexp.MustCompile(`^only a deployed device can be transferred`), "inv.msg.transfer_deployed"},
	{regexp.MustCompile(`^device (.+) is already with that member and citizen$`), "inv.msg.transfer_same"},
	{regexp.MustCompile(`^the code of a kit does not change`), "inv.msg.kit_code_fixed"},
	{regexp.MustCompile(`^the scheme of a kit does not change`), "inv.msg.kit_scheme_fixed"},
	{regexp.MustCompile(`^is larger than (\d+) MB$`), "inv.msg.too_large"},
	{regexp.MustCompile(`^no product with SKU "(.*)"$`), "inv.msg.no_sku"},
	{regexp.MustCompile(`^product (.+) is counted by quantity; record it on a receipt`), "inv.msg.import_quantity"},
	{regexp.MustCompile(`^must be a \.csv or \.xlsx file`), "inv.msg.file_kind"},
	{regexp.MustCompile(`^row (\d+) must be the header naming the columns sku and serial; it has (.*)$`), "inv.msg.file_header"},
	{regexp.MustCompile(`^is empty; its first row must name the columns sku and serial$`), "inv.msg.file_empty"},
	{regexp.MustCompile(`^lists no devices below the header row$`), "inv.msg.file_no_rows"},
	{regexp.MustCompile(`^holds more than (\d+) devices`), "inv.msg.file_too_many"},
	{regexp.MustCompile(`^is not a readable Excel workbook`), "inv.msg.file_unreadable"},
}

var fieldRefRE = regexp.MustCompile(`^(?:lines|rows|components|serials)\[\d+\]`)

// say returns msg in the user's language when it is one the pages know, else msg.
// label names a field referred to inside the message.
func say(l i18n.Lang, msg string, label func(string) string) string {
	for _, m := range messages {
		sub := m.re.FindStringSubmatch(msg)
		if sub == nil {
			continue
		}
		args := make([]any, 0, len(sub)-1)
		for _, a := range sub[1:] {
			if fieldRefRE.MatchString(a) {
				a = lower(label(a))
			}
			args = append(args, a)
		}
		return l.T(m.key, args...)
	}
	return msg
}

func lower(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// localize returns err with its field names replaced by label's and its messages in
// the user's language, for the layout's error box. Other errors pass unchanged, except
// that a known message of a conflict is translated.
func localize(l i18n.Lang, err error, label func(string) string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		return err
	}
	out := &apperr.Error{Kind: ae.Kind, Msg: say(l, ae.Msg, label)}
	for _, f := range ae.Fields {
		msg := say(l, f.Message, label)
		if !f.Code.IsZero() && msg == f.Message {
			msg = l.FieldMessage(f)
		}
		out.Fields = append(out.Fields, apperr.FieldError{Field: label(f.Field), Message: msg})
	}
	return out
}

// labelsFor returns a label function over fixed fields (a message key each); fields
// not listed are shown through rest, when given, or as themselves.
func labelsFor(l i18n.Lang, keys map[string]string, rest func(string) (string, bool)) func(string) string {
	return func(field string) string {
		if k, ok := keys[field]; ok {
			return l.T(k)
		}
		if rest != nil {
			if s, ok := rest(field); ok {
				return s
			}
		}
		return l.FieldLabel(field)
	}
}

var fieldIndexRE = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.([a-z_]+)(?:\[(\d+)\])?)?$`)

// fieldIndex splits "lines[0].serials[3]" into "lines", 0, "serials", 3 (-1 when absent).
func fieldIndex(field string) (name string, i int, sub string, j int, ok bool) {
	m := fieldIndexRE.FindStringSubmatch(field)
	if m == nil {
		return "", 0, "", 0, false
	}
	i, _ = strconv.Atoi(m[2])
	j = -1
	if m[4] != "" {
		j, _ = strconv.Atoi(m[4])
	}
	return m[1], i, m[3], j, true
}
