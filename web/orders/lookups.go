package orders

import (
	"context"
	"fmt"

	"github.com/fsc/backoffice/inventory"
)

// lookups finds the names a page shows beside ids, each list loaded once per request.
// A name the user may not see, or that is gone, shows as its id.
type lookups struct {
	h         *Handlers
	ctx       context.Context
	members   map[int64]string
	products  map[int64]inventory.Product
	kits      map[int64]string
	locations map[int64]inventory.Location
}

func (h *Handlers) lookups(ctx context.Context) *lookups { return &lookups{h: h, ctx: ctx} }

func (n *lookups) member(id int64) string {
	if n.members == nil {
		n.members = map[int64]string{}
	}
	if name, ok := n.members[id]; ok {
		return name
	}
	name := fmt.Sprintf("#%d", id)
	if m, err := n.h.Contracts.GetMember(n.ctx, id); err == nil {
		name = m.Name
	}
	n.members[id] = name
	return name
}

func (n *lookups) product(id int64) inventory.Product {
	if n.products == nil {
		n.products = map[int64]inventory.Product{}
		ps, _ := n.h.Inventory.ListProducts(n.ctx)
		for _, p := range ps {
			n.products[p.ID] = p
		}
	}
	if p, ok := n.products[id]; ok {
		return p
	}
	return inventory.Product{ID: id, SKU: fmt.Sprintf("#%d", id), Name: fmt.Sprintf("#%d", id)}
}

func (n *lookups) kit(id *int64) string {
	if id == nil {
		return ""
	}
	if n.kits == nil {
		n.kits = map[int64]string{}
		ks, _ := n.h.Inventory.ListKits(n.ctx)
		for _, k := range ks {
			n.kits[k.ID] = k.Name
		}
	}
	if name, ok := n.kits[*id]; ok {
		return name
	}
	return fmt.Sprintf("#%d", *id)
}

// location returns the location's code and name; staff only, "" for others.
func (n *lookups) location(id *int64) inventory.Location {
	if id == nil {
		return inventory.Location{}
	}
	if n.locations == nil {
		n.locations = map[int64]inventory.Location{}
		ls, _ := n.h.Inventory.ListLocations(n.ctx)
		for _, l := range ls {
			n.locations[l.ID] = l
		}
	}
	return n.locations[*id]
}
