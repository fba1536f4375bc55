// Command fscload measures the back office under concurrent HTTP load: it logs in once,
// then sends GET requests to one path from N clients for a bounded time and count, and
// prints requests/s and latency percentiles. It refuses targets off this machine.
//
//	fscload -url http://127.0.0.1:8080 -email admin@fsc.example -password demo-password -c 32 -d 10s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "base URL of the back office (loopback only)")
	email := flag.String("email", "admin@fsc.example", "login e-mail")
	password := flag.String("password", "demo-password", "login password")
	path := flag.String("path", "/api/v1/me", "path to GET")
	conc := flag.Int("c", 32, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "how long to send (at most 5m)")
	max := flag.Int("n", 2_000_000, "stop after this many requests")
	warm := flag.Duration("warmup", time.Second, "requests sent first and not counted")
	flag.Parse()
	if err := run(*base, *email, *password, *path, *conc, *dur, *warm, *max); err != nil {
		fmt.Fprintln(os.Stderr, "fscload:", err)
		os.Exit(1)
	}
}

func run(base, email, password, path string, conc int, dur, warm time.Duration, max int) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("target %s is not on this machine; fscload only loads loopback servers", u.Hostname())
	}
	dur = min(dur, 5*time.Minute)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	token, err := login(client, base, email, password)
	if err != nil {
		return err
	}
	get := func() (time.Duration, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		return time.Since(start), nil
	}
	hammer(conc, warm, max, get) // warm-up: connections, caches, JIT of the query plans
	lat, errs, elapsed := hammer(conc, dur, max, get)
	report(path, conc, lat, errs, elapsed)
	return nil
}

// hammer runs get from conc goroutines until d has passed or max requests were sent.
func hammer(conc int, d time.Duration, max int, get func() (time.Duration, error)) ([]time.Duration, int64, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var sent, errs atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil && sent.Add(1) <= int64(max) {
				l, err := get()
				if err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, l)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, errs.Load(), time.Since(start)
}

func report(path string, conc int, lat []time.Duration, errs int64, elapsed time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Printf("GET %s  clients=%d  requests=%d  errors=%d  duration=%s\n", path, conc, len(lat), errs, elapsed.Round(time.Millisecond))
	fmt.Printf("  throughput %.0f req/s\n", float64(len(lat))/elapsed.Seconds())
	fmt.Printf("  latency p50=%s p90=%s p99=%s max=%s\n", pct(.5), pct(.9), pct(.99), pct(1))
}

func login(c *http.Client, base, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := c.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("login: %d %s", resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", errors.New("login: no token in answer")
	}
	return out.Token, nil
}
