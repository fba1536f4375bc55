package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
)

// mountSchemePages registers the scheme pages.
func (s *Server) mountSchemePages(r fiber.Router) {
	r.Get("/schemes", s.requirePage(anyUser), s.schemesPage)
	r.Post("/schemes", s.requirePage(admins), s.schemeCreateSubmit)
	r.Get("/schemes/:id", s.requirePage(anyUser), s.schemePage)
	r.Post("/schemes/:id/participants", s.requirePage(admins), s.schemeJoinSubmit)
	r.Post("/schemes/:id/participants/:pid", s.requirePage(admins), s.participationSubmit)
}

// mountAdminPages registers the users, API tokens, audit and background-job pages.
func (s *Server) mountAdminPages(r fiber.Router) {
	r.Get("/users", s.requirePage(admins), s.usersPage)
	r.Get("/users/new", s.requirePage(admins), s.userNewPage)
	r.Post("/users/new", s.requirePage(admins), s.userCreateSubmit)
	r.Get("/users/:id/edit", s.requirePage(admins), s.userEditPage)
	r.Post("/users/:id/edit", s.requirePage(admins), s.userEditSubmit)
	r.Get("/tokens", s.requirePage(admins), s.tokensPage)
	r.Post("/tokens", s.requirePage(admins), s.tokenCreateSubmit)
	r.Post("/tokens/:id/revoke", s.requirePage(admins), s.tokenRevokeSubmit)
	r.Get("/audit", s.requirePage(admins), s.auditPage)
	jobs := s.jobsMonitor()
	r.All("/admin/jobs", s.requirePage(admins), jobs)
	r.All("/admin/jobs/*", s.requirePage(admins), jobs)
}

// ---- schemes ----

// schemeForm is the new-scheme form as typed.
type schemeForm struct{ Code, Name string }

type schemesView struct {
	Items   []contracts.Scheme
	IsAdmin bool
	Form    schemeForm
}

func isAdmin(c *fiber.Ctx) bool {
	p, _ := auth.From(c.UserContext())
	return p.Role == auth.RoleAdmin
}

func (s *Server) renderSchemes(c *fiber.Ctx, f schemeForm, formErr error) error {
	items, err := s.Contracts.ListSchemes(c.UserContext())
	if err != nil {
		return err
	}
	return s.pages.renderStatus(c, fiber.StatusOK, "schemes", "schemes.title",
		schemesView{Items: items, IsAdmin: isAdmin(c), Form: f}, formErr)
}

func (s *Server) schemesPage(c *fiber.Ctx) error { return s.renderSchemes(c, schemeForm{}, nil) }

func (s *Server) schemeCreateSubmit(c *fiber.Ctx) error {
	f := schemeForm{Code: strings.TrimSpace(c.FormValue("code")), Name: strings.TrimSpace(c.FormValue("name"))}
	sc, err := s.Contracts.CreateScheme(c.UserContext(), contracts.NewScheme{Code: f.Code, Name: f.Name})
	if err != nil {
		return s.renderSchemes(c, f, err)
	}
	flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/schemes/%d", sc.ID), fiber.StatusSeeOther)
}

// joinForm is the "member joins" form as typed.
type joinForm struct{ MemberID, JoinedOn, LeftOn string }

// leaveForm is one participation's leaving-date form as typed.
type leaveForm struct {
	PID    int64
	LeftOn string
}

type schemeView struct {
	Scheme  *contracts.Scheme
	IsAdmin bool
	Members []contracts.Member // the choices of the join form (admins only)
	Join    joinForm
	Leave   leaveForm
}

func (s *Server) renderScheme(c *fiber.Ctx, id int64, join joinForm, leave leaveForm, formErr error) error {
	ctx := c.UserContext()
	sc, err := s.Contracts.GetScheme(ctx, id)
	if err != nil {
		return err
	}
	v := schemeView{Scheme: sc, IsAdmin: isAdmin(c), Join: join, Leave: leave}
	if v.IsAdmin {
		if v.Members, _, err = s.Contracts.ListMembers(ctx, contracts.MemberFilter{Limit: 500}); err != nil {
			return err
		}
	}
	return s.pages.renderStatus(c, fiber.StatusOK, "scheme", "schemes.title", v, formErr)
}

