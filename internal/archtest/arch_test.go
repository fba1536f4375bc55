// Package archtest checks the import rule of ARCHITECTURE.md with `go list -deps`:
// internal/* imports no domain, no domain imports fiber, web or reports, and a domain
// imports only domains to its left in contracts ← inventory ← orders ← support ←
// reports ← web ← cmd/fsc.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/fsc/backoffice"

// order is the one-way chain; a package may import only those before it.
var order = []string{"contracts", "inventory", "orders", "support", "reports", "web", "cmd/fsc"}

func rank(pkg string) int {
	rel := strings.TrimPrefix(pkg, module+"/")
	for i, top := range order {
		if rel == top || strings.HasPrefix(rel, top+"/") {
			return i
		}
	}
	return -1
}

func TestImportRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, deps := f[0], f[1:]
		if !strings.HasPrefix(pkg, module) || strings.HasSuffix(pkg, "archtest") {
			continue
		}
		checked++
		rel := strings.TrimPrefix(pkg, module+"/")
		for _, d := range deps {
			switch {
			case strings.HasPrefix(rel, "internal/") && strings.HasPrefix(d, module+"/") && !strings.HasPrefix(d, module+"/internal/"):
				t.Errorf("%s imports domain package %s; internal/* must import no domain", pkg, d)
			case rank(pkg) >= 0 && rank(pkg) < rank(module+"/web") && (strings.HasPrefix(d, "github.com/gofiber/") || d == module+"/web" || d == module+"/reports" && rel != "reports"):
				t.Errorf("%s imports %s; domains must not import fiber, web or reports", pkg, d)
			case rank(pkg) >= 0 && rank(d) >= rank(pkg) && !samePackageTree(pkg, d):
				t.Errorf("%s imports %s, which is to its right (or beside it) in %v", pkg, d, order)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages; go list output not understood", checked)
	}
}

func samePackageTree(a, b string) bool {
	return rank(a) == rank(b) && rank(a) >= 0 && topOf(a) == topOf(b)
}

func topOf(pkg string) string {
	rel := strings.TrimPrefix(pkg, module+"/")
	for _, top := range order {
		if rel == top || strings.HasPrefix(rel, top+"/") {
			return top
		}
	}
	return ""
}
