package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/fsc/backoffice/contracts" // their codes register when the packages load
	"github.com/fsc/backoffice/internal/apperr"
	_ "github.com/fsc/backoffice/internal/auth"
	_ "github.com/fsc/backoffice/internal/money"
	_ "github.com/fsc/backoffice/inventory"
	_ "github.com/fsc/backoffice/orders"
	_ "github.com/fsc/backoffice/support"
)

func TestEveryKeyInEveryLanguage(t *testing.T) {
	da := Keys(DA)
	if len(da) < 700 {
		t.Fatalf("Danish catalogue has %d messages; it did not load whole", len(da))
	}
	for _, code := range Codes[1:] {
		other := Keys(code)
		for _, k := range da {
			if !slices.Contains(other, k) {
				t.Errorf("%s lacks %q", code, k)
			}
		}
		for _, k := range other {
			if !ids[DA][k] {
				t.Errorf("da lacks %q (%s has it)", k, code)
			}
		}
	}
}

var argRE = regexp.MustCompile(`\{\{\s*\.(Arg|Label)(\d)\s*\}\}`)

// TestSameArgumentsInEveryLanguage checks that a message means the same thing in each
// language, as far as its arguments show. An error message may leave out an argument
// that one language cannot say well (the parser's English words).
func TestSameArgumentsInEveryLanguage(t *testing.T) {
	args := func(l Lang, key string) string {
		var out []string
		for _, m := range argRE.FindAllStringSubmatch(l.rawOther(key), -1) {
			if !slices.Contains(out, m[2]) {
				out = append(out, m[2])
			}
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	for _, k := range Keys(DA) {
		if strings.HasPrefix(k, "error.") {
			continue
		}
		if a, b := args(For(DA), k), args(For(EN), k); a != b {
			t.Errorf("%s: Danish uses arguments [%s], English [%s]", k, a, b)
		}
	}
}

func TestEveryCodeHasAWording(t *testing.T) {
	codes := apperr.Codes()
	if len(codes) < 50 {
		t.Fatalf("only %d codes declared; the domain packages did not register theirs", len(codes))
	}
	declared := map[string]bool{}
	for _, c := range codes {
		declared[ErrorKey(c)] = true
		for _, code := range Codes {
			if !For(code).Has(ErrorKey(c)) {
				t.Errorf("%s lacks %s", code, ErrorKey(c))
			}
		}
	}
	// A package this test does not import declares its codes too: find every NewCode
	// in the module's source.
	found := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range newCodeRE.FindAllSubmatch(b, -1) {
			key := "error." + string(m[2])
			if string(m[1]) == "notice." {
				key = "notice." + string(m[2])
			} else {
				found++
			}
			declared[key] = true
			for _, code := range Codes {
				if !For(code).Has(key) {
					t.Errorf("%s: %s lacks %s", path, code, key)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < len(codes) {
		t.Errorf("found %d NewCode calls in the source, fewer than the %d codes declared", found, len(codes))
	}
	for _, k := range Keys(DA) {
		if strings.HasPrefix(k, "error.") && !declared[k] {
			t.Errorf("%s names no declared apperr code", k)
		}
	}
}

// newCodeRE finds apperr.NewCode (error.<code>) and notice.NewCode (notice.<code>).
var newCodeRE = regexp.MustCompile(`(notice\.|apperr\.|\b)NewCode\("([a-z0-9_]+)"\)`)

func TestPlurals(t *testing.T) {
	da, en := For(DA), For(EN)
	for _, tc := range []struct {
		l    Lang
		n    any
		want string
	}{
		{da, 1, "1 medlem"}, {da, 2, "2 medlemmer"}, {da, 0, "0 medlemmer"}, {da, int64(1), "1 medlem"},
		{en, 1, "1 member"}, {en, 2, "2 members"},
	} {
		if got := tc.l.T("members.count", tc.n); got != tc.want {
			t.Errorf("%s members.count(%v) = %q, want %q", tc.l.Code(), tc.n, got, tc.want)
		}
	}
	// A message without plural forms takes a number like any argument.
	if got := da.T("inv.kits.row", 1); got != "Række 1" {
		t.Errorf("inv.kits.row(1) = %q", got)
	}
}

func TestT(t *testing.T) {
	da, en := For(DA), For(EN)
	if got := da.T("dash.welcome", "Ane"); got != "Goddag, Ane" {
		t.Errorf("dash.welcome = %q", got)
	}
	if got := en.T("dash.notice_reorder", "Blodtryksmåler", 3, 10); got != "Blodtryksmåler is below its reorder level (3 of 10)" {
		t.Errorf("dash.notice_reorder = %q", got)
	}
	if got := da.T("no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q, want the key itself", got)
	}
	if For("fr").Code() != DA || (Lang{}).Code() != DA || (Lang{}).T("common.save") != "Gem" {
		t.Error("an unknown or zero language is not Danish")
	}
}

func TestSay(t *testing.T) {
	da, en := For(DA), For(EN)
	above := apperr.Field("inhabitants_65_plus", apperr.NotAbove, "must not exceed %s (%d)", "inhabitants", 1000)
	if got := da.FieldMessage(above); got != "må ikke overstige »Indbyggere«" {
		t.Errorf("not_above in Danish = %q", got)
	}
	if got := en.FieldMessage(above); got != "must not exceed “Inhabitants”" {
		t.Errorf("not_above in English = %q", got)
	}
	long := apperr.Field("name", apperr.TooLong, "must be at most %d characters", 200)
	if got := da.FieldMessage(long); got != "må højst være 200 tegn" {
		t.Errorf("too_long = %q", got)
	}
	// A form's own wording comes first; a key the catalogue lacks is skipped.
	req := apperr.Field("kit_id", apperr.Required, "is required")
	if got := da.Say(req, nil, "form.nothing.kit_id.required", "ord.req.kit_id"); got != "Vælg et kit." {
		t.Errorf("override = %q", got)
	}
	// No code, or one without a wording: the service's own words.
	if got := da.FieldMessage(apperr.FieldError{Field: "x", Message: "is odd"}); got != "is odd" {
		t.Errorf("uncoded = %q", got)
	}
	if got := da.FieldLabel("delivery.postcode"); got != "Postnummer" {
		t.Errorf("label = %q", got)
	}
	if got := da.FieldLabel("lines[3].serials"); got != "lines[3].serials" {
		t.Errorf("unknown label = %q", got)
	}
}

func TestNumber(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 100: "100", 999: "999", 1000: "1.000", 43512: "43.512",
		1234567: "1.234.567", -1: "-1", -100: "-100", -999: "-999", -1234: "-1.234", -100000: "-100.000",
		-9223372036854775808: "-9.223.372.036.854.775.808"} {
		if got := Number(n); got != want {
			t.Errorf("Number(%d) = %q, want %q", n, got, want)
		}
	}
	for ore, want := range map[int64]string{0: "0,00", 5: "0,05", 123450: "1.234,50", -5: "-0,05", -100: "-1,00",
		-123456: "-1.234,56", 100000000: "1.000.000,00"} {
		if got := Kroner(ore); got != want {
			t.Errorf("Kroner(%d) = %q, want %q", ore, got, want)
		}
	}
}

// rawOther is the unformatted text of key's "other" form (and of its "one" form).
func (l Lang) rawOther(key string) string {
	m := raw[l.Code()][key]
	if m == nil {
		return ""
	}
	return m.Other + " " + m.One
}