func (s *Server) schemePage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.renderScheme(c, id, joinForm{JoinedOn: civil.Today().String()}, leaveForm{}, nil)
}

// parseDate reads an optional date field ("" is the zero date) into fe.
func parseDate(fe *apperr.Fields, field, v string) civil.Date {
	if v == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(v)
	if err != nil {
		fe.Add(field, apperr.NotDate, "must be a date as YYYY-MM-DD")
	}
	return d
}

func (s *Server) schemeJoinSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f := joinForm{MemberID: c.FormValue("member_id"), JoinedOn: strings.TrimSpace(c.FormValue("joined_on")),
		LeftOn: strings.TrimSpace(c.FormValue("left_on"))}
	var fe apperr.Fields
	var in contracts.NewParticipation
	if f.MemberID == "" {
		fe.Add("member_id", apperr.Required, "is required")
	} else if in.MemberID, err = strconv.ParseInt(f.MemberID, 10, 64); err != nil {
		fe.Add("member_id", apperr.Unknown, "is not a member")
	}
	if f.JoinedOn == "" {
		fe.Add("joined_on", apperr.Required, "is required")
	}
	in.JoinedOn = parseDate(&fe, "joined_on", f.JoinedOn)
	in.LeftOn = parseDate(&fe, "left_on", f.LeftOn)
	if err := fe.Err(); err != nil {
		return s.renderScheme(c, id, f, leaveForm{}, err)
	}
	if _, err := s.Contracts.Join(c.UserContext(), id, in); err != nil {
		return s.renderScheme(c, id, f, leaveForm{}, err)
	}
	flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/schemes/%d", id), fiber.StatusSeeOther)
}

func (s *Server) participationSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	pid, err := idParam(c, "pid")
	if err != nil {
		return err
	}
	f := leaveForm{PID: pid, LeftOn: strings.TrimSpace(c.FormValue("left_on"))}
	var fe apperr.Fields
	patch := contracts.ParticipationPatch{LeftOn: parseDate(&fe, "left_on", f.LeftOn)}
	join := joinForm{JoinedOn: civil.Today().String()}
	if err := fe.Err(); err != nil {
		return s.renderScheme(c, id, join, f, err)
	}
	if _, err := s.Contracts.UpdateParticipation(c.UserContext(), id, pid, patch); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return s.renderScheme(c, id, join, f, err)
	}
	flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/schemes/%d", id), fiber.StatusSeeOther)
}

// ---- users ----

// allMembers returns every member the caller may see, by id, and their names by id.
func (s *Server) allMembers(ctx context.Context) ([]contracts.Member, map[int64]string, error) {
	f := contracts.MemberFilter{Limit: 500}
	var out []contracts.Member
	for {
		ms, next, err := s.Contracts.ListMembers(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ms...)
		if next == 0 {
			break
		}
		f.After = next
	}
	names := make(map[int64]string, len(out))
	for _, m := range out {
		names[m.ID] = m.Name
	}
	return out, names, nil
}

func memberName(names map[int64]string, id *int64) string {
	if id == nil {
		return ""
	}
	if n, ok := names[*id]; ok {
		return n
	}
	return fmt.Sprintf("#%d", *id)
}

type userRow struct {
	auth.User
	MemberName string
}

type usersView struct {
	Items []userRow
	Next  string
	Paged bool // not on the first page
}

