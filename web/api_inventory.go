package web

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

var (
	logistics       = []auth.Role{auth.RoleLogistics}
	adminsLogistics = []auth.Role{auth.RoleAdmin, auth.RoleLogistics}
)

func (s *Server) mountInventoryAPI() {
	s.api.Handle(httpx.Route{Method: "POST", Path: "/locations", Summary: "Add a warehouse or a member's stock room",
		Roles: adminsLogistics, Body: inventory.NewLocation{}, Resp: inventory.Location{}, Status: 201, Handler: s.apiCreateLocation})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/locations", Summary: "List locations",
		Roles: httpx.Staff, Resp: httpx.List[inventory.Location]{}, Handler: s.apiListLocations})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/products", Summary: "Add a catalogue item",
		Roles: adminsLogistics, Body: inventory.NewProduct{}, Resp: inventory.Product{}, Status: 201, Handler: s.apiCreateProduct})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/products", Summary: "The catalogue",
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Product]{}, Handler: s.apiListProducts})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/products/:id", Summary: "One product",
		Roles: httpx.AnyUser, Resp: inventory.Product{}, Handler: s.apiGetProduct})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/receipts", Summary: "Record goods received: all or nothing, every bad row named",
		Roles: httpx.Logistics, Body: inventory.NewReceipt{}, Resp: inventory.Receipt{}, Status: 201, Handler: s.apiCreateReceipt})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/devices", Summary: "List devices; a member user sees those deployed for it",
		Query: []string{"serial", "state", "product_id", "member_id", "location_id", "limit", "cursor"},
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Device]{}, Handler: s.apiListDevices})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/devices/:id", Summary: "One device",
		Roles: httpx.AnyUser, Resp: inventory.Device{}, Handler: s.apiGetDevice})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/devices/:id/events", Summary: "A device's history, oldest first",
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Event]{}, Handler: s.apiDeviceEvents})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/devices/:id/transition", Summary: "A manual lifecycle step; illegal moves answer 409",
		Roles: httpx.Logistics, Body: inventory.TransitionRequest{}, Resp: inventory.Device{}, Handler: s.apiTransitionDevice})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/devices/:id/transfer", Summary: "Move a deployed device to another member's citizen",
		Roles: httpx.Logistics, Body: inventory.TransferRequest{}, Resp: inventory.Device{}, Handler: s.apiTransferDevice})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/stock", Summary: "Stock per product, optionally at one location",
		Query: []string{"location_id"}, Roles: httpx.Staff, Resp: httpx.List[inventory.StockLevel]{}, Handler: s.apiStock})
}

func (s *Server) apiCreateLocation(c *fiber.Ctx) error {
	var in inventory.NewLocation
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	l, err := s.Inventory.CreateLocation(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, l)
}

func (s *Server) apiListLocations(c *fiber.Ctx) error {
	ls, err := s.Inventory.ListLocations(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ls, 0))
}

func (s *Server) apiCreateProduct(c *fiber.Ctx) error {
	var in inventory.NewProduct
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	p, err := s.Inventory.CreateProduct(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, p)
}

func (s *Server) apiListProducts(c *fiber.Ctx) error {
	ps, err := s.Inventory.ListProducts(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ps, 0))
}

func (s *Server) apiGetProduct(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.Inventory.GetProduct(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiCreateReceipt(c *fiber.Ctx) error {
	var in inventory.NewReceipt
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := s.Inventory.CreateReceipt(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, r)
}

// deviceFilter reads the filters of a device list.
func deviceFilter(c *fiber.Ctx) (inventory.DeviceFilter, error) {
	p, err := httpx.PageParams(c)
	if err != nil {
		return inventory.DeviceFilter{}, err
	}
	var fe apperr.Fields
	f := inventory.DeviceFilter{Serial: c.Query("serial"), State: inventory.State(c.Query("state")),
		ProductID: httpx.Int64Query(c, "product_id", &fe), MemberID: httpx.Int64Query(c, "member_id", &fe),
		LocationID: httpx.Int64Query(c, "location_id", &fe), After: p.After, Limit: p.Limit}
	return f, fe.Err()
}

func (s *Server) apiListDevices(c *fiber.Ctx) error {
	f, err := deviceFilter(c)
	if err != nil {
		return err
	}
	ds, next, err := s.Inventory.ListDevices(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ds, next))
}

func (s *Server) apiGetDevice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Inventory.GetDevice(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) apiDeviceEvents(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	es, err := s.Inventory.Events(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": nonNil(es)})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (s *Server) apiTransitionDevice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.TransitionRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	d, err := s.Inventory.Transition(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) apiTransferDevice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.TransferRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	d, err := s.Inventory.Transfer(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) apiStock(c *fiber.Ctx) error {
	var fe apperr.Fields
	loc := httpx.Int64Query(c, "location_id", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	rows, err := s.Inventory.Stock(c.UserContext(), loc)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": nonNil(rows)})
}
