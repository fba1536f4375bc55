package home

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// loginView is the login form as typed; the password is never shown again.
type loginView struct {
	Email string
	Next  string // where to go after logging in
}

func (h *Handlers) loginPage(c *fiber.Ctx) error {
	if _, ok := auth.From(c.UserContext()); ok {
		return c.Redirect(ui.SafeNext(c.Query("next")))
	}
	return h.UI.Render(c, "login", "login.title", loginView{Next: ui.SafeNext(c.Query("next"))})
}

// loginSubmit starts a session; a wrong e-mail or password, or too many attempts, show
// the form again with the same words for both, so the page tells no one which e-mails
// exist.
func (h *Handlers) loginSubmit(c *fiber.Ctx) error {
	v := loginView{Email: c.FormValue("email"), Next: ui.SafeNext(c.FormValue("next"))}
	sess, err := h.Auth.Login(c.UserContext(), v.Email, c.FormValue("password"), c.IP())
	if err != nil {
		l := ui.Lang(c)
		msg := l.T("login.failed")
		switch apperr.KindOf(err) {
		case apperr.KindRateLimited:
			msg = l.T("login.limited")
		case apperr.KindUnauthorized:
		default:
			return err
		}
		return h.UI.RenderError(c, "login", "login.title", v, &apperr.Error{Kind: apperr.KindOf(err), Msg: msg})
	}
	ui.SetSession(c, sess.Token, sess.ExpiresAt, h.SecureCookies)
	return c.Redirect(v.Next, fiber.StatusSeeOther)
}

func (h *Handlers) logoutSubmit(c *fiber.Ctx) error {
	if tok := ui.Session(c); tok != "" {
		if err := h.Auth.Logout(c.UserContext(), tok); err != nil {
			return err
		}
	}
	ui.ClearSession(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
