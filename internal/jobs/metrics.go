package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

var (
	outboxRowsDesc = prometheus.NewDesc("fsc_outbox_rows",
		"Outbox rows not done, by state: pending (waiting for or in asynq) and failed (the task gave up; see last_error).",
		[]string{"state"}, nil)
	outboxAgeDesc = prometheus.NewDesc("fsc_outbox_oldest_pending_seconds",
		"Age of the oldest pending outbox row; it grows when tasks are not enqueued or not run.", nil, nil)
)

// OutboxCollector reports the outbox at scrape time, so an alert can fire on failed
// tasks and on a backlog that the reconciler does not clear. The query reads only rows
// not done (the pending index), however long the table grows.
type OutboxCollector struct{ DB *gorm.DB }

// Describe sends the descriptors of the outbox metrics.
func (c OutboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxRowsDesc
	ch <- outboxAgeDesc
}

// Collect counts the rows not done; on a database error it reports nothing and logs why.
func (c OutboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var row struct{ Pending, Failed, Oldest int64 }
	g := c.DB.WithContext(ctx)
	err := g.Model(&OutboxRow{}).
		Select("COUNT(*) - COUNT(failed_at) AS pending, COUNT(failed_at) AS failed, COALESCE(MIN(CASE WHEN failed_at IS NULL THEN id END), 0) AS oldest").
		Where("done_at IS NULL").Scan(&row).Error
	var created []time.Time
	if err == nil && row.Oldest != 0 {
		// By id, not MIN(created_at): an aggregate's type is lost on SQLite.
		err = g.Model(&OutboxRow{}).Where("id = ?", row.Oldest).Pluck("created_at", &created).Error
	}
	if err != nil {
		slog.Warn("metrics: outbox not counted", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxRowsDesc, prometheus.GaugeValue, float64(row.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(outboxRowsDesc, prometheus.GaugeValue, float64(row.Failed), "failed")
	age := 0.0
	if len(created) == 1 {
		age = time.Since(created[0]).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age)
}
