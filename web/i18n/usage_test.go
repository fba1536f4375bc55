package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The keys the pages use, found in the source of every package under web/: in
// templates the literal keys of T calls and the prefixes of keys built with printf, in
// Go every string literal that looks like a key of a catalogue area ("members.title",
// or "ord.statuses." before a + ). Each must be a message, or a prefix of some.

var (
	tmplKeyRE    = regexp.MustCompile(`\.T\s+"([^"]+)"`)
	tmplPrefixRE = regexp.MustCompile(`\.T\s+\(printf\s+"([^"%]*)%[sdv]"`)
	goKeyRE      = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\.?$`)
	notKeyRE     = regexp.MustCompile(`\.(xlsx|csv|html|toml|json|go|png)$`)
)

func TestEveryUsedKeyExists(t *testing.T) {
	areas := map[string]bool{}
	for _, k := range Keys(DA) {
		areas[strings.SplitN(k, ".", 2)[0]] = true
	}
	checked := 0
	check := func(where, key string) {
		checked++
		if strings.HasSuffix(key, ".") {
			for _, k := range Keys(DA) {
				if strings.HasPrefix(k, key) {
					return
				}
			}
			t.Errorf("%s: no message starts with %q", where, key)
			return
		}
		if !ids[DA][key] {
			t.Errorf("%s: unknown message %q", where, key)
		}
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".html"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range tmplKeyRE.FindAllStringSubmatch(string(b), -1) {
				check(path, m[1])
			}
			for _, m := range tmplPrefixRE.FindAllStringSubmatch(string(b), -1) {
				check(path, m[1])
			}
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			return goKeys(path, areas, check)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 500 {
		t.Fatalf("only %d keys found in web/; the search is broken", checked)
	}
}

func goKeys(path string, areas map[string]bool, check func(where, key string)) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if _, ok := n.(*ast.ImportSpec); ok {
			return false
		}
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil || !goKeyRE.MatchString(s) || notKeyRE.MatchString(s) || !areas[strings.SplitN(s, ".", 2)[0]] {
			return true
		}
		check(fset.Position(lit.Pos()).String(), s)
		return true
	})
	return nil
}
