package devicesload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// sqlCapture records the statements the application runs while on, so that EXPLAIN runs
// exactly the SQL behind a request rather than a copy that may drift from the store.
type sqlCapture struct {
	on    atomic.Bool
	mu    sync.Mutex
	stmts []capturedSQL
}

type capturedSQL struct {
	SQL  string // with the driver's placeholders
	Vars []any
}

// install registers the capture after gorm's query and row callbacks of g.
func (c *sqlCapture) install(g *gorm.DB) error {
	rec := func(tx *gorm.DB) {
		if !c.on.Load() || tx.Statement == nil {
			return
		}
		c.mu.Lock()
		c.stmts = append(c.stmts, capturedSQL{SQL: tx.Statement.SQL.String(), Vars: append([]any(nil), tx.Statement.Vars...)})
		c.mu.Unlock()
	}
	if err := g.Callback().Query().After("gorm:query").Register("fscload:capture", rec); err != nil {
		return err
	}
	return g.Callback().Row().After("gorm:row").Register("fscload:capture", rec)
}

func (c *sqlCapture) record(f func() error) ([]capturedSQL, error) {
	c.mu.Lock()
	c.stmts = nil
	c.mu.Unlock()
	c.on.Store(true)
	err := f()
	c.on.Store(false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts, err
}

type planSummary struct {
	Top   string
	Exec  string
	Scans []string
	JIT   string
}

var (
	scanRE = regexp.MustCompile(`((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan|Seq Scan)(?: Backward)?(?: using \S+)? on \S+(?: \w+)?)`)
	timeRE = regexp.MustCompile(`actual time=[\d.]+\.\.([\d.]+) rows=(\d+) loops=(\d+)`)
)

// explainScenario sends the scenario's probe request once with the capture on, picks
// the domain query it ran (not the token lookup), and prints its EXPLAIN ANALYZE: the
// custom plan the literal values get, and on PostgreSQL also the generic plan a
// prepared statement switches to after five executions.
func explainScenario(ctx context.Context, g *gorm.DB, a *load.App, c *sqlCapture, sc *scenario, full bool) error {
	stmts, err := c.record(func() error {
		if sc.Do != nil {
			return sc.Do(rand.New(rand.NewPCG(1, 1)))
		}
		_, err := a.Get(sc.Probe)
		return err
	})
	if err != nil {
		return err
	}
	var q *capturedSQL
	for i := range stmts {
		s := strings.ToUpper(strings.TrimSpace(stmts[i].SQL))
		if strings.HasPrefix(s, "SELECT") && !strings.Contains(s, "TOKENS") && (strings.Contains(s, "DEVICES") || strings.Contains(s, "PRODUCTS")) {
			q = &stmts[i]
		}
	}
	if q == nil {
		return fmt.Errorf("explain %s: no devices query captured among %d statements", sc.Name, len(stmts))
	}
	literal := g.Dialector.Explain(q.SQL, q.Vars...)
	what := "GET " + sc.Probe
	if sc.Do != nil {
		what = sc.Note
	}
	fmt.Printf("\nEXPLAIN %s  (%s)\n  %s\n", sc.Name, what, oneLine(literal))
	if db.DialectOf(g) != db.Postgres {
		return explainSQLite(g, sc, literal)
	}
	lines, err := planLines(g, "EXPLAIN (ANALYZE, BUFFERS) "+literal)
	if err != nil {
		return fmt.Errorf("explain %s: %w", sc.Name, err)
	}
	sc.Plan = summarize(lines)
	printPlan("custom plan", lines, full)

	// The generic plan: what the pgx statement cache runs once PostgreSQL's plan cache
	// decides a parameter-independent plan is as cheap.
	err = g.Connection(func(conn *gorm.DB) error {
		// A session, so that one failed statement does not stick to the next; only our
		// own statement is deallocated, so the connection keeps pgx's statement cache.
		conn = conn.Session(&gorm.Session{})
		if err := conn.Exec("SET plan_cache_mode = force_generic_plan").Error; err != nil {
			return err
		}
		defer conn.Exec("RESET plan_cache_mode")
		defer conn.Exec("DEALLOCATE fscload_q")
		if err := conn.Exec("PREPARE fscload_q AS " + q.SQL).Error; err != nil {
			return err
		}
		args := ""
		if len(q.Vars) > 0 {
			ph := make([]string, len(q.Vars))
			for i := range ph {
				ph[i] = fmt.Sprintf("$%d", i+1)
			}
			args = "(" + g.Dialector.Explain(strings.Join(ph, ", "), q.Vars...) + ")"
		}
		lines, err := planLines(conn, "EXPLAIN (ANALYZE, BUFFERS) EXECUTE fscload_q"+args)
		if err != nil {
			return err
		}
		sc.Generic = summarize(lines)
		printPlan("generic plan", lines, full)
		return nil
	})
	if err != nil {
		fmt.Printf("  generic plan: not available (%v)\n", err)
	}
	return nil
}

func planLines(g *gorm.DB, q string) ([]string, error) {
	rows, err := g.Raw(q).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func summarize(lines []string) planSummary {
	var p planSummary
	if len(lines) > 0 {
		p.Top = strings.TrimSpace(lines[0])
	}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Execution Time:"):
			p.Exec = strings.TrimSpace(strings.TrimPrefix(t, "Execution Time:"))
		case strings.HasPrefix(t, "JIT:"):
			p.JIT = "  [JIT]"
		}
		if m := scanRE.FindString(t); m != "" {
			if tm := timeRE.FindStringSubmatch(t); tm != nil {
				m += fmt.Sprintf(" (rows=%s loops=%s)", tm[2], tm[3])
			}
			p.Scans = append(p.Scans, m)
		}
	}
	return p
}

func printPlan(title string, lines []string, full bool) {
	fmt.Printf("  %s:\n", title)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if full || i == 0 || scanRE.MatchString(t) || strings.HasPrefix(t, "Execution Time") || strings.HasPrefix(t, "Planning Time") || strings.HasPrefix(t, "JIT") {
			fmt.Println("    " + l)
		}
	}
}

func explainSQLite(g *gorm.DB, sc *scenario, literal string) error {
	var rows []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := g.Raw("EXPLAIN QUERY PLAN " + literal).Scan(&rows).Error; err != nil {
		return err
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, r.Detail)
	}
	start := time.Now()
	if err := g.Exec(literal).Error; err != nil {
		return err
	}
	took := time.Since(start)
	sc.Plan = planSummary{Top: strings.Join(lines, " | "), Exec: load.Ms(took)}
	printPlan("query plan", lines, true)
	fmt.Printf("    Execution time (one run): %s\n", load.Ms(took))
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
