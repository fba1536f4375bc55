package support_test

import (
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/support"
)

func alarm(serial, kind string, sev support.Severity, at time.Time) support.AlarmInput {
	return support.AlarmInput{Serial: serial, Kind: kind, Severity: sev, OccurredAt: &at, Message: "Ingen målinger i 24 timer"}
}

func TestAlarmOpensThenAttaches(t *testing.T) {
	f := setup(t)
	d := f.deploy(t, f.tablet, f.a, "borger-17")
	at := f.now().Add(-time.Hour).Truncate(time.Second)
	r, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityWarning, at))
	must(t, err)
	if !r.Created || r.TicketID == 0 {
		t.Fatalf("first alarm: %+v", r)
	}
	tk := f.get(t, f.agent, r.TicketID)
	if tk.Channel != support.API || tk.Category != support.DeviceFault || tk.Priority != support.High ||
		!tk.ReceivedAt.Equal(at) || tk.MemberID != f.a.ID || tk.DeviceID == nil || *tk.DeviceID != d.ID ||
		tk.CitizenRef == nil || *tk.CitizenRef != "borger-17" || tk.Status != support.New || tk.SLA.Calendar != "business" {
		t.Fatalf("ticket of the alarm: %+v", tk.Ticket)
	}
	r2, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityCritical, at.Add(time.Minute)))
	must(t, err)
	if r2.Created || r2.TicketID != r.TicketID {
		t.Fatalf("same device and kind: %+v, want attached to %d", r2, r.TicketID)
	}
	r3, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "battery_low", support.SeverityInfo, at))
	must(t, err)
	if !r3.Created || r3.TicketID == r.TicketID {
		t.Fatalf("another kind opens its own ticket: %+v", r3)
	}
	if tk3 := f.get(t, f.agent, r3.TicketID); tk3.Priority != support.Normal {
		t.Fatalf("info → normal, got %s", tk3.Priority)
	}
	if al := f.get(t, f.agent, r.TicketID).Alarms; len(al) != 2 || al[0].Kind != "no_data" || al[1].Severity != support.SeverityCritical || al[0].Serial != d.Serial {
		t.Fatalf("alarms on the ticket: %+v", al)
	}
	// Pending is still open: the alarm attaches. Resolved is not: a new ticket.
	f.status(t, f.agent, r.TicketID, support.Pending)
	r4, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityWarning, f.now()))
	must(t, err)
	if r4.Created || r4.TicketID != r.TicketID {
		t.Fatalf("pending ticket: %+v", r4)
	}
	f.status(t, f.agent, r.TicketID, support.Resolved)
	r5, err := f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityWarning, f.now()))
	must(t, err)
	if !r5.Created || r5.TicketID == r.TicketID {
		t.Fatalf("after resolving: %+v", r5)
	}
	// Reopening the old one while the new one is open would make two: refused.
	_, err = f.svc.SetStatus(f.agent, r.TicketID, support.StatusInput{Status: support.Open})
	wantKind(t, err, apperr.KindConflict, "reopen beside an open alarm ticket")
	if got := f.get(t, f.agent, r.TicketID); got.Status != support.Resolved {
		t.Fatalf("refused reopen left status %s", got.Status)
	}
}

func TestAlarmRefusals(t *testing.T) {
	f := setup(t)
	at := f.now().Add(-time.Minute)
	_, err := f.svc.RaiseAlarm(f.platform, alarm("NO-SUCH-SERIAL", "no_data", support.SeverityInfo, at))
	wantKind(t, err, apperr.KindNotFound, "unknown serial")
	shelf := f.receive(t, f.tablet, 1)[0]
	_, err = f.svc.RaiseAlarm(f.platform, alarm(shelf, "no_data", support.SeverityInfo, at))
	wantField(t, err, "serial", orders.CodeNotDeployed)
	future := f.now().Add(time.Hour)
	_, err = f.svc.RaiseAlarm(f.platform, alarm(shelf, "no_data", support.SeverityInfo, future))
	wantField(t, err, "occurred_at", apperr.InFuture)
	_, err = f.svc.RaiseAlarm(f.platform, support.AlarmInput{Serial: shelf, Kind: "no data!", Severity: "fatal"})
	wantField(t, err, "kind", apperr.CodeChars)
	wantField(t, err, "severity", apperr.OneOf)
	wantField(t, err, "occurred_at", apperr.Required)
	_, err = f.svc.RaiseAlarm(f.memberA, alarm(shelf, "no_data", support.SeverityInfo, at))
	wantKind(t, err, apperr.KindForbidden, "member posts an alarm")
	_, err = f.svc.RaiseAlarm(f.log, alarm(shelf, "no_data", support.SeverityInfo, at))
	wantKind(t, err, apperr.KindForbidden, "logistics posts an alarm")
}

// 20 identical alarms at the same instant open exactly one ticket; every alarm is
// kept on it. On PostgreSQL the inserts race for the unique index; on SQLite the one
// writer serialises them. Several rounds, so a lucky schedule cannot hide a race.
func TestAlarmRaceOpensOneTicket(t *testing.T) {
	f := setup(t)
	for round := 0; round < 3; round++ {
		d := f.deploy(t, f.tablet, f.a, "borger-race")
		at := f.now().Add(-time.Second)
		const n = 20
		var wg sync.WaitGroup
		start := make(chan struct{})
		res := make([]*support.AlarmResult, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				res[i], errs[i] = f.svc.RaiseAlarm(f.platform, alarm(d.Serial, "no_data", support.SeverityCritical, at))
			}(i)
		}
		close(start)
		wg.Wait()
		created, ticket := 0, int64(0)
		for i := range res {
			if errs[i] != nil {
				t.Fatalf("round %d alarm %d: %v", round, i, errs[i])
			}
			if res[i].Created {
				created++
			}
			if ticket == 0 {
				ticket = res[i].TicketID
			}
			if res[i].TicketID != ticket {
				t.Fatalf("round %d: alarms went to tickets %d and %d", round, ticket, res[i].TicketID)
			}
		}
		var tickets, alarms int64
		must(t, db.Conn(f.agent).Table("tickets").Where("device_id = ?", d.ID).Count(&tickets).Error)
		must(t, db.Conn(f.agent).Table("ticket_alarms").Where("device_id = ?", d.ID).Count(&alarms).Error)
		if created != 1 || tickets != 1 || alarms != n {
			t.Fatalf("round %d: created %d, tickets %d, alarms %d; want 1, 1, %d", round, created, tickets, alarms, n)
		}
	}
}
