package web

import (
	"github.com/fsc/backoffice/inventory"
	"github.com/gofiber/fiber/v2"
)

// mountInventoryMoreAPI registers kits, stocktakes and recalls.
func (s *Server) mountInventoryMoreAPI() {
	s.handle(route{Method: "POST", Path: "/kits", Summary: "Add a kit (a bundle of products) to a scheme",
		Roles: adminsLogistics, Body: inventory.NewKit{}, Resp: inventory.Kit{}, Status: 201, Handler: s.apiCreateKit})
	s.handle(route{Method: "GET", Path: "/kits", Summary: "List kits; a member user sees those of schemes its member takes part in today",
		Roles: anyUser, Resp: list[inventory.Kit]{}, Handler: s.apiListKits})
	s.handle(route{Method: "GET", Path: "/kits/:id", Summary: "One kit with its components",
		Roles: anyUser, Resp: inventory.Kit{}, Handler: s.apiGetKit})
	s.handle(route{Method: "PUT", Path: "/kits/:id", Summary: "Replace a kit's name and components; code and scheme stay",
		Roles: adminsLogistics, Body: inventory.NewKit{}, Resp: inventory.Kit{}, Handler: s.apiUpdateKit})

	s.handle(route{Method: "POST", Path: "/stocktakes", Summary: "Start a stocktake of a location",
		Roles: logistics, Body: inventory.NewStocktake{}, Resp: inventory.Stocktake{}, Status: 201, Handler: s.apiStartStocktake})
	s.handle(route{Method: "GET", Path: "/stocktakes/:id", Summary: "A stocktake with its differences: missing, unexpected, miscounted",
		Roles: staff, Resp: inventory.Stocktake{}, Handler: s.apiGetStocktake})
	s.handle(route{Method: "POST", Path: "/stocktakes/:id/counts", Summary: "Add scanned serials and counted quantities to an open stocktake",
		Roles: logistics, Body: inventory.StocktakeCount{}, Resp: inventory.Stocktake{}, Handler: s.apiRecordCount})
	s.handle(route{Method: "POST", Path: "/stocktakes/:id/confirm", Summary: "Book a stocktake's differences: missing devices lost, found ones moved here, consumables adjusted",
		Roles: logistics, Body: inventory.ConfirmStocktakeRequest{}, Resp: inventory.Stocktake{}, Handler: s.apiConfirmStocktake})

	s.handle(route{Method: "POST", Path: "/recalls", Summary: "Recall devices of a product by a list of serials or a serial range",
		Roles: adminsLogistics, Body: inventory.NewRecall{}, Resp: inventory.Recall{}, Status: 201, Handler: s.apiCreateRecall})
	s.handle(route{Method: "GET", Path: "/recalls", Summary: "List recalls, newest first",
		Roles: staff, Resp: list[inventory.Recall]{}, Handler: s.apiListRecalls})
	s.handle(route{Method: "GET", Path: "/recalls/:id", Summary: "A recall and where each recalled device is: location, or member and citizen",
		Roles: staff, Resp: inventory.Recall{}, Handler: s.apiGetRecall})
}

func (s *Server) apiCreateKit(c *fiber.Ctx) error {
	var in inventory.NewKit
	if err := decode(c, &in); err != nil {
		return err
	}
	k, err := s.Inventory.CreateKit(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, k)
}

func (s *Server) apiListKits(c *fiber.Ctx) error {
	ks, err := s.Inventory.ListKits(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listOf(ks, 0))
}

func (s *Server) apiGetKit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	k, err := s.Inventory.GetKit(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(k)
}

func (s *Server) apiUpdateKit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inventory.NewKit
	if err := decode(c, &in); err != nil {
		return err
	}
	k, err := s.Inventory.UpdateKit(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(k)
}

func (s *Server) apiStartStocktake(c *fiber.Ctx) error {
	var in inventory.NewStocktake
	if err := decode(c, &in); err != nil {
		return err
	}
	st, err := s.Inventory.StartStocktake(c.UserContext(), in.LocationID)
	if err != nil {
		return err
	}
	return created(c, st)
}

func (s *Server) apiGetStocktake(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	st, err := s.Inventory.GetStocktake(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) apiRecordCount(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inventory.StocktakeCount
	if err := decode(c, &in); err != nil {
		return err
	}
	st, err := s.Inventory.RecordCount(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) apiConfirmStocktake(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inventory.ConfirmStocktakeRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	st, err := s.Inventory.ConfirmStocktake(c.UserContext(), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) apiCreateRecall(c *fiber.Ctx) error {
	var in inventory.NewRecall
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.Inventory.CreateRecall(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, r)
}

func (s *Server) apiListRecalls(c *fiber.Ctx) error {
	rs, err := s.Inventory.ListRecalls(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listOf(rs, 0))
}

func (s *Server) apiGetRecall(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := s.Inventory.GetRecall(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
