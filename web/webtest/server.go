// Package webtest is the shared test server of the web packages: the real app (web.New)
// on a fresh database and Redis from internal/testenv, with two members and one user
// per role, and clients for the API (Server.Do), for the pages as a browser without
// JavaScript would use them (Client) and for a headless Chromium (Browser).
//
// It imports package web, so the tests that use it are external test packages
// (package admin_test, package web_test).
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/web"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

const (
	// Password is every test user's password.
	Password = "correct-horse-battery"
	// CarrierSecret signs the carrier's webhooks in tests.
	CarrierSecret = "carrier-test-secret"
)

// Users are the keys of Server.Tokens: one user per role, and a second member user.
// Each user's e-mail is <key>@example.dk and its name the key.
var Users = []string{"admin", "logistics", "support", "finance", "member", "member2"}

// quietLogger keeps access logs out of test output; warnings and errors still show.
var quietLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// Server is the real app on a fresh database and Redis.
type Server struct {
	*web.Server
	T *testing.T
	// Ctx carries the database and the system principal, for setting up data through
	// the services.
	Ctx context.Context
	// Members are the municipalities "751" (of the user "member") and "657" (of
	// "member2").
	Members map[string]*contracts.Member
	// Tokens holds a bearer token of each of Users; a test may add its own.
	Tokens map[string]string
}

// New starts the app for t, with the services wired as cmd/fsc wires them; everything
// it opened closes when t ends.
func New(t *testing.T) *Server {
	t.Helper()
	return NewOn(t, testenv.DB(t), testenv.Redis(t))
}

// NewUnreachableRedis is New with a Redis that refuses every connection: the web as it
// is during a Redis outage.
func NewUnreachableRedis(t *testing.T) *Server {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return NewOn(t, testenv.DB(t), &jobs.Redis{Client: c})
}

// NewOn is New on the database g and Redis r.
func NewOn(t *testing.T, g *gorm.DB, r *jobs.Redis) *Server {
	t.Helper()
	sv := wire.New(g, r, wire.Options{WebhookAllowPrivate: true})
	cs, as := sv.Contracts, sv.Auth
	s := web.New(web.Deps{DB: g, Redis: r, Dispatcher: sv.Dispatcher, Auth: as, Contracts: cs, Inventory: sv.Inventory,
		Orders: sv.Orders, Support: sv.Support, Webhooks: sv.Webhooks, Reports: sv.Reports, CarrierSecret: CarrierSecret, Logger: quietLogger})
	ctx := auth.WithPrincipal(testenv.Context(t, g), auth.System)
	ts := &Server{Server: s, T: t, Ctx: ctx, Members: map[string]*contracts.Member{}, Tokens: map[string]string{}}
	for _, code := range []string{"751", "657"} {
		m, err := cs.CreateMember(ctx, contracts.NewMember{Code: contracts.Code(code), Name: "Kommune " + code,
			Kind: "municipality", EAN: "5798000416604", Inhabitants: 1000, Inhabitants65Plus: 200})
		if err != nil {
			t.Fatal(err)
		}
		ts.Members[code] = m
	}
	roles := map[string]auth.Role{"admin": auth.RoleAdmin, "logistics": auth.RoleLogistics, "support": auth.RoleSupport,
		"finance": auth.RoleFinance, "member": auth.RoleMember, "member2": auth.RoleMember}
	memberOf := map[string]string{"member": "751", "member2": "657"}
	for _, key := range Users {
		in := auth.NewUser{Email: key + "@example.dk", Name: key, Password: Password, Role: roles[key]}
		if code := memberOf[key]; code != "" {
			in.MemberID = &ts.Members[code].ID
		}
		if _, err := as.CreateUser(ctx, in); err != nil {
			t.Fatal(err)
		}
		sess, err := as.Login(db.NewContext(context.Background(), g), in.Email, Password, "setup-"+key)
		if err != nil {
			t.Fatal(err)
		}
		ts.Tokens[key] = sess.Token
	}
	return ts
}

// Do sends a request as the user key ("" for none) and returns status and body. A body
// that is a string is sent as it is, anything else as JSON.
func (ts *Server) Do(method, path, user string, body any) (int, []byte) {
	ts.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+ts.Tokens[user])
	}
	return ts.Send(req)
}

// Send sends req to the app and returns status and body.
func (ts *Server) Send(req *http.Request) (int, []byte) {
	ts.T.Helper()
	resp, err := ts.App.Test(req, -1)
	if err != nil {
		ts.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// DecodeInto unmarshals b into v or fails the test.
func DecodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// ExpectFields checks a 422 problem naming these fields (at least).
func ExpectFields(t *testing.T, status int, body []byte, fields ...string) {
	t.Helper()
	if status != 422 {
		t.Fatalf("status %d, want 422: %s", status, body)
	}
	var p httpx.Problem
	DecodeInto(t, body, &p)
	got := map[string]bool{}
	for _, f := range p.Errors {
		got[f.Field] = true
	}
	for _, f := range fields {
		if !got[f] {
			t.Errorf("no error for field %q in %s", f, body)
		}
	}
}

// AddUser creates the user key (e-mail key@example.dk, name key, Password) with role
// and its member or vendor, logs it in and adds its token to Tokens.
func (ts *Server) AddUser(key string, role auth.Role, memberID, vendorID *int64) {
	ts.T.Helper()
	in := auth.NewUser{Email: key + "@example.dk", Name: key, Password: Password, Role: role, MemberID: memberID, VendorID: vendorID}
	if _, err := ts.Auth.CreateUser(ts.Ctx, in); err != nil {
		ts.T.Fatal(err)
	}
	sess, err := ts.Auth.Login(db.NewContext(context.Background(), ts.DB), in.Email, Password, "setup-"+key)
	if err != nil {
		ts.T.Fatal(err)
	}
	ts.Tokens[key] = sess.Token
}
