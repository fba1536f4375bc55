package web

import (
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/gofiber/fiber/v2"
)

type loginView struct {
	Email string
	Next  string
}

func (s *Server) loginPage(c *fiber.Ctx) error {
	if _, ok := auth.From(c.UserContext()); ok {
		return c.Redirect(safeNext(c.Query("next")))
	}
	return s.pages.render(c, "login", "login.title", loginView{Next: safeNext(c.Query("next"))})
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	v := loginView{Email: c.FormValue("email"), Next: safeNext(c.FormValue("next"))}
	sess, err := s.Auth.Login(c.UserContext(), v.Email, c.FormValue("password"), c.IP())
	if err != nil {
		l := lang(c)
		msg := l.T("login.failed")
		switch apperr.KindOf(err) {
		case apperr.KindRateLimited:
			msg = l.T("login.limited")
		case apperr.KindUnauthorized:
		default:
			return err
		}
		return s.pages.renderStatus(c, statusOf(err), "login", "login.title", v, &apperr.Error{Kind: apperr.KindUnauthorized, Msg: msg})
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: "Lax", Expires: sess.ExpiresAt})
	return c.Redirect(v.Next, fiber.StatusSeeOther)
}

func (s *Server) logoutSubmit(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		if err := s.Auth.Logout(c.UserContext(), tok); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true, Expires: time.Unix(0, 0)})
	return c.Redirect("/login", fiber.StatusSeeOther)
}

type dashboardView struct {
	Reorder        []inventory.StockLevel
	Notices        []inventory.ReorderNotice
	Name           string
	MemberName     string
	Members        int64
	Schemes        int64
	Users          int64
	Participations int64
}

func (s *Server) dashboardPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	v := dashboardView{Name: p.Name}
	if p.UserID != 0 {
		if u, err := s.Auth.Me(ctx); err == nil {
			v.Name = u.Name
		}
	}
	if p.MemberID != nil {
		if m, err := s.Contracts.GetMember(ctx, *p.MemberID); err == nil {
			v.MemberName = m.Name
		}
	}
	if p.IsStaff() {
		n, err := s.Contracts.Count(ctx)
		if err != nil {
			return err
		}
		v.Members, v.Schemes, v.Participations = n.Members, n.Schemes, n.ActiveParticipations
		if v.Users, err = s.Auth.CountUsers(ctx); err != nil {
			return err
		}
		v.Reorder = s.reorderWarnings(c)
		v.Notices, _ = s.Inventory.ReorderNotices(ctx, 5)
	}
	return s.pages.render(c, "dashboard", "nav.dashboard", v)
}
