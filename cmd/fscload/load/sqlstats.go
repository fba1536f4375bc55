package load

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// SQLStats times every statement gorm runs, by its SQL text with placeholders, while
// on. A nil *SQLStats does nothing, so callers need not check whether it was asked for.
type SQLStats struct {
	on atomic.Bool
	mu sync.Mutex
	m  map[string]*sqlStat
}

type sqlStat struct {
	sql        string
	n          int
	total, max time.Duration
}

const sqlStartKey = "fscload:start"

// NewSQLStats installs timing callbacks around each of gorm's statement kinds on g.
// (gorm's logger would be shorter but sees the SQL with its values filled in, so no
// two orders' statements would group together.)
func NewSQLStats(g *gorm.DB) (*SQLStats, error) {
	st := &SQLStats{m: map[string]*sqlStat{}}
	before := func(tx *gorm.DB) {
		if st.on.Load() {
			tx.InstanceSet(sqlStartKey, time.Now())
		}
	}
	type register func(name string, fn func(*gorm.DB)) error
	cb := g.Callback()
	regs := []struct {
		kind          string
		before, after register
	}{
		{"create", cb.Create().Before("gorm:create").Register, cb.Create().After("gorm:create").Register},
		{"query", cb.Query().Before("gorm:query").Register, cb.Query().After("gorm:query").Register},
		{"update", cb.Update().Before("gorm:update").Register, cb.Update().After("gorm:update").Register},
		{"delete", cb.Delete().Before("gorm:delete").Register, cb.Delete().After("gorm:delete").Register},
		{"row", cb.Row().Before("gorm:row").Register, cb.Row().After("gorm:row").Register},
		{"raw", cb.Raw().Before("gorm:raw").Register, cb.Raw().After("gorm:raw").Register},
	}
	for _, r := range regs {
		if err := r.before("fscload:before_"+r.kind, before); err != nil {
			return nil, err
		}
		if err := r.after("fscload:after_"+r.kind, st.after); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (st *SQLStats) after(tx *gorm.DB) {
	v, ok := tx.InstanceGet(sqlStartKey)
	if !ok {
		return
	}
	d := time.Since(v.(time.Time))
	q := strings.Join(strings.Fields(tx.Statement.SQL.String()), " ")
	if i := strings.Index(q, " VALUES "); i > 0 {
		q = q[:i] // multi-row inserts differ only in their values
	}
	if len(q) > 110 {
		q = q[:110]
	}
	st.mu.Lock()
	s := st.m[q]
	if s == nil {
		s = &sqlStat{sql: q}
		st.m[q] = s
	}
	s.n++
	s.total += d
	s.max = max(s.max, d)
	st.mu.Unlock()
}

// On starts or stops timing.
func (st *SQLStats) On(on bool) {
	if st != nil {
		st.on.Store(on)
	}
}

// Report prints the statements that took the most time since the last report, per
// unit of work (an order, a request), and resets the figures.
func (st *SQLStats) Report(label, unit string, units int64) {
	if st == nil {
		return
	}
	st.mu.Lock()
	all := make([]*sqlStat, 0, len(st.m))
	var total time.Duration
	var n int
	for _, s := range st.m {
		all = append(all, s)
		total += s.total
		n += s.n
	}
	st.m = map[string]*sqlStat{}
	st.mu.Unlock()
	slices.SortFunc(all, func(a, b *sqlStat) int { return int(b.total - a.total) })
	per := float64(max(units, 1))
	fmt.Printf("    SQL of %s: %d statements (%.1f per %s), %.1f ms per %s in SQL (commits not included)\n",
		label, n, float64(n)/per, unit, float64(total.Microseconds())/1000/per, unit)
	for _, s := range all[:min(len(all), 10)] {
		fmt.Printf("      %7.2f ms/%s  n=%-6d avg %6.2f ms  max %7.1f ms  %s\n", float64(s.total.Microseconds())/1000/per, unit, s.n,
			float64(s.total.Microseconds())/1000/float64(s.n), float64(s.max.Microseconds())/1000, s.sql)
	}
}
