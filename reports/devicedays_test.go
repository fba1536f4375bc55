package reports_test

import (
	"testing"

	"github.com/fsc/backoffice/reports"
)

// deviceDayFix is March 2026 (summer time begins on the 29th) with two members, one
// product and devices whose device-days were counted by hand.
type deviceDayFix struct {
	*fix
	a, b, p     int64
	dev         [7]int64
	shipmentDev int64
}

func newDeviceDayFix(t *testing.T) *deviceDayFix {
	f := &deviceDayFix{fix: newFix(t)}
	f.a, f.b = f.member("101", 1000, 100), f.member("102", 2000, 300)
	f.p = f.product("TAB-1", "serial")
	recv := local("2026-01-05 10:00")
	for i := range f.dev {
		f.dev[i] = f.device(f.p, "SN-"+string(rune('A'+i)), recv)
	}
	a, b := &f.a, &f.b
	// 0: deployed for A on the 10th at 15:00, collected on the 20th at 09:00 → 10th…19th: 10.
	f.event(f.dev[0], local("2026-03-10 15:00"), "in_transit", "deployed", a, nil)
	f.event(f.dev[0], local("2026-03-20 09:00"), "deployed", "returning", a, nil)
	// 1: opening balance for A since 15 February, transferred to B on 5 March → A 1st…4th: 4, B 5th…31st: 27.
	f.event(f.dev[1], local("2026-02-15 00:00"), "available", "deployed", a, nil)
	f.event(f.dev[1], local("2026-03-05 12:00"), "deployed", "deployed", b, nil)
	// 2: the carrier delivered on the 2nd at 23:50, reported the next morning → B 2nd…31st: 30.
	sh := f.shipment("outbound", f.b, local("2026-03-01 09:00"), local("2026-03-02 23:50"))
	f.event(f.dev[2], local("2026-03-01 09:00"), "reserved", "in_transit", b, &sh)
	f.event(f.dev[2], local("2026-03-03 08:00"), "in_transit", "deployed", b, &sh)
	// 3: deployed at 23:30 on the 31st → A 31st: 1.
	f.event(f.dev[3], local("2026-03-31 23:30"), "in_transit", "deployed", a, nil)
	// 4: deployed ten minutes into 1 April (still 31 March in UTC) → nothing in March.
	f.event(f.dev[4], local("2026-04-01 00:10"), "in_transit", "deployed", a, nil)
	// 5: deployed and collected on the 15th → nothing.
	f.event(f.dev[5], local("2026-03-15 10:00"), "in_transit", "deployed", a, nil)
	f.event(f.dev[5], local("2026-03-15 16:00"), "deployed", "returning", a, nil)
	// 6: deployed at 01:30 on the 29th, before summer time begins → A 29th…31st: 3.
	f.event(f.dev[6], local("2026-03-29 01:30"), "in_transit", "deployed", a, nil)
	return f
}

func TestDeviceDaysByHand(t *testing.T) {
	f := newDeviceDayFix(t)
	dds, err := reports.DeviceDays(f.ctx, d("2026-03-01"), d("2026-03-31"))
	f.must(err)
	total := map[int64]int64{}
	perDay := map[string]int64{}
	for _, x := range dds {
		if x.ProductID != f.p {
			t.Errorf("product %d, want %d", x.ProductID, f.p)
		}
		total[x.MemberID] += x.Devices
		perDay[x.Day.String()+"/"+map[int64]string{f.a: "A", f.b: "B"}[x.MemberID]] = x.Devices
	}
	if total[f.a] != 18 || total[f.b] != 57 {
		t.Errorf("device-days A %d (want 10+4+1+3 = 18), B %d (want 27+30 = 57)", total[f.a], total[f.b])
	}
	for day, want := range map[string]int64{
		"2026-03-01/A": 1, "2026-03-01/B": 0, "2026-03-02/B": 1, "2026-03-04/A": 1, "2026-03-05/A": 0, "2026-03-05/B": 2,
		"2026-03-10/A": 1, "2026-03-15/A": 1, "2026-03-19/A": 1, "2026-03-20/A": 0, "2026-03-29/A": 1, "2026-03-31/A": 2, "2026-03-31/B": 2,
	} {
		if perDay[day] != want {
			t.Errorf("%s: %d devices, want %d", day, perDay[day], want)
		}
	}

	// Per device: the transferred one counts for both members.
	tots, err := reports.DeviceTotals(f.ctx, d("2026-03-01"), d("2026-03-31"))
	f.must(err)
	got := map[[2]int64]int64{}
	for _, x := range tots {
		got[[2]int64{x.DeviceID, x.MemberID}] = x.Days
	}
	want := map[[2]int64]int64{{f.dev[0], f.a}: 10, {f.dev[1], f.a}: 4, {f.dev[1], f.b}: 27, {f.dev[2], f.b}: 30, {f.dev[3], f.a}: 1, {f.dev[6], f.a}: 3}
	if len(got) != len(want) {
		t.Errorf("device totals %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("device %d member %d: %d days, want %d", k[0], k[1], got[k], w)
		}
	}

	// April: 4 and 6 and the transferred and delivered ones all month; 3 too.
	dds, err = reports.DeviceDays(f.ctx, d("2026-04-01"), d("2026-04-30"))
	f.must(err)
	var april int64
	for _, x := range dds {
		april += x.Devices
	}
	if april != 5*30 {
		t.Errorf("April: %d device-days, want 150", april)
	}

	// Utilisation: every device is owned every day of March (7 × 31), deployed 75.
	pts, err := reports.ProductTotals(f.ctx, d("2026-03-01"), d("2026-03-31"))
	f.must(err)
	if len(pts) != 1 || pts[0].Deployed != 75 || pts[0].Owned != 7*31 {
		t.Errorf("product totals %+v, want deployed 75, owned 217", pts)
	}
}
