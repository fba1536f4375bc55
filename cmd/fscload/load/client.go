package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Client sends requests to one back office.
type Client struct {
	Base  string // http://host:port
	Token string // bearer token of Get; Request takes its own
	HTTP  *http.Client
}

// NewClient returns a client of base with enough idle connections for conns
// concurrent callers that none ever waits for one or reconnects.
func NewClient(base string, conns int, timeout time.Duration) *Client {
	return &Client{Base: base, HTTP: &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}}}
}

// CheckLoopback refuses a base URL off this machine: fscload loads only servers it may.
func CheckLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("target %s is not on this machine; fscload only loads loopback servers", u.Hostname())
	}
	return nil
}

// Login logs in and returns the session token.
func (c *Client) Login(email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	st, b, err := c.Request("POST", "/api/v1/auth/login", "", body, nil)
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	if st != 200 {
		return "", fmt.Errorf("login as %s: %d %.200s", email, st, b)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", errors.New("login: no token in answer")
	}
	return out.Token, nil
}

// Request sends a request with a JSON body (if any) and bearer token (if any) and
// returns status and body.
func (c *Client) Request(method, path, token string, body []byte, header map[string]string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Get sends a GET with c.Token and returns the body; any status but 200 is an error.
func (c *Client) Get(path string) ([]byte, error) {
	st, b, err := c.Request("GET", path, c.Token, nil, nil)
	if err != nil {
		return nil, err
	}
	if st != 200 {
		return nil, fmt.Errorf("GET %s: status %d: %.200s", path, st, b)
	}
	return b, nil
}
