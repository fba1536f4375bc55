package reports

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/money"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// basisItem is one entry of a line's basis, for the explanation column: its key in
// the API, its label and its value in the reader's language.
type basisItem struct{ Key, Label, Value string }

// lineRow is a statement line with its description and basis said in the reader's
// language.
type lineRow struct {
	reports.Line
	Text  string
	Basis []basisItem
}

type statementView struct {
	Statement *reports.Statement
	Lines     []lineRow
	IsMember  bool
}

func (h *Handlers) statementPage(c *fiber.Ctx) error {
	id, err := httpxID(c, "id")
	if err != nil {
		return err
	}
	mid, err := httpxID(c, "member_id")
	if err != nil {
		return err
	}
	st, err := h.Reports.Statement(c.UserContext(), id, mid)
	if err != nil {
		return err
	}
	p, _ := auth.From(c.UserContext())
	v := statementView{Statement: st, IsMember: p.Role == auth.RoleMember}
	l := ui.Lang(c)
	for _, ln := range st.Lines {
		v.Lines = append(v.Lines, lineRow{Line: ln, Text: lineText(l, ln), Basis: basisOf(l, ln.Basis)})
	}
	return h.UI.Render(c, "billing_statement", "bill.statement.title", v)
}

// basisOf lays out a line's basis JSON as key/value pairs sorted by key, each key
// labelled from bill.basis_key.<key> (the key itself if the catalogue lacks it).
func basisOf(l i18n.Lang, b reports.JSONText) []basisItem {
	var m map[string]any
	if json.Unmarshal([]byte(b), &m) != nil {
		return nil
	}
	out := make([]basisItem, 0, len(m))
	for k, v := range m {
		label := k
		if l.Has("bill.basis_key." + k) {
			label = l.T("bill.basis_key." + k)
		}
		out = append(out, basisItem{Key: k, Label: label, Value: basisValue(l, k, v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// basisValue writes the value v of basis key k: øre as kroner, the weights and factors
// of a key by their names in words, other lists and objects as JSON.
func basisValue(l i18n.Lang, k string, v any) string {
	factor := func(name string) string { return l.T("bill.factor." + name) }
	switch x := v.(type) {
	case float64:
		if strings.HasSuffix(k, "_ore") {
			return money.FormatDanish(int64(x))
		}
		return strconv.FormatInt(int64(x), 10)
	case []any:
		if k == "factors" {
			names := make([]string, len(x))
			for i, f := range x {
				names[i] = factor(fmt.Sprint(f))
			}
			return strings.Join(names, ", ")
		}
	case map[string]any:
		if k == "weights" {
			names := slices.Sorted(maps.Keys(x))
			for i, f := range names {
				names[i] = fmt.Sprintf("%s %v", factor(f), x[f])
			}
			return strings.Join(names, ", ")
		}
	}
	if raw, err := json.Marshal(v); err == nil && (strings.HasPrefix(string(raw), "{") || strings.HasPrefix(string(raw), "[")) {
		return string(raw)
	}
	return fmt.Sprint(v)
}

type myStatementsView struct {
	Runs     []reports.Run
	MemberID int64
}

// myStatementsPage lists a member's statements of finalised runs.
func (h *Handlers) myStatementsPage(c *fiber.Ctx) error {
	p, _ := auth.From(c.UserContext())
	if p.MemberID == nil {
		return apperr.NotFound("no member")
	}
	runs, err := h.Reports.MemberRuns(c.UserContext())
	if err != nil {
		return err
	}
	return h.UI.Render(c, "billing_mine", "bill.mine.title", myStatementsView{Runs: runs, MemberID: *p.MemberID})
}

// ---- keys and preview ----
