package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metric labels outlive their request: taken from fasthttp's reused buffers they change
// under the registry, which then refuses to answer ("was collected before"). Many
// varied requests over real connections, then a scrape that the Prometheus text parser
// must read, with only label values the app knows.
func TestMetricsSurviveVariedRequests(t *testing.T) {
	ts := webtest.New(t)
	base := "http://" + ts.Listen()
	tok := ts.Tokens["admin"]
	paths := []string{"/api/v1/me", "/api/v1/members", "/api/v1/members/1", "/api/v1/nope/xyz", "/login", "/healthz",
		"/api/v1/users?limit=3", "/static/nothing.css", "/lang/en?next=/x", "/api/v1/audit", "/somewhere/else/entirely"}
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "GETT", "OPTIONS", "HEAD"}
	var wg sync.WaitGroup
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				p := paths[(i+w)%len(paths)]
				if i%3 == 0 {
					p += fmt.Sprintf("%sq=%d%s", map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")], i, strings.Repeat("x", i))
				}
				req, _ := http.NewRequest(methods[(i*7+w)%len(methods)], base+p, strings.NewReader(`{"x":1}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}(w)
	}
	wg.Wait()
	for i := 0; i < 3; i++ {
		resp, err := client.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("scrape %d: %d %s", i, resp.StatusCode, body)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("scrape %d does not parse: %v", i, err)
		}
		reqs := fams["fsc_http_requests_total"]
		if reqs == nil || len(reqs.Metric) == 0 {
			t.Fatalf("no fsc_http_requests_total in %s", body)
		}
		known := map[string]bool{"other": true}
		for _, m := range methods {
			known[m] = true
		}
		routes := map[string]bool{"/": true, "/metrics": true}
		for _, r := range ts.App.GetRoutes(false) {
			routes[r.Path] = true
		}
		for _, m := range reqs.Metric {
			for _, l := range m.Label {
				switch l.GetName() {
				case "method":
					if !known[l.GetValue()] || l.GetValue() == "GETT" {
						t.Errorf("method label %q", l.GetValue())
					}
				case "route":
					if !routes[l.GetValue()] {
						t.Errorf("route label %q is no route of the app", l.GetValue())
					}
				}
			}
		}
	}
}
