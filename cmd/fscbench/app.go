package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

const (
	adminEmail    = "bench-admin@fsc.example"
	adminPassword = "bench-password-2026"
)

// app is the real HTTP application, wired as cmd/fsc does, on a loopback port.
type app struct {
	base       string // http://127.0.0.1:port
	token      string
	client     *http.Client
	web        *web.Server
	redis      *jobs.Redis
	dispatcher *jobs.Dispatcher
	errc       chan error
}

func startApp(ctx context.Context, g *gorm.DB) (*app, error) {
	r, err := jobs.OpenRedis(ctx, "") // in-process: nothing here enqueues work
	if err != nil {
		return nil, err
	}
	a := &app{redis: r, errc: make(chan error, 1)}
	a.dispatcher = jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	cs := contracts.NewService()
	inv := inventory.NewService(cs)
	as := auth.NewService(cs, nil) // no login rate limit: the bench logs in once
	a.web = web.New(web.Deps{DB: g, Redis: r, Dispatcher: a.dispatcher, Auth: as,
		Contracts: cs, Inventory: inv, Logger: discardLogger})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.close()
		return nil, err
	}
	go func() { a.errc <- a.web.App.Listener(ln) }()
	a.base = "http://" + ln.Addr().String()
	// Enough idle connections that no client ever waits for one or reconnects.
	a.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256, IdleConnTimeout: time.Minute}}

	sys := auth.WithPrincipal(a.dispatcher.NewContext(db.NewContext(ctx, g)), auth.System)
	created, err := as.EnsureAdmin(sys, adminEmail, adminPassword)
	if err != nil {
		a.close()
		return nil, err
	}
	if !created { // users exist already (a reused database): add ours unless it is there
		_, err := as.CreateUser(sys, auth.NewUser{Email: adminEmail, Name: "Bench admin", Password: adminPassword, Role: auth.RoleAdmin})
		if err != nil && !apperr.Is(err, apperr.KindInvalid) {
			a.close()
			return nil, err
		}
	}
	if a.token, err = a.login(); err != nil {
		a.close()
		return nil, err
	}
	fmt.Printf("app: listening on %s, logged in as %s\n", a.base, adminEmail)
	return a, nil
}

func (a *app) close() {
	if a.web != nil {
		_ = a.web.App.ShutdownWithTimeout(5 * time.Second)
	}
	if a.dispatcher != nil {
		a.dispatcher.Wait()
	}
	a.redis.Close()
}

func (a *app) login() (string, error) {
	body, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
	resp, err := a.client.Post(a.base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("login as %s: %d %s (a reused database with another password? run with -reset)", adminEmail, resp.StatusCode, b)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", errors.New("login: no token in answer")
	}
	return out.Token, nil
}

// get sends an authenticated GET and returns the body; non-200 is an error.
func (a *app) get(path string) ([]byte, error) {
	req, err := http.NewRequest("GET", a.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: status %d: %.200s", path, resp.StatusCode, b)
	}
	return b, nil
}
