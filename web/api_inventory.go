package web

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/gofiber/fiber/v2"
)

var (
	logistics       = []auth.Role{auth.RoleLogistics}
	adminsLogistics = []auth.Role{auth.RoleAdmin, auth.RoleLogistics}
)

func (s *Server) mountInventoryAPI() {
	s.handle(route{Method: "POST", Path: "/locations", Summary: "Add a warehouse or a member's stock room",
		Roles: adminsLogistics, Body: inventory.NewLocation{}, Resp: inventory.Location{}, Status: 201, Handler: s.apiCreateLocation})
	s.handle(route{Method: "GET", Path: "/locations", Summary: "List locations",
		Roles: staff, Resp: list[inventory.Location]{}, Handler: s.apiListLocations})
	s.handle(route{Method: "POST", Path: "/products", Summary: "Add a catalogue item",
		Roles: adminsLogistics, Body: inventory.NewProduct{}, Resp: inventory.Product{}, Status: 201, Handler: s.apiCreateProduct})
	s.handle(route{Method: "GET", Path: "/products", Summary: "The catalogue",
		Roles: anyUser, Resp: list[inventory.Product]{}, Handler: s.apiListProducts})
	s.handle(route{Method: "GET", Path: "/products/:id", Summary: "One product",
		Roles: anyUser, Resp: inventory.Product{}, Handler: s.apiGetProduct})
	s.handle(route{Method: "POST", Path: "/receipts", Summary: "Record goods received: all or nothing, every bad row named",
		Roles: logistics, Body: inventory.NewReceipt{}, Resp: inventory.Receipt{}, Status: 201, Handler: s.apiCreateReceipt})
	s.handle(route{Method: "GET", Path: "/devices", Summary: "List devices; a member user sees those deployed for it",
		Query: []string{"serial", "state", "product_id", "member_id", "location_id", "limit", "cursor"},
		Roles: anyUser, Resp: list[inventory.Device]{}, Handler: s.apiListDevices})
	s.handle(route{Method: "GET", Path: "/devices/:id", Summary: "One device",
		Roles: anyUser, Resp: inventory.Device{}, Handler: s.apiGetDevice})
	s.handle(route{Method: "GET", Path: "/devices/:id/events", Summary: "A device's history, oldest first",
		Roles: anyUser, Resp: list[inventory.Event]{}, Handler: s.apiDeviceEvents})
	s.handle(route{Method: "POST", Path: "/devices/:id/transition", Summary: "A manual lifecycle step; illegal moves answer 409",
		Roles: logistics, Body: inventory.TransitionRequest{}, Resp: inventory.Device{}, Handler: s.apiTransitionDevice})
	s.handle(route{Method: "POST", Path: "/devices/:id/transfer", Summary: "Move a deployed device to another member's citizen",
		Roles: logistics, Body: inventory.TransferRequest{}, Resp: inventory.Device{}, Handler: s.apiTransferDevice})
	s.handle(route{Method: "GET", Path: "/stock", Summary: "Stock per product, optionally at one location",
		Query: []string{"location_id"}, Roles: staff, Resp: list[inventory.StockLevel]{}, Handler: s.apiStock})
}

func (s *Server) apiCreateLocation(c *fiber.Ctx) error {
	var in inventory.NewLocation
	if err := decode(c, &in); err != nil {
		return err
	}
	l, err := s.Inventory.CreateLocation(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, l)
}

func (s *Server) apiListLocations(c *fiber.Ctx) error {
	ls, err := s.Inventory.ListLocations(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listOf(ls, 0))
}

func (s *Server) apiCreateProduct(c *fiber.Ctx) error {
	var in inventory.NewProduct
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.Inventory.CreateProduct(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, p)
}

func (s *Server) apiListProducts(c *fiber.Ctx) error {
	ps, err := s.Inventory.ListProducts(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listOf(ps, 0))
}

func (s *Server) apiGetProduct(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
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
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.Inventory.CreateReceipt(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, r)
}

// deviceFilter reads the filters of a device list.
func deviceFilter(c *fiber.Ctx) (inventory.DeviceFilter, error) {
	p, err := pageParams(c)
	if err != nil {
		return inventory.DeviceFilter{}, err
	}
	var fe apperr.Fields
	f := inventory.DeviceFilter{Serial: c.Query("serial"), State: inventory.State(c.Query("state")),
		ProductID: int64Query(c, "product_id", &fe), MemberID: int64Query(c, "member_id", &fe),
		LocationID: int64Query(c, "location_id", &fe), After: p.After, Limit: p.Limit}
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
	return c.JSON(listOf(ds, next))
}

func (s *Server) apiGetDevice(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
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
	id, err := idParam(c, "id")
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
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inventory.TransitionRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := s.Inventory.Transition(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) apiTransferDevice(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inventory.TransferRequest
	if err := decode(c, &in); err != nil {
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
	loc := int64Query(c, "location_id", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	rows, err := s.Inventory.Stock(c.UserContext(), loc)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": nonNil(rows)})
}
