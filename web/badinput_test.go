package web_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/web/webtest"
)

// The bad-input walk: every route of the OpenAPI document, as every role and as
// nobody, with bodies generated from its schema to be wrong (wrong types, NUL and
// control characters, 1 MB strings, 70,000-item lists, extreme numbers, deep nesting,
// no JSON at all) and bad query and path parameters. No answer may be a 5xx, an error
// that is not problem+json, or slower than 2 s. A body that once failed is kept in
// testdata/fuzz/badinput and sent again first.
func TestBadInputWalk(t *testing.T) {
	start := time.Now()
	ts := webtest.New(t)
	addVendorUser(t, ts)
	st, raw := ts.Do("GET", "/api/v1/openapi.json", "", nil)
	if st != 200 {
		t.Fatalf("openapi.json: %d", st)
	}
	var doc struct {
		Paths map[string]map[string]operation `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	roles := append([]string{""}, "admin", "logistics", "support", "finance", "member", "vendor")
	w := &walker{t: t, ts: ts, failures: map[string]bool{}}
	w.replayCorpus()
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	routes := 0
	for _, p := range paths {
		for method, op := range doc.Paths[p] {
			method = strings.ToUpper(method)
			if p == "/api/v1/auth/logout" || strings.HasSuffix(p, "/revoke") {
				continue // would end the walk's own sessions; covered by their tests
			}
			routes++
			allowed := map[string]bool{"": op.Roles == nil}
			for _, r := range op.Roles {
				allowed[r] = true
			}
			for _, role := range roles {
				// Every role gets the light bad inputs; the heavy ones go to a role that
				// gets past the role check (and to nobody, for the public routes).
				heavy := allowed[role] && (role == "" || role == firstRole(op.Roles))
				for _, path := range pathVariants(p) {
					for _, q := range queryVariants(op, heavy) {
						w.send(method, path+q, role, "", false)
					}
				}
				if op.body() == nil && !op.raw() {
					continue
				}
				target := concrete(p)
				for _, b := range badBodies(op.body(), heavy) {
					w.send(method, target, role, b, op.carrier(p))
				}
			}
		}
	}
	if routes < 20 {
		t.Fatalf("only %d routes in the document", routes)
	}
	t.Logf("%d routes, %d requests, slowest %s (%s), in %s", routes, w.n, w.slowest, w.slowestReq, time.Since(start).Round(time.Millisecond))
}

type operation struct {
	Roles       []string `json:"x-roles"`
	Parameters  []param  `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Summary string `json:"summary"`
}

type param struct {
	Name string `json:"name"`
	In   string `json:"in"`
}

func (op operation) body() map[string]any {
	if op.RequestBody == nil {
		return nil
	}
	return op.RequestBody.Content["application/json"].Schema
}

func (op operation) raw() bool { return op.RequestBody == nil && op.Roles == nil }

func (op operation) carrier(p string) bool { return strings.Contains(p, "carrier") }

func firstRole(roles []string) string {
	if len(roles) == 0 {
		return ""
	}
	return roles[0]
}

var pathParamRE = regexp.MustCompile(`\{[a-z_]+\}`)

func concrete(p string) string { return pathParamRE.ReplaceAllString(p, "1") }

func pathVariants(p string) []string {
	if !pathParamRE.MatchString(p) {
		return []string{p}
	}
	var out []string
	for _, v := range []string{"1", "0", "-1", "99999999999999999999", "%00", "x%0Ay", url.PathEscape(strings.Repeat("9", 300))} {
		out = append(out, pathParamRE.ReplaceAllString(p, v))
	}
	return out
}

func queryVariants(op operation, heavy bool) []string {
	out := []string{""}
	var names []string
	for _, p := range op.Parameters {
		if p.In == "query" {
			names = append(names, p.Name)
		}
	}
	names = append(names, "limit", "cursor")
	vals := []string{"%00", "-1", "99999999999999999999", "a%0D%0Ab", "%ff%fe", "2026-13-45"}
	if heavy {
		vals = append(vals, strings.Repeat("x", 1500/max(len(names), 1)), "1e400", "%C2%85")
	}
	for i, v := range vals {
		var q []string
		for _, n := range names {
			q = append(q, n+"="+v)
		}
		if i == 0 {
			q = append(q, "unknown%00=1")
		}
		out = append(out, "?"+strings.Join(q, "&"))
	}
	return out
}

// badBodies generates the bad bodies of schema: light ones for every role, heavy ones
// (big and deep) only when heavy.
func badBodies(schema map[string]any, heavy bool) []string {
	bodies := []string{"", "not json", "[]", "null", `{"x":`, "{}", `{"unknown_field":1}`}
	if schema == nil {
		schema = map[string]any{"type": "object"}
	}
	for _, kind := range []string{"valid", "wrong", "nul", "control", "extreme", "negative", "float"} {
		b, _ := json.Marshal(gen(schema, kind, 0))
		bodies = append(bodies, string(b))
	}
	if heavy {
		for _, kind := range []string{"huge", "many"} {
			b, _ := json.Marshal(gen(schema, kind, 0))
			bodies = append(bodies, string(b))
		}
		bodies = append(bodies, strings.Repeat("[", 20000)+strings.Repeat("]", 20000),
			`{"a":`+strings.Repeat(`{"a":`, 5000)+"1"+strings.Repeat("}", 5001), deepInFields(schema))
	}
	return bodies
}

// gen makes a value of schema for kind: "valid" plausible values, the others a bad
// value in every field.
func gen(s map[string]any, kind string, depth int) any {
	typ, _ := s["type"].(string)
	if depth > 8 {
		return nil
	}
	switch typ {
	case "object":
		props, _ := s["properties"].(map[string]any)
		out := map[string]any{}
		for name, ps := range props {
			out[name] = gen(ps.(map[string]any), kind, depth+1)
		}
		if kind == "wrong" && depth > 0 {
			return []any{"not", "an", "object"}
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		switch kind {
		case "wrong":
			return map[string]any{"not": "a list"}
		case "many":
			item := gen(items, "valid", depth+1)
			list := make([]any, 70000)
			for i := range list {
				list[i] = item
			}
			return list
		}
		return []any{gen(items, kind, depth+1), gen(items, kind, depth+1)}
	case "string":
		switch kind {
		case "wrong":
			return 12345
		case "nul":
			return "a\x00b"
		case "control":
			return "a\x01\x1b[31m\u0085\x7fb\r\nX-Injected: yes"
		case "huge":
			return strings.Repeat("x", 1<<20)
		}
		switch s["format"] {
		case "date":
			return "2026-12-02"
		case "date-time":
			return "2026-12-02T10:00:00Z"
		}
		return "x"
	case "integer", "number":
		switch kind {
		case "wrong":
			return "seven"
		case "extreme":
			return json.Number("9223372036854775807")
		case "negative":
			return json.Number("-9223372036854775808")
		case "float":
			return json.Number("1e400")
		case "huge":
			return json.Number("123456789012345678901234567890")
		}
		return 1
	case "boolean":
		if kind == "wrong" {
			return "yes"
		}
		return true
	}
	return nil
}

// deepInFields nests a field of schema 10,000 levels deep.
func deepInFields(s map[string]any) string {
	props, _ := s["properties"].(map[string]any)
	for name := range props {
		return `{"` + name + `":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}"
	}
	return strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
}
