// Package archtest checks the import rule of ARCHITECTURE.md with `go list -deps`:
// internal/* imports no domain (except internal/wire, the composition root), no domain
// imports fiber, web, reports or internal/wire, and a package imports only those to its
// left in contracts ← inventory ← orders ← support ← reports ← internal/wire ← web ←
// cmd.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const (
	module = "github.com/fsc/backoffice"
	wire   = module + "/internal/wire"
)

// order is the one-way chain; a package may import only those before it.
var order = []string{"contracts", "inventory", "orders", "support", "reports", "internal/wire", "web", "cmd"}

func rank(pkg string) int {
	rel := strings.TrimPrefix(pkg, module+"/")
	for i, top := range order {
		if rel == top || strings.HasPrefix(rel, top+"/") {
			return i
		}
	}
	return -1
}

// isDomain reports whether pkg is a domain package: left of internal/wire in order.
func isDomain(pkg string) bool { return rank(pkg) >= 0 && rank(pkg) < rank(wire) }

// isPlumbing reports whether pkg is under internal/ and not the composition root.
func isPlumbing(pkg string) bool {
	return strings.HasPrefix(pkg, module+"/internal/") && rank(pkg) < 0
}

func TestImportRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked, sawWire := 0, false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, deps := f[0], f[1:]
		if !strings.HasPrefix(pkg, module) || strings.HasSuffix(pkg, "archtest") {
			continue
		}
		checked++
		sawWire = sawWire || pkg == wire
		for _, d := range deps {
			switch {
			case isPlumbing(pkg) && strings.HasPrefix(d, module+"/") && !isPlumbing(d):
				t.Errorf("%s imports %s; internal/* must import no domain (only internal/wire may)", pkg, d)
			case isDomain(pkg) && (strings.HasPrefix(d, "github.com/gofiber/") || rank(d) >= rank(wire)):
				t.Errorf("%s imports %s; domains must not import fiber, internal/wire, web or cmd", pkg, d)
			case rank(pkg) >= 0 && rank(d) >= rank(pkg) && !samePackageTree(pkg, d):
				t.Errorf("%s imports %s, which is to its right (or beside it) in %v", pkg, d, order)
			}
		}
	}
	if checked < 5 || !sawWire {
		t.Fatalf("checked only %d packages (internal/wire among them: %v); go list output not understood", checked, sawWire)
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
