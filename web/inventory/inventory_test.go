package inventory_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryPagesNavigation(t *testing.T) {
	ts := webtest.New(t)
	b := loggedIn(t, ts, "logistics")
	for _, h := range []string{"/devices", "/stock", "/receipts/new", "/kits", "/stocktakes", "/recalls"} {
		b.ExpectPage("/", 200, fmt.Sprintf(`href="%s"`, h))
	}
	m := loggedIn(t, ts, "member")
	body := m.ExpectPage("/", 200, `href="/devices">Mine enheder`)
	for _, h := range []string{`href="/stock"`, `href="/receipts/new"`, `href="/stocktakes"`} {
		if strings.Contains(body, h) {
			t.Errorf("member navigation offers %s", h)
		}
	}
}

// Every page answers the roles the brief gives it.
func TestInventoryPagesRoles(t *testing.T) {
	ts := webtest.New(t)
	setup(t, ts)
	cases := []struct {
		user, path string
		status     int
	}{
		{"support", "/stock", 200}, {"finance", "/devices", 200}, {"support", "/receipts/new", 403},
		{"admin", "/kits/new", 200}, {"support", "/kits/new", 403}, {"admin", "/stocktakes", 200},
		{"admin", "/recalls", 200}, {"member", "/recalls", 403}, {"member", "/stocktakes", 403},
		{"member", "/kits", 200}, {"member", "/imports/new", 403},
	}
	clients := map[string]*webtest.Client{}
	for _, c := range cases {
		b := clients[c.user]
		if b == nil {
			b = loggedIn(t, ts, c.user)
			clients[c.user] = b
		}
		if st, body, _ := b.Get(c.path); st != c.status {
			t.Errorf("%s GET %s: %d, want %d: %s", c.user, c.path, st, c.status, webtest.PageSnippet(body))
		}
	}
}
