package admin

import (
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountUsers registers the user pages (admins).
func (h *Handlers) mountUsers(r ui.Router) {
	r.Get("/users", httpx.Admins, h.usersPage)
	r.Get("/users/new", httpx.Admins, h.userNewPage)
	r.Post("/users/new", httpx.Admins, h.userCreateSubmit)
	r.Get("/users/:id/edit", httpx.Admins, h.userEditPage)
	r.Post("/users/:id/edit", httpx.Admins, h.userEditSubmit)
}

type userRow struct {
	auth.User
	MemberName string
}

type usersView struct {
	Items []userRow
	Pager ui.Pager
}

func (h *Handlers) usersPage(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	us, next, err := h.Auth.ListUsers(ctx, p.After, p.Limit)
	if err != nil {
		return err
	}
	_, names, err := h.allMembers(ctx)
	if err != nil {
		return err
	}
	v := usersView{}
	for _, u := range us {
		v.Items = append(v.Items, userRow{User: u, MemberName: memberName(names, u.MemberID)})
	}
	v.Pager = ui.PagerFor(c, p, next)
	return h.UI.Render(c, "users", "users.title", v)
}

// userForm is the user form's values as typed; the password is never shown again.
type userForm struct {
	IsNew                       bool
	ID                          int64
	Email, Name, Role, MemberID string
	Disabled                    bool
	Roles                       []auth.Role
	Members                     []contracts.Member
	MinPassword                 int
}

func idString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func (h *Handlers) renderUserForm(c *fiber.Ctx, f userForm, formErr error) error {
	ms, _, err := h.allMembers(c.UserContext())
	if err != nil {
		return err
	}
	f.Roles, f.Members, f.MinPassword = auth.Roles, ms, auth.MinPasswordLength
	title := "users.edit"
	if f.IsNew {
		title = "users.new"
	}
	return h.UI.RenderError(c, "user_form", title, f, formErr)
}

func (h *Handlers) userNewPage(c *fiber.Ctx) error {
	return h.renderUserForm(c, userForm{IsNew: true, Role: string(auth.RoleSupport)}, nil)
}

func (h *Handlers) userCreateSubmit(c *fiber.Ctx) error {
	f := userForm{IsNew: true, Email: strings.TrimSpace(c.FormValue("email")), Name: c.FormValue("name"),
		Role: c.FormValue("role"), MemberID: c.FormValue("member_id")}
	var fe apperr.Fields
	mid := ui.ParseID(&fe, "member_id", f.MemberID)
	if err := fe.Err(); err != nil {
		return h.renderUserForm(c, f, err)
	}
	_, err := h.Auth.CreateUser(c.UserContext(), auth.NewUser{Email: f.Email, Name: f.Name,
		Password: c.FormValue("password"), Role: auth.Role(f.Role), MemberID: mid})
	if err != nil {
		return h.renderUserForm(c, f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/users", fiber.StatusSeeOther)
}

func (h *Handlers) userEditPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.Auth.GetUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.renderUserForm(c, userForm{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
		MemberID: idString(u.MemberID), Disabled: u.Disabled}, nil)
}

func (h *Handlers) userEditSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.Auth.GetUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := userForm{ID: id, Email: u.Email, Name: c.FormValue("name"), Role: c.FormValue("role"),
		MemberID: c.FormValue("member_id"), Disabled: c.FormValue("disabled") != ""}
	var fe apperr.Fields
	role := auth.Role(f.Role)
	patch := auth.UserPatch{Name: &f.Name, Role: &role, MemberID: ui.ParseID(&fe, "member_id", f.MemberID), Disabled: &f.Disabled}
	if pw := c.FormValue("password"); pw != "" {
		patch.Password = &pw
	}
	if err := fe.Err(); err != nil {
		return h.renderUserForm(c, f, err)
	}
	if _, err := h.Auth.UpdateUser(c.UserContext(), id, patch); err != nil {
		return h.renderUserForm(c, f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/users", fiber.StatusSeeOther)
}
