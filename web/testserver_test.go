package web

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

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"
)

const (
	testPassword      = "correct-horse-battery"
	testCarrierSecret = "carrier-test-secret"
)

// quietLogger keeps access logs out of test output; warnings and errors still show.
var quietLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// testServer is the real app on a fresh database and Redis, with one user per role.
type testServer struct {
	t       *testing.T
	s       *Server
	ctx     context.Context // system principal, for setting up data through services
	members map[string]*contracts.Member
	tokens  map[string]string // role name (or "member2") → bearer token
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	g := testenv.DB(t)
	r := testenv.Redis(t)
	cs := contracts.NewService()
	as := auth.NewService(cs, redis_rate.NewLimiter(r.Client))
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	inv := inventory.NewService(cs)
	ords := orders.NewService(inv, cs)
	inv.StockArrived = ords.StockArrived
	s := New(Deps{DB: g, Redis: r, Dispatcher: d, Auth: as, Contracts: cs, Inventory: inv, Orders: ords,
		CarrierSecret: testCarrierSecret, Logger: quietLogger})
	ctx := auth.WithPrincipal(testenv.Context(t, g), auth.System)
	ts := &testServer{t: t, s: s, ctx: ctx, members: map[string]*contracts.Member{}, tokens: map[string]string{}}
	for _, code := range []string{"751", "657"} {
		m, err := cs.CreateMember(ctx, contracts.NewMember{Code: contracts.Code(code), Name: "Kommune " + code,
			Kind: "municipality", EAN: "5798000416604", Inhabitants: 1000, Inhabitants65Plus: 200})
		if err != nil {
			t.Fatal(err)
		}
		ts.members[code] = m
	}
	users := []struct {
		key    string
		role   auth.Role
		member string
	}{
		{"admin", auth.RoleAdmin, ""}, {"logistics", auth.RoleLogistics, ""}, {"support", auth.RoleSupport, ""},
		{"finance", auth.RoleFinance, ""}, {"member", auth.RoleMember, "751"}, {"member2", auth.RoleMember, "657"},
	}
	for _, u := range users {
		in := auth.NewUser{Email: u.key + "@example.dk", Name: u.key, Password: testPassword, Role: u.role}
		if u.member != "" {
			in.MemberID = &ts.members[u.member].ID
		}
		if _, err := as.CreateUser(ctx, in); err != nil {
			t.Fatal(err)
		}
		sess, err := as.Login(db.NewContext(context.Background(), g), in.Email, testPassword, "setup-"+u.key)
		if err != nil {
			t.Fatal(err)
		}
		ts.tokens[u.key] = sess.Token
	}
	return ts
}

// do sends a request as the user key ("" for none) and returns status and body.
func (ts *testServer) do(method, path, user string, body any) (int, []byte) {
	ts.t.Helper()
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
		req.Header.Set("Authorization", "Bearer "+ts.tokens[user])
	}
	return ts.send(req)
}

func (ts *testServer) send(req *http.Request) (int, []byte) {
	ts.t.Helper()
	resp, err := ts.s.App.Test(req, -1)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// decodeInto unmarshals b into v or fails the test.
func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
