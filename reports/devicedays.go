package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

// Device-days are the base of usage billing, the utilisation report and the failure
// rates, so they are computed in one place, by one query (deviceDaysSQL):
//
//   - A device counts a device-day for member M on calendar day D (Europe/Copenhagen)
//     when at the end of D it is deployed for M: its last device event before the
//     instant D ends (the next day's midnight in Copenhagen) went to "deployed" with
//     member M. A device deployed during D therefore counts D; one collected during D
//     does not.
//   - A deployment starts when it happened, not when it was recorded: for an event
//     that deploys through an outbound shipment, the shipment's delivered_at (the
//     carrier event's occurred_at, or the manual delivery's delivered_at) stands in
//     for the event's own time.
//   - A transfer is an event deployed → deployed with the new member, so the days
//     follow the member from the transfer's day on.
//   - An opening balance is a deployed event dated on its deployed_on, so it counts
//     from that day.
//
// Each event holds from its time t0 until the next event of the same device, by id,
// at t1 (LEAD over the device's events). The device is in that event's state at the
// end of D when t0 < end(D) ≤ t1; with t1 before t0 (an event recorded out of order)
// the interval is empty. Days come in as parameters, (day, end instant), so that the
// calendar arithmetic happens in Go on both dialects alike.

// horizonSlack is how far past a range's end events are read: a delivery reported
// after the range ended can still date its deployment inside it.
const horizonSlack = 31 * 24 * time.Hour

// ddMode chooses what the device-day query returns.
type ddMode int

const (
	ddByMemberProductDay ddMode = iota // member_id, product_id, day, devices
	ddByDevice                         // device_id, member_id, product_id, days
	ddByProduct                        // product_id, deployed days, owned days
)

// deviceDaysSQL returns the query of mode over the days from…to (both included) and
// its arguments.
func deviceDaysSQL(d db.Dialect, from, to civil.Date, mode ddMode) (string, []any) {
	var b strings.Builder
	var args []any
	ts := "?"
	if d == db.Postgres {
		ts = "CAST(? AS timestamptz)"
	}
	b.WriteString("WITH days (k, day, t_end) AS (VALUES ")
	n := 0
	for day := from; !day.After(to); day = day.AddDays(1) {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS integer), CAST(? AS varchar(10)), " + ts + ")")
		args = append(args, n, day.String(), dayEnd(day))
		n++
	}
	eff := "CASE WHEN e.to_state = 'deployed' AND s.delivered_at IS NOT NULL THEN s.delivered_at ELSE e.at END"
	b.WriteString(`),
ev AS (
  SELECT e.device_id, e.member_id, e.to_state, ` + eff + ` AS t0,
         LEAD(` + eff + `) OVER (PARTITION BY e.device_id ORDER BY e.id) AS t1
  FROM device_events e
  LEFT JOIN shipments s ON s.id = e.shipment_id AND s.direction = 'outbound'
  WHERE e.at < ` + ts + `
),
dd AS (
  SELECT ev.device_id, ev.member_id, ev.to_state, days.day
  FROM ev JOIN days ON ev.t0 < days.t_end AND (ev.t1 IS NULL OR ev.t1 >= days.t_end)
  WHERE ev.t0 < ` + ts + ` AND (ev.t1 IS NULL OR ev.t1 >= ` + ts + `)
)
`)
	args = append(args, dayEnd(to).Add(horizonSlack), dayEnd(to), dayEnd(from))
	deployed := "dd.to_state = 'deployed' AND dd.member_id IS NOT NULL"
	switch mode {
	case ddByMemberProductDay:
		b.WriteString(`SELECT dd.member_id, dv.product_id, dd.day, COUNT(*) FROM dd JOIN devices dv ON dv.id = dd.device_id
WHERE ` + deployed + ` GROUP BY dd.member_id, dv.product_id, dd.day ORDER BY dd.member_id, dv.product_id, dd.day`)
	case ddByDevice:
		// Per interval the days are counted, not listed: the state holds at the end of the
		// days from the first whose end is after t0 up to, not including, the first whose
		// end is after t1. No row per device and day is made, only one per interval.
		b.WriteString(`SELECT ev.device_id, ev.member_id, dv.product_id,
  SUM(COALESCE((SELECT MIN(k) FROM days WHERE days.t_end > ev.t1), ` + fmt.Sprint(n) + `) - (SELECT MIN(k) FROM days WHERE days.t_end > ev.t0))
FROM ev JOIN devices dv ON dv.id = ev.device_id
WHERE ev.to_state = 'deployed' AND ev.member_id IS NOT NULL AND ev.t0 < ` + ts + ` AND (ev.t1 IS NULL OR (ev.t1 >= ` + ts + ` AND ev.t1 > ev.t0))
GROUP BY ev.device_id, ev.member_id, dv.product_id
HAVING SUM(COALESCE((SELECT MIN(k) FROM days WHERE days.t_end > ev.t1), ` + fmt.Sprint(n) + `) - (SELECT MIN(k) FROM days WHERE days.t_end > ev.t0)) > 0
ORDER BY ev.device_id, ev.member_id`)
		args = append(args, dayEnd(to), dayEnd(from))
	case ddByProduct:
		b.WriteString(`SELECT dv.product_id, SUM(CASE WHEN ` + deployed + ` THEN 1 ELSE 0 END),
  SUM(CASE WHEN dd.to_state NOT IN ('scrapped', 'lost') THEN 1 ELSE 0 END)
FROM dd JOIN devices dv ON dv.id = dd.device_id GROUP BY dv.product_id ORDER BY dv.product_id`)
	}
	return b.String(), args
}

