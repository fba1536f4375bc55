package web

import (
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountInventoryMoreAPI registers kits, stocktakes and recalls.
func (s *Server) mountInventoryMoreAPI() {
	s.api.Handle(httpx.Route{Method: "POST", Path: "/kits", Summary: "Add a kit (a bundle of products) to a scheme",
		Roles: adminsLogistics, Body: inventory.NewKit{}, Resp: inventory.Kit{}, Status: 201, Handler: s.apiCreateKit})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/kits", Summary: "List kits; a member user sees those of schemes its member takes part in today",
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Kit]{}, Handler: s.apiListKits})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/kits/:id", Summary: "One kit with its components",
		Roles: httpx.AnyUser, Resp: inventory.Kit{}, Handler: s.apiGetKit})
	s.api.Handle(httpx.Route{Method: "PUT", Path: "/kits/:id", Summary: "Replace a kit's name and components; code and scheme stay",
		Roles: adminsLogistics, Body: inventory.NewKit{}, Resp: inventory.Kit{}, Handler: s.apiUpdateKit})

	s.api.Handle(httpx.Route{Method: "POST", Path: "/stocktakes", Summary: "Start a stocktake of a location",
		Roles: httpx.Logistics, Body: inventory.NewStocktake{}, Resp: inventory.Stocktake{}, Status: 201, Handler: s.apiStartStocktake})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/stocktakes/:id", Summary: "A stocktake with its differences: missing, unexpected, miscounted",
		Roles: httpx.Staff, Resp: inventory.Stocktake{}, Handler: s.apiGetStocktake})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/stocktakes/:id/counts", Summary: "Add scanned serials and counted quantities to an open stocktake",
		Roles: httpx.Logistics, Body: inventory.StocktakeCount{}, Resp: inventory.Stocktake{}, Handler: s.apiRecordCount})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/stocktakes/:id/confirm", Summary: "Book a stocktake's differences: missing devices lost, found ones moved here, consumables adjusted",
		Roles: httpx.Logistics, Body: inventory.ConfirmStocktakeRequest{}, Resp: inventory.Stocktake{}, Handler: s.apiConfirmStocktake})

	s.api.Handle(httpx.Route{Method: "POST", Path: "/recalls", Summary: "Recall devices of a product by a list of serials or a serial range",
		Roles: adminsLogistics, Body: inventory.NewRecall{}, Resp: inventory.Recall{}, Status: 201, Handler: s.apiCreateRecall})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/recalls", Summary: "List recalls, newest first",
		Roles: httpx.Staff, Resp: httpx.List[inventory.Recall]{}, Handler: s.apiListRecalls})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/recalls/:id", Summary: "A recall and where each recalled device is: location, or member and citizen",
		Roles: httpx.Staff, Resp: inventory.Recall{}, Handler: s.apiGetRecall})
}

func (s *Server) apiCreateKit(c *fiber.Ctx) error {
	var in inventory.NewKit
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	k, err := s.Inventory.CreateKit(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, k)
}

func (s *Server) apiListKits(c *fiber.Ctx) error {
	ks, err := s.Inventory.ListKits(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ks, 0))
}

func (s *Server) apiGetKit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
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
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.NewKit
	if err := httpx.Decode(c, &in); err != nil {
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
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	st, err := s.Inventory.StartStocktake(c.UserContext(), in.LocationID)
	if err != nil {
		return err
	}
	return httpx.Created(c, st)
}

func (s *Server) apiGetStocktake(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
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
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.StocktakeCount
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	st, err := s.Inventory.RecordCount(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) apiConfirmStocktake(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.ConfirmStocktakeRequest
	if err := httpx.Decode(c, &in); err != nil {
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
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := s.Inventory.CreateRecall(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, r)
}

func (s *Server) apiListRecalls(c *fiber.Ctx) error {
	rs, err := s.Inventory.ListRecalls(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(rs, 0))
}

func (s *Server) apiGetRecall(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.Inventory.GetRecall(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
