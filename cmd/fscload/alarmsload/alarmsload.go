// Package alarmsload is `fscload alarms`: it posts device alarms to a running back
// office (serve and worker, loopback only) from N concurrent clients with an API token
// of role support, as a device platform would, and prints alarms/s and latency
// percentiles; then it checks the de-duplication (each device and alarm kind the run
// used has exactly one ticket, which holds every alarm of that pair) and measures the
// queue: the first page of GET /api/v1/tickets?status=new and of the queue page
// /tickets, from M clients.
//
// The alarms go to the devices deployed at citizens (GET /api/v1/devices?state=deployed,
// up to -devices of them) with -kinds alarm kinds of the run's own (load<unix>-<k>), so
// every run opens fresh tickets: the first alarm of each pair opens one (201), the rest
// join it (200). With the demo loaded (`fsc demo`), the defaults log in as its admin.
package alarmsload

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
)

// Summary is the line `fscload help` prints.
const Summary = "POST /alarms to a running server from N clients, check de-duplication, time the queue"

type config struct {
	base, email, password string
	clients, queueClients int
	dur, queueDur, warmup time.Duration
	limit, kinds, devices int
}

// Run runs the subcommand with its arguments.
func Run(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("fscload alarms", flag.ContinueOnError)
	fs.StringVar(&c.base, "url", "http://127.0.0.1:8080", "base URL of the back office (loopback only)")
	fs.StringVar(&c.email, "email", "admin@fsc.example", "an admin's e-mail (creates the API token)")
	fs.StringVar(&c.password, "password", "demo-password", "the admin's password")
	fs.IntVar(&c.clients, "c", 32, "concurrent alarm clients")
	fs.DurationVar(&c.dur, "d", 10*time.Second, "how long to post alarms (at most 5m)")
	fs.IntVar(&c.limit, "n", 1_000_000, "stop after this many alarms")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "alarms posted first and not counted (their own kind)")
	fs.IntVar(&c.kinds, "kinds", 4, "alarm kinds per device")
	fs.IntVar(&c.devices, "devices", 200, "at most this many deployed devices")
	fs.IntVar(&c.queueClients, "queue-c", 16, "concurrent clients reading the queue")
	fs.DurationVar(&c.queueDur, "queue-d", 5*time.Second, "how long to read the queue (0: not)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fscload alarms [flags]\n\n%s.\n\nFlags:\n", Summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.clients < 1 || c.dur <= 0 || c.kinds < 1 || c.devices < 1 || c.queueClients < 1 {
		return errors.New("need -c, -kinds, -devices, -queue-c >= 1 and -d > 0")
	}
	if err := load.CheckLoopback(c.base); err != nil {
		return err
	}
	return run(ctx, c)
}

type device struct {
	ID     int64  `json:"id"`
	Serial string `json:"serial"`
}

func run(ctx context.Context, c config) error {
	cl := load.NewClient(c.base, max(c.clients, c.queueClients)+2, 30*time.Second)
	admin, err := cl.Login(c.email, c.password)
	if err != nil {
		return err
	}
	cl.Token = admin
	token, err := platformToken(cl, admin)
	if err != nil {
		return err
	}
	devs, err := deployed(cl, c.devices)
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		return errors.New("no deployed devices to raise alarms for; load the demo (fsc demo) first")
	}
	run := time.Now().Unix()
	kinds := make([]string, c.kinds)
	for k := range kinds {
		kinds[k] = fmt.Sprintf("load%d-%d", run, k)
	}
	var created, joined atomic.Int64
	post := func(kind string) func(*rand.Rand) error {
		return func(r *rand.Rand) error {
			d := devs[r.IntN(len(devs))]
			k := kind
			if k == "" {
				k = kinds[r.IntN(len(kinds))]
			}
			body, _ := json.Marshal(map[string]any{"serial": d.Serial, "kind": k, "severity": "warning",
				"occurred_at": time.Now().UTC().Format(time.RFC3339Nano), "message": "fscload"})
			st, b, err := cl.Request("POST", "/api/v1/alarms", token, body, nil)
			switch {
			case err != nil:
				return err
			case st == 201:
				created.Add(1)
			case st == 200:
				joined.Add(1)
			default:
				return fmt.Errorf("POST /alarms: %d %.200s", st, b)
			}
			return nil
		}
	}
	load.Run(ctx, c.clients, c.warmup, c.limit, post(fmt.Sprintf("load%d-warmup", run)))
	created.Store(0)
	joined.Store(0)
	r := load.Run(ctx, c.clients, min(c.dur, 5*time.Minute), c.limit, post(""))
	fmt.Printf("POST /api/v1/alarms  devices=%d kinds=%d (%d pairs)\n", len(devs), len(kinds), len(devs)*len(kinds))
	load.Line("alarms", r)
	fmt.Printf("  %d opened a ticket (201), %d joined one (200)\n", created.Load(), joined.Load())
	if err := checkDedup(cl, devs, kinds, created.Load(), created.Load()+joined.Load()); err != nil {
		return err
	}
	if c.queueDur <= 0 {
		return nil
	}
	get := func(path string, cookie bool) func(*rand.Rand) error {
		return func(*rand.Rand) error {
			h := map[string]string{}
			tok := admin
			if cookie {
				h["Cookie"], h["Accept"], tok = "fsc_session="+admin, "text/html", ""
			}
			st, b, err := cl.Request("GET", path, tok, nil, h)
			if err != nil {
				return err
			}
			if st != 200 {
				return fmt.Errorf("GET %s: %d %.200s", path, st, b)
			}
			return nil
		}
	}
	for _, q := range []struct {
		name, path string
		cookie     bool
	}{
		{"queue api", "/api/v1/tickets?status=new&limit=50", false},
		{"queue page", "/tickets?status=new", true},
	} {
		load.Run(ctx, c.queueClients, time.Second, 1_000_000, get(q.path, q.cookie))
		load.Line(q.name, load.Run(ctx, c.queueClients, min(c.queueDur, 5*time.Minute), 1_000_000, get(q.path, q.cookie)))
	}
	return nil
}

