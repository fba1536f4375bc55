package web_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

// TestAPIDocumentCoversEveryRoute keeps docs/API.md true as routes are added: every
// route of the route table is named there as "METHOD /path" (path without the base,
// parameters in braces, as in the tables of the document).
func TestAPIDocumentCoversEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	ts := webtest.New(t)
	for _, r := range ts.Routes() {
		want := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		if !strings.Contains(text, want) {
			t.Errorf("docs/API.md does not name %s", want)
		}
	}
}
