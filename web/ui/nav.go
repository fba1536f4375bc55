package ui

import (
	"slices"
	"strings"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/i18n"
)

// NavItem is one entry of the side navigation, contributed by the web domain that
// serves its page (Router.Nav).
type NavItem struct {
	// Order places it: lowest first. The dashboard is 0; the domains use their own
	// tens (members 10, orders 20, inventory 30, schemes 50, administration 60).
	Order int
	Label string      // message key
	Href  string      // the page it opens
	Roles []auth.Role // who sees it; nil for every user
	// HrefFor, when set, decides for p instead of Href and Roles: the link for p, or ""
	// to hide the item ("My municipality" links to the user's own member).
	HrefFor func(p auth.Principal) string
}

// NavLink is a NavItem as the layout shows it to one user.
type NavLink struct {
	Href, Label string
	Active      bool // the item of the page shown
}

// addNav adds items to the navigation, keeping it sorted by Order (stable, so items of
// one Order keep the order they were added in).
func (r *Renderer) addNav(items ...NavItem) {
	r.nav = append(r.nav, items...)
	slices.SortStableFunc(r.nav, func(a, b NavItem) int { return a.Order - b.Order })
}

// navFor returns the links p may follow. Only the item that matches path best is
// current: /orders/new is "Order a kit", not also "My orders".
func (r *Renderer) navFor(l i18n.Lang, p auth.Principal, path string) []NavLink {
	var out []NavLink
	for _, it := range r.nav {
		href := it.Href
		switch {
		case it.HrefFor != nil:
			href = it.HrefFor(p)
		case it.Roles != nil && !slices.Contains(it.Roles, p.Role):
			href = ""
		}
		if href != "" {
			out = append(out, NavLink{Href: href, Label: l.T(it.Label)})
		}
	}
	best := -1
	for i, it := range out {
		h := it.Href
		if (path == h || (h != "/" && strings.HasPrefix(path, strings.TrimSuffix(h, "/")+"/"))) && (best < 0 || len(h) > len(out[best].Href)) {
			best = i
		}
	}
	if best >= 0 {
		out[best].Active = true
	}
	return out
}