func (s *Server) usersPage(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	us, next, err := s.Auth.ListUsers(ctx, p.After, p.Limit)
	if err != nil {
		return err
	}
	_, names, err := s.allMembers(ctx)
	if err != nil {
		return err
	}
	v := usersView{Paged: p.After != 0}
	for _, u := range us {
		v.Items = append(v.Items, userRow{User: u, MemberName: memberName(names, u.MemberID)})
	}
	if next != 0 {
		v.Next = "?" + queryWith(c, "cursor", encodeCursor(next))
	}
	return s.pages.render(c, "users", "users.title", v)
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

// parseMemberID reads an optional member select: "" is none.
func parseMemberID(fe *apperr.Fields, v string) *int64 {
	if v == "" {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		fe.Add("member_id", apperr.Unknown, "is not a member")
		return nil
	}
	return &id
}

func idString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

func (s *Server) renderUserForm(c *fiber.Ctx, f userForm, formErr error) error {
	ms, _, err := s.allMembers(c.UserContext())
	if err != nil {
		return err
	}
	f.Roles, f.Members, f.MinPassword = auth.Roles, ms, auth.MinPasswordLength
	title := "users.edit"
	if f.IsNew {
		title = "users.new"
	}
	return s.pages.renderStatus(c, fiber.StatusOK, "user_form", title, f, formErr)
}

func (s *Server) userNewPage(c *fiber.Ctx) error {
	return s.renderUserForm(c, userForm{IsNew: true, Role: string(auth.RoleSupport)}, nil)
}

func (s *Server) userCreateSubmit(c *fiber.Ctx) error {
	f := userForm{IsNew: true, Email: strings.TrimSpace(c.FormValue("email")), Name: c.FormValue("name"),
		Role: c.FormValue("role"), MemberID: c.FormValue("member_id")}
	var fe apperr.Fields
	mid := parseMemberID(&fe, f.MemberID)
	if err := fe.Err(); err != nil {
		return s.renderUserForm(c, f, err)
	}
	_, err := s.Auth.CreateUser(c.UserContext(), auth.NewUser{Email: f.Email, Name: f.Name,
		Password: c.FormValue("password"), Role: auth.Role(f.Role), MemberID: mid})
	if err != nil {
		return s.renderUserForm(c, f, err)
	}
	flash(c, "common.saved")
	return c.Redirect("/users", fiber.StatusSeeOther)
}

func (s *Server) userEditPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.renderUserForm(c, userForm{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
		MemberID: idString(u.MemberID), Disabled: u.Disabled}, nil)
}

func (s *Server) userEditSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := userForm{ID: id, Email: u.Email, Name: c.FormValue("name"), Role: c.FormValue("role"),
		MemberID: c.FormValue("member_id"), Disabled: c.FormValue("disabled") != ""}
	var fe apperr.Fields
	role := auth.Role(f.Role)
	patch := auth.UserPatch{Name: &f.Name, Role: &role, MemberID: parseMemberID(&fe, f.MemberID), Disabled: &f.Disabled}
	if pw := c.FormValue("password"); pw != "" {
		patch.Password = &pw
	}
	if err := fe.Err(); err != nil {
		return s.renderUserForm(c, f, err)
	}
	if _, err := s.Auth.UpdateUser(c.UserContext(), id, patch); err != nil {
		return s.renderUserForm(c, f, err)
	}
	flash(c, "common.saved")
	return c.Redirect("/users", fiber.StatusSeeOther)
}

// ---- API tokens ----

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

func (s *Server) renderTokens(c *fiber.Ctx, status int, f tokenForm, created *auth.CreatedToken, formErr error) error {
	ctx := c.UserContext()
	ts, err := s.Auth.ListTokens(ctx)
	if err != nil {
		return err
	}
	ms, names, err := s.allMembers(ctx)
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
	return s.pages.renderStatus(c, status, "tokens", "tokens.title", v, formErr)
}

func (s *Server) tokensPage(c *fiber.Ctx) error {
	return s.renderTokens(c, fiber.StatusOK, tokenForm{Role: string(auth.RoleSupport)}, nil, nil)
}

func (s *Server) tokenCreateSubmit(c *fiber.Ctx) error {
	f := tokenForm{Name: c.FormValue("name"), Role: c.FormValue("role"), MemberID: c.FormValue("member_id"),
		ExpiresOn: strings.TrimSpace(c.FormValue("expires_on"))}
	var fe apperr.Fields
	in := auth.NewToken{Name: f.Name, Role: auth.Role(f.Role), MemberID: parseMemberID(&fe, f.MemberID)}
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
		return s.renderTokens(c, fiber.StatusOK, f, nil, err)
	}
	created, err := s.Auth.CreateToken(c.UserContext(), in)
	if err != nil {
		return s.renderTokens(c, fiber.StatusOK, f, nil, err)
	}
	return s.renderTokens(c, fiber.StatusCreated, tokenForm{Role: string(auth.RoleSupport)}, created, nil)
}

