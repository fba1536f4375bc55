package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The gauges count pending and failed rows and age the oldest pending one; done rows
// are not counted.
func TestOutboxCollector(t *testing.T) {
	g := testenv.DB(t)
	old := time.Now().UTC().Add(-time.Hour)
	now := time.Now().UTC()
	rows := []jobs.OutboxRow{
		{Type: "t", Payload: "{}", Queue: "default", CreatedAt: old},
		{Type: "t", Payload: "{}", Queue: "default", CreatedAt: now},
		{Type: "t", Payload: "{}", Queue: "default", CreatedAt: now, FailedAt: &now, LastError: "gave up"},
		{Type: "t", Payload: "{}", Queue: "default", CreatedAt: old.Add(-time.Hour), DoneAt: &now},
	}
	if err := g.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(jobs.OutboxCollector{DB: g})
	want := `
# HELP fsc_outbox_rows Outbox rows not done, by state: pending (waiting for or in asynq) and failed (the task gave up; see last_error).
# TYPE fsc_outbox_rows gauge
fsc_outbox_rows{state="failed"} 1
fsc_outbox_rows{state="pending"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "fsc_outbox_rows"); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "fsc_outbox_oldest_pending_seconds" {
			if age := mf.GetMetric()[0].GetGauge().GetValue(); age < 3500 || age > 3700 {
				t.Fatalf("oldest pending age %.0f s, want about 3600", age)
			}
			return
		}
	}
	t.Fatal("no fsc_outbox_oldest_pending_seconds")
}
