package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// Helpers for tests that run the real binary, as an operator or orchestrator would.

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// fscBinary builds ./cmd/fsc once per test run (without -race: the processes are the
// subject, not the instrumentation) and returns its path. FSC_TEST_BINARY names a
// binary to test instead, such as one built from an older commit.
func fscBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("FSC_TEST_BINARY"); b != "" {
		return b
	}
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "fsc-bin-"); buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "fsc"), ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "fsc")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// proc is a running fsc with its output kept for matching and for failure messages.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  []string // stdout and stderr lines, in arrival order
	done chan struct{}
	err  error // from Wait, once done is closed
}

// env is the environment of a child: this process's without FSC_* settings, then vars.
func env(vars ...string) []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "FSC_") {
			out = append(out, e)
		}
	}
	return append(out, vars...)
}

func startProc(t *testing.T, name string, vars []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(fscBinary(t), args...), done: make(chan struct{})}
	p.cmd.Env = env(vars...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				p.mu.Lock()
				p.out = append(p.out, sc.Text())
				p.mu.Unlock()
			}
		}()
	}
	go func() {
		wg.Wait()
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// waitLine waits for an output line matching re and returns its submatches; it fails
// t if the process ends first or d passes.
func (p *proc) waitLine(t *testing.T, re *regexp.Regexp, d time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(d)
	seen := 0
	for {
		p.mu.Lock()
		lines := p.out[seen:]
		seen = len(p.out)
		p.mu.Unlock()
		for _, l := range lines {
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) before printing %q:\n%s", p.name, p.err, re, p.output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s printed no %q within %s:\n%s", p.name, re, d, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait waits for the process to end by itself and returns its error.
func (p *proc) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		t.Fatalf("%s still running after %s:\n%s", p.name, d, p.output())
		return nil
	}
}

// stop sends SIGTERM and fails t unless the process ends cleanly.
func (p *proc) stop(t *testing.T) { stopAll(t, p) }

// stopAll sends SIGTERM to every process, then fails t unless each ends cleanly.
func stopAll(t *testing.T, ps ...*proc) {
	t.Helper()
	for _, p := range ps {
		if p.exited() {
			t.Fatalf("%s had already exited (%v):\n%s", p.name, p.err, p.output())
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range ps {
		if err := p.wait(t, 20*time.Second); err != nil {
			t.Fatalf("%s after SIGTERM: %v\n%s", p.name, err, p.output())
		}
	}
}

var bannerRE = regexp.MustCompile(`running at (http://[^/\s]+)/`)

// waitReady waits for a serve's banner, then for its /readyz to answer 200, and
// returns its base URL.
func (p *proc) waitReady(t *testing.T, d time.Duration) string {
	t.Helper()
	start := time.Now()
	base := p.waitLine(t, bannerRE, d)[1]
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if p.exited() || time.Since(start) > d {
			t.Fatalf("%s not ready within %s (%v):\n%s", p.name, d, err, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freshDatabase returns the URL of a new, empty database, dropped when t ends: a
// PostgreSQL database of its own (CREATE DATABASE) or a SQLite file.
func freshDatabase(t *testing.T, name string) string {
	t.Helper()
	base := testenv.PostgresURL()
	if base == "" {
		return "sqlite://" + filepath.Join(t.TempDir(), name+".db")
	}
	admin, err := db.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(admin)
	dbname := fmt.Sprintf("fsc_%s_%d_%d", name, os.Getpid(), time.Now().UnixNano()%1e9)
	if err := admin.Exec("CREATE DATABASE " + dbname).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if admin, err := db.Open(base); err == nil {
			admin.Exec("DROP DATABASE IF EXISTS " + dbname + " WITH (FORCE)")
			db.Close(admin)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + dbname
	return u.String()
}

// sharedRedis returns the URL of a Redis for t's processes and a client on it: a
// database of the test server, or a Redis run by this test process.
func sharedRedis(t *testing.T) (string, *redis.Client) {
	t.Helper()
	if testenv.RedisURL() == "" {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { c.Close() })
		return "redis://" + m.Addr() + "/0", c
	}
	c := testenv.Redis(t).Client.(*redis.Client)
	o := c.Options()
	u := url.URL{Scheme: "redis", Host: o.Addr, Path: fmt.Sprintf("/%d", o.DB)}
	if o.Password != "" {
		u.User = url.UserPassword(o.Username, o.Password)
	}
	return u.String(), c
}

// countRows counts the rows of table in the database at dbURL.
func countRows(t *testing.T, dbURL, table string) int64 {
	t.Helper()
	g, err := db.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(g)
	var n int64
	if err := g.WithContext(context.Background()).Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
