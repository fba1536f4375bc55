package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
)

const (
	adminEmail    = "root@fsc.example"
	adminPassword = "root-password-123"
)

var (
	workerRunningRE = regexp.MustCompile(`msg=running command=worker`)
	appliedRE       = regexp.MustCompile(`msg="migrations applied" applied=(\d+) total=(\d+)`)
)

// migrateConcurrently runs three `fsc migrate` at once, as several hosts may, and
// checks that their applied counts add up to the number of migrations: each reports
// what it applied itself (they each logged applied=12).
func migrateConcurrently(t *testing.T, vars []string) {
	t.Helper()
	ps := make([]*proc, 3)
	for i := range ps {
		ps[i] = startProc(t, fmt.Sprintf("migrate-%d", i), vars, "migrate")
	}
	sum, total := 0, ""
	for _, p := range ps {
		if err := p.wait(t, time.Minute); err != nil {
			t.Fatalf("%s: %v\n%s", p.name, err, p.output())
		}
		m := p.waitLine(t, appliedRE, time.Second)
		n, _ := strconv.Atoi(m[1])
		if sum += n; total != "" && m[2] != total {
			t.Fatalf("%s: total %s, the others %s", p.name, m[2], total)
		}
		total = m[2]
	}
	if strconv.Itoa(sum) != total {
		// Errorf: the start-up below is worth checking even so.
		t.Errorf("three concurrent migrate runs report applying %d migrations together, want %s (each once):\n%s\n%s\n%s",
			sum, total, ps[0].output(), ps[1].output(), ps[2].output())
	}
}

// Orchestrators start everything at once. Ten times over, on a fresh database: three
// `fsc migrate`, then two `fsc serve` and two `fsc worker` started together with the
// first admin's e-mail and password. All four get through start-up (the serves answer
// /readyz, the workers log that they run), exactly one admin exists, and every process
// is still running when SIGTERM stops it cleanly. (One of serve and worker used to exit
// with "first admin: validation failed; email: is already in use".)
func TestServeAndWorkersStartTogether(t *testing.T) {
	rounds := 10
	if testing.Short() {
		rounds = 2
	}
	redisURL, rc := sharedRedis(t)
	for round := range rounds {
		t.Run(fmt.Sprintf("round %d", round+1), func(t *testing.T) {
			if err := rc.FlushDB(t.Context()).Err(); err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			dbURL := freshDatabase(t, "start")
			t.Logf("db %s", time.Since(t0))
			vars := []string{"FSC_DATABASE_URL=" + dbURL, "FSC_REDIS_URL=" + redisURL, "FSC_ADDR=127.0.0.1:0",
				"FSC_ADMIN_EMAIL=" + adminEmail, "FSC_ADMIN_PASSWORD=" + adminPassword, "FSC_SHUTDOWN_TIMEOUT=5s",
				"FSC_WORKER_CONCURRENCY=2"}
			migrateConcurrently(t, vars)
			t.Logf("migrate %s", time.Since(t0))

			var ps [4]*proc
			var wg sync.WaitGroup
			for i := range ps {
				wg.Add(1)
				go func() { // all four at once
					defer wg.Done()
					ps[i] = startProc(t, []string{"serve-1", "worker-1", "serve-2", "worker-2"}[i], vars,
						[]string{"serve", "worker"}[i%2])
				}()
			}
			wg.Wait()
			for i, p := range ps {
				if i%2 == 0 {
					p.waitReady(t, 30*time.Second)
				} else {
					p.waitLine(t, workerRunningRE, 30*time.Second)
				}
			}
			t.Logf("ready %s", time.Since(t0))
			if n := countRows(t, dbURL, "users"); n != 1 {
				t.Fatalf("users after four processes started = %d, want the one admin", n)
			}
			for _, p := range ps {
				if p.exited() {
					t.Fatalf("%s exited (%v):\n%s", p.name, p.err, p.output())
				}
			}
			stopAll(t, ps[:]...)
			t.Logf("stopped %s", time.Since(t0))
		})
	}
}

// A serve started before `fsc migrate` (an orchestrator starts both) waits for it,
// saying why, and becomes ready once the migrations are in; it gives up, with the
// reason, only after FSC_MIGRATE_WAIT.
func TestServeWaitsForMigrations(t *testing.T) {
	if !testenv.OnPostgres() {
		t.Skip("SQLite migrates itself when fsc opens it")
	}
	redisURL, _ := sharedRedis(t)
	dbURL := freshDatabase(t, "wait")
	vars := []string{"FSC_DATABASE_URL=" + dbURL, "FSC_REDIS_URL=" + redisURL, "FSC_ADDR=127.0.0.1:0", "FSC_SHUTDOWN_TIMEOUT=5s"}

	serve := startProc(t, "serve", append(vars, "FSC_MIGRATE_WAIT=2m"), "serve")
	n := len(db.Migrations())
	serve.waitLine(t, regexp.MustCompile(regexp.QuoteMeta(fmt.Sprintf("waiting for migrations: %d pending; run fsc migrate", n))), 30*time.Second)
	migrate := startProc(t, "migrate", vars, "migrate")
	if err := migrate.wait(t, time.Minute); err != nil {
		t.Fatalf("migrate: %v\n%s", err, migrate.output())
	}
	serve.waitReady(t, 30*time.Second)
	serve.stop(t)

	// Without a migrate, the wait ends.
	other := freshDatabase(t, "nowait")
	lone := startProc(t, "serve", []string{"FSC_DATABASE_URL=" + other, "FSC_REDIS_URL=" + redisURL,
		"FSC_ADDR=127.0.0.1:0", "FSC_MIGRATE_WAIT=1s"}, "serve")
	err := lone.wait(t, 30*time.Second)
	if err == nil || !strings.Contains(lone.output(), "run `fsc migrate`") {
		t.Fatalf("serve without migrate = %v, want an error saying to run fsc migrate:\n%s", err, lone.output())
	}
}
