package reports_test

import (
	"fmt"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/support"
)

func TestReports(t *testing.T) {
	f := newBillingFix(t)
	r, err := f.svc.CheckRange("2026-03-01", "2026-03-31")
	f.must(err)
	staff := f.as(auth.Principal{Name: "logistics", Role: auth.RoleLogistics})

	ut, err := f.svc.Utilisation(staff, r)
	f.must(err)
	// TAB-1: four devices owned all 31 days; deployed 52 (A) + 15 (B) + 31 (R).
	if len(ut) != 1 || ut[0].OwnedDays != 124 || ut[0].DeployedDays != 98 || ut[0].UtilisationPct != 79 {
		t.Errorf("utilisation %+v, want 98 of 124 days = 79 %%", ut)
	}
	sla, err := f.svc.SLA(staff, r)
	f.must(err)
	if len(sla) != 4 || sla[2].Priority != "normal" || sla[2].Tickets != 2 || sla[2].CompliancePct != 0 {
		t.Errorf("sla %+v", sla)
	}
	st, err := f.svc.Stock(staff)
	f.must(err)
	var deployed int64
	for _, it := range st {
		if it.ProductID == f.p {
			deployed += it.Deployed
		}
	}
	if deployed != 3 {
		t.Errorf("stock: %d TAB-1 deployed, want 3: %+v", deployed, st)
	}
	lt, err := f.svc.LeadTimes(staff, r)
	f.must(err)
	if len(lt) != 0 {
		t.Errorf("lead times %+v: no order has a delivered shipment", lt)
	}
	fr, err := f.svc.FailureRates(staff, r)
	f.must(err)
	if len(fr) != 1 || fr[0].DeviceDays != 98 || fr[0].Tickets != 0 {
		t.Errorf("failure rates %+v", fr)
	}
	// Two device faults of R1 in March (and one in April, out of range): 2 tickets per
	// 98 ÷ 31 devices deployed on average = 63.3 per 100.
	var r1 int64
	f.must(db.Conn(f.ctx).Table("devices").Where("serial = ?", "R1").Pluck("id", &r1).Error)
	for i, at := range []string{"2026-03-10 09:00", "2026-03-28 15:00", "2026-04-02 09:00"} {
		tk := support.Ticket{Number: fmt.Sprintf("F-%d", i), Status: "new", MemberID: f.r, DeviceID: &r1, Channel: "api", Category: "device_fault",
			Priority: "high", Subject: "Alarm", ReceivedAt: local(at), Calendar: "business", FirstResponseDue: local(at), ResolutionDue: local(at),
			FirstResponseWarn: local(at), ResolutionWarn: local(at), NextDueAt: local(at), CreatedBy: "test", CreatedAt: local(at), UpdatedAt: local(at)}
		f.must(db.Conn(f.ctx).Create(&tk).Error)
	}
	fr, err = f.svc.FailureRates(staff, r)
	f.must(err)
	if len(fr) != 1 || fr[0].Tickets != 2 || fr[0].DeviceDays != 98 || fr[0].Per100Deployed != 63.3 {
		t.Errorf("failure rates with two faults %+v, want 2 tickets, 63.3 per 100 deployed", fr)
	}

	// Costs come from finalised runs only.
	run := f.runTo(t, "2026-03")
	costs, err := f.svc.Costs(staff, r)
	f.must(err)
	if len(costs) != 0 {
		t.Errorf("costs of a draft month: %+v", costs)
	}
	_, err = f.svc.Finalize(f.as(finance), run.ID)
	f.must(err)
	memberA := f.as(auth.Principal{Name: "a", Role: auth.RoleMember, MemberID: &f.a})
	costs, err = f.svc.Costs(memberA, r)
	f.must(err)
	var total int64
	for _, c := range costs {
		if c.MemberID != f.a {
			t.Errorf("member A sees a row of member %d", c.MemberID)
		}
		if c.UsageOre+c.EventOre+c.ConsumableOre+c.SharedOre+c.AdjustmentOre != c.TotalOre {
			t.Errorf("row %+v does not add up", c)
		}
		total += c.TotalOre
	}
	if len(costs) != 2 || total != 471598 {
		t.Errorf("A's costs %+v, want the scheme row and the adjustment row, 471598 in all", costs)
	}
	if _, err := f.svc.CheckRange("2026-03-31", "2026-03-01"); !apperr.Is(err, apperr.KindInvalid) {
		t.Errorf("to before from: %v", err)
	}
	if _, err := f.svc.Stock(memberA); !apperr.Is(err, apperr.KindForbidden) {
		t.Errorf("stock as a member: %v", err)
	}
	_ = reports.KindUsage
}