// DeviceDay is one member's device-days of one product on one day: how many of its
// devices were deployed for it at the end of that day.
type DeviceDay struct {
	MemberID  int64
	ProductID int64
	Day       civil.Date
	Devices   int64
}

// DeviceDays returns the device-days per member, product and day from from to to
// (both included), ordered by member, product and day. It returns an error only when
// the query fails.
func DeviceDays(ctx context.Context, from, to civil.Date) ([]DeviceDay, error) {
	q, args := deviceDaysSQL(db.DialectOf(db.Conn(ctx)), from, to, ddByMemberProductDay)
	rows, err := db.Conn(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("device-days %s…%s: %w", from, to, err)
	}
	defer rows.Close()
	var out []DeviceDay
	for rows.Next() {
		var x DeviceDay
		var day string
		if err := rows.Scan(&x.MemberID, &x.ProductID, &day, &x.Devices); err != nil {
			return nil, fmt.Errorf("device-days: %w", err)
		}
		if x.Day, err = civil.Parse(day); err != nil {
			return nil, fmt.Errorf("device-days: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// DeviceTotal is one device's device-days for one member over a range.
type DeviceTotal struct {
	DeviceID  int64
	MemberID  int64
	ProductID int64
	Days      int64
}

// DeviceTotals returns each device's device-days per member from from to to, ordered
// by device and member.
func DeviceTotals(ctx context.Context, from, to civil.Date) ([]DeviceTotal, error) {
	q, args := deviceDaysSQL(db.DialectOf(db.Conn(ctx)), from, to, ddByDevice)
	rows, err := db.Conn(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("device totals %s…%s: %w", from, to, err)
	}
	defer rows.Close()
	var out []DeviceTotal
	for rows.Next() {
		var x DeviceTotal
		if err := rows.Scan(&x.DeviceID, &x.MemberID, &x.ProductID, &x.Days); err != nil {
			return nil, fmt.Errorf("device totals: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ProductDays is one product's deployed and owned device-days over a range; owned
// counts every day a device has been received and is neither scrapped nor lost.
type ProductDays struct {
	ProductID int64
	Deployed  int64
	Owned     int64
}

// ProductTotals returns deployed and owned device-days per product from from to to.
func ProductTotals(ctx context.Context, from, to civil.Date) ([]ProductDays, error) {
	q, args := deviceDaysSQL(db.DialectOf(db.Conn(ctx)), from, to, ddByProduct)
	rows, err := db.Conn(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("product days %s…%s: %w", from, to, err)
	}
	defer rows.Close()
	var out []ProductDays
	for rows.Next() {
		var x ProductDays
		if err := rows.Scan(&x.ProductID, &x.Deployed, &x.Owned); err != nil {
			return nil, fmt.Errorf("product days: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
