// Package httpload is `fscload http`: it logs in once to a running back office, then
// sends GET requests to one path from N clients for a bounded time and count, and
// prints requests/s and latency percentiles. It refuses targets off this machine.
package httpload

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
)

// Summary is the line `fscload help` prints.
const Summary = "GET one path of a running server from N clients (loopback only)"

// Run runs the subcommand with its arguments.
func Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fscload http", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of the back office (loopback only)")
	email := fs.String("email", "admin@fsc.example", "login e-mail")
	password := fs.String("password", "demo-password", "login password")
	path := fs.String("path", "/api/v1/me", "path to GET")
	conc := fs.Int("c", 32, "concurrent clients")
	dur := fs.Duration("d", 10*time.Second, "how long to send (at most 5m)")
	limit := fs.Int("n", 2_000_000, "stop after this many requests")
	warm := fs.Duration("warmup", time.Second, "requests sent first and not counted")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fscload http [flags]\n\n%s.\n\nFlags:\n", Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conc < 1 || *dur <= 0 {
		return errors.New("need -c >= 1 and -d > 0")
	}
	if err := load.CheckLoopback(*base); err != nil {
		return err
	}
	c := load.NewClient(*base, *conc, 10*time.Second)
	var err error
	if c.Token, err = c.Login(*email, *password); err != nil {
		return err
	}
	get := func(*rand.Rand) error {
		_, err := c.Get(*path)
		return err
	}
	load.Run(ctx, *conc, *warm, *limit, get) // connections, caches, the query plans
	r := load.Run(ctx, *conc, min(*dur, 5*time.Minute), *limit, get)
	fmt.Printf("GET %s  clients=%d  requests=%d  errors=%d  duration=%s\n", *path, *conc, r.N(), r.Errors, r.Elapsed.Round(time.Millisecond))
	fmt.Printf("  throughput %.0f req/s\n", r.Rate())
	fmt.Printf("  latency p50=%s p90=%s p99=%s max=%s\n", load.Ms(r.Pct(.5)), load.Ms(r.Pct(.9)), load.Ms(r.Pct(.99)), load.Ms(r.Pct(1)))
	if r.FirstErr != "" {
		fmt.Printf("  first error: %s\n", r.FirstErr)
	}
	return nil
}