// platformToken creates an API token of role support with the admin's session.
func platformToken(cl *load.Client, admin string) (string, error) {
	body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("fscload alarms %d", time.Now().UnixNano()), "role": "support"})
	st, b, err := cl.Request("POST", "/api/v1/tokens", admin, body, nil)
	if err != nil {
		return "", err
	}
	if st != 201 {
		return "", fmt.Errorf("POST /api/v1/tokens: %d %.200s", st, b)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("POST /api/v1/tokens: no token in %.200s", b)
	}
	return out.Token, nil
}

// deployed returns up to n devices deployed at citizens.
func deployed(cl *load.Client, n int) ([]device, error) {
	var out []device
	cursor := ""
	for len(out) < n {
		b, err := cl.Get("/api/v1/devices?state=deployed&limit=500&cursor=" + url.QueryEscape(cursor))
		if err != nil {
			return nil, err
		}
		var page struct {
			Items      []device `json:"items"`
			NextCursor string   `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return out[:min(n, len(out))], nil
}

// checkDedup reads each device's new tickets and fails unless every pair of device and
// kind the run hit has one ticket, as many tickets as alarms opened, and every alarm on
// them.
func checkDedup(cl *load.Client, devs []device, kinds []string, created, alarms int64) error {
	ours := map[string]bool{}
	for _, k := range kinds {
		ours[k] = true
	}
	tickets, held := int64(0), int64(0)
	for _, d := range devs {
		perKind := map[string]int{}
		cursor := ""
		for {
			b, err := cl.Get(fmt.Sprintf("/api/v1/tickets?device_id=%d&status=new&limit=500&cursor=%s", d.ID, url.QueryEscape(cursor)))
			if err != nil {
				return err
			}
			var page struct {
				Items []struct {
					ID        int64  `json:"id"`
					AlarmKind string `json:"alarm_kind"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal(b, &page); err != nil {
				return err
			}
			for _, t := range page.Items {
				if !ours[t.AlarmKind] {
					continue
				}
				perKind[t.AlarmKind]++
				tickets++
				tb, err := cl.Get(fmt.Sprintf("/api/v1/tickets/%d", t.ID))
				if err != nil {
					return err
				}
				var full struct {
					Alarms []json.RawMessage `json:"alarms"`
				}
				if err := json.Unmarshal(tb, &full); err != nil {
					return err
				}
				held += int64(len(full.Alarms))
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		for k, n := range perKind {
			if n != 1 {
				return fmt.Errorf("de-duplication broken: device %s has %d open tickets for alarm kind %s", d.Serial, n, k)
			}
		}
	}
	if tickets != created || held != alarms {
		return fmt.Errorf("de-duplication broken: %d tickets for %d that answered 201, holding %d alarms of %d posted", tickets, created, held, alarms)
	}
	fmt.Printf("  de-duplication ok: %d tickets, one per device and kind, holding all %d alarms\n", tickets, held)
	return nil
}
