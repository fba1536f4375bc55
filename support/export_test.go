package support

import (
	"time"

	"gorm.io/gorm"
)

// QueueSQL returns the SQL of the queue's page for f as List sends it, for EXPLAIN in
// the benchmarks.
func QueueSQL(g *gorm.DB, f Filter, now time.Time) string {
	if f.Limit == 0 {
		f.Limit = 50
	}
	return g.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var out []Ticket
		return queueQuery(tx, f, now).Find(&out)
	})
}
