package admin

import (
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountTokens registers the API token pages (admins).
func (h *Handlers) mountTokens(r ui.Router) {
	r.Get("/tokens", httpx.Admins, h.tokensPage)
	r.Post("/tokens", httpx.Admins, h.tokenCreateSubmit)
	r.Post("/tokens/:id/revoke", httpx.Admins, h.tokenRevokeSubmit)
}

type tokenRow struct {
	auth.Token
	MemberName string
	Expired    bool
}

// tokenForm is the new-token form as typed.
type tokenForm struct{ Name, Role, MemberID, ExpiresOn string }

type tokensView struct {
	Items   []tokenRow
	Form    tokenForm
	Roles   []auth.Role
	Members []contracts.Member
	Created *auth.CreatedToken // the token just created, shown this once
}

func (h *Handlers) renderTokens(c *fiber.Ctx, status int, f tokenForm, created *auth.CreatedToken, formErr error) error {
	ctx := c.UserContext()
	ts, err := h.Auth.ListTokens(ctx)
	if err != nil {
		return err
	}
	ms, names, err := h.allMembers(ctx)
	if err != nil {
		return err
	}
	v := tokensView{Form: f, Roles: auth.Roles, Members: ms, Created: created}
	now := time.Now()
	for _, t := range ts {
		v.Items = append(v.Items, tokenRow{Token: t, MemberName: memberName(names, t.MemberID),
			Expired: t.ExpiresAt != nil && !t.ExpiresAt.After(now)})
	}
	if created != nil {
		// The page carries a secret: keep it out of every cache.
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	if formErr != nil {
		return h.UI.RenderError(c, "tokens", "tokens.title", v, formErr)
	}
	return h.UI.RenderStatus(c, status, "tokens", "tokens.title", v)
}

func (h *Handlers) tokensPage(c *fiber.Ctx) error {
	return h.renderTokens(c, fiber.StatusOK, tokenForm{Role: string(auth.RoleSupport)}, nil, nil)
}

func (h *Handlers) tokenCreateSubmit(c *fiber.Ctx) error {
	f := tokenForm{Name: c.FormValue("name"), Role: c.FormValue("role"), MemberID: c.FormValue("member_id"),
		ExpiresOn: strings.TrimSpace(c.FormValue("expires_on"))}
	var fe apperr.Fields
	in := auth.NewToken{Name: f.Name, Role: auth.Role(f.Role), MemberID: ui.ParseID(&fe, "member_id", f.MemberID)}
	if f.ExpiresOn != "" {
		// The token is valid through the chosen day, Copenhagen time.
		d, err := time.ParseInLocation("2006-01-02", f.ExpiresOn, civil.Copenhagen)
		if err != nil {
			fe.Add("expires_at", apperr.NotDate, "must be a date as YYYY-MM-DD")
		} else {
			end := d.AddDate(0, 0, 1)
			in.ExpiresAt = &end
		}
	}
	if err := fe.Err(); err != nil {
		return h.renderTokens(c, fiber.StatusOK, f, nil, err)
	}
	created, err := h.Auth.CreateToken(c.UserContext(), in)
	if err != nil {
		return h.renderTokens(c, fiber.StatusOK, f, nil, err)
	}
	return h.renderTokens(c, fiber.StatusCreated, tokenForm{Role: string(auth.RoleSupport)}, created, nil)
}

func (h *Handlers) tokenRevokeSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Auth.RevokeToken(c.UserContext(), id); err != nil {
		return err
	}
	ui.Flash(c, "tokens.revoked")
	return c.Redirect("/tokens", fiber.StatusSeeOther)
}