func (s *Server) tokenRevokeSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.RevokeToken(c.UserContext(), id); err != nil {
		return err
	}
	flash(c, "tokens.revoked")
	return c.Redirect("/tokens", fiber.StatusSeeOther)
}

// ---- audit trail ----

type auditRow struct {
	audit.Entry
	ActionText            string // translated when the action is a known one
	BeforeJSON, AfterJSON string
}

type auditView struct {
	Items                   []auditRow
	Entity, Actor, EntityID string
	Filtered, Paged         bool
	Next                    string
}

// prettyJSON indents stored JSON for reading; what does not parse is shown as is.
func prettyJSON(j audit.JSONText) string {
	if j == "" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(j), "", "  "); err != nil {
		return string(j)
	}
	return b.String()
}

func (s *Server) auditPage(c *fiber.Ctx) error {
	v := auditView{Entity: strings.TrimSpace(c.Query("entity")), Actor: strings.TrimSpace(c.Query("actor")),
		EntityID: strings.TrimSpace(c.Query("entity_id"))}
	v.Filtered = v.Entity != "" || v.Actor != "" || v.EntityID != ""
	p, err := pageParams(c)
	if err != nil {
		return s.pages.renderStatus(c, 0, "audit", "audit.title", v, err)
	}
	f := audit.Filter{Entity: v.Entity, Actor: v.Actor, Before: p.After, Limit: p.Limit}
	if v.EntityID != "" {
		if f.EntityID, err = strconv.ParseInt(v.EntityID, 10, 64); err != nil || f.EntityID <= 0 {
			return s.pages.renderStatus(c, 0, "audit", "audit.title", v,
				apperr.Invalid(apperr.Field("entity_id", apperr.NotPositive, "must be a whole number above 0")))
		}
	}
	es, next, err := audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	v.Paged = p.After != 0
	l := lang(c)
	for _, e := range es {
		row := auditRow{Entry: e, ActionText: e.Action, BeforeJSON: prettyJSON(e.Before), AfterJSON: prettyJSON(e.After)}
		if _, ok := messages["audit.action."+e.Action]; ok {
			row.ActionText = l.T("audit.action." + e.Action)
		}
		v.Items = append(v.Items, row)
	}
	if next != 0 {
		v.Next = "?" + queryWith(c, "cursor", encodeCursor(next))
	}
	return s.pages.render(c, "audit", "audit.title", v)
}

// ---- background jobs ----

// jobsMonitor serves asynqmon, the queue dashboard, under /admin/jobs. Its own Redis
// connection opens on first use, so a server whose admins never look costs nothing.
//
// The dashboard is a single-page app that changes tasks with JSON requests, which carry
// no form field for the CSRF middleware in front of every page. Its HTML gets a small
// script that adds this session's CSRF token as the _csrf query parameter (which the
// middleware reads like a form field) to every request that is not a GET.
func (s *Server) jobsMonitor() fiber.Handler {
	var (
		once sync.Once
		h    fiber.Handler
	)
	return func(c *fiber.Ctx) error {
		once.Do(func() {
			if _, ok := s.Redis.Client.(*redis.Client); !ok {
				return // a cluster client: asynqmon cannot be pointed at it here
			}
			h = adaptor.HTTPHandler(asynqmon.New(asynqmon.Options{RootPath: "/admin/jobs", RedisConnOpt: s.Redis.ConnOpt()}))
		})
		if h == nil {
			return apperr.NotFound("the job dashboard needs a single Redis server")
		}
		if err := h(c); err != nil {
			return err
		}
		if strings.HasPrefix(string(c.Response().Header.ContentType()), "text/html") {
			tok, _ := c.Locals(csrfKey).(string)
			js, _ := json.Marshal(tok)
			script := `<script>(function(){var t=` + string(js) + `,o=XMLHttpRequest.prototype.open;` +
				`XMLHttpRequest.prototype.open=function(m,u){if(!/^(get|head|options)$/i.test(m)){u=String(u);` +
				`arguments[1]=u+(u.indexOf("?")<0?"?":"&")+"_csrf="+encodeURIComponent(t)}return o.apply(this,arguments)}})();</script>`
			body := bytes.Replace(c.Response().Body(), []byte("</head>"), []byte(script+"</head>"), 1)
			c.Response().SetBody(body)
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		return nil
	}
}
