package main

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
	"github.com/fsc/backoffice/reports"
)

// demoBillingMonths is how many months back the billing demo reaches: the months before
// last are finalised, last month is a draft.
const demoBillingMonths = 6

// demoBilling gives billing six months of history: the contracts demo (vendors, price
// lists, participants) unless contracts exist, the deployed devices' histories spread
// over the last six months, two allocation keys (the region 50 % and the
// municipalities by inhabitants; usage and equal shares), monthly cost pools, an
// adjustment, and a run per month: five finalised with their exports, last month a
// draft. All in the demo's transaction.
func demoBilling(ctx context.Context, a *app, byCode map[string]int64) error {
	today := civil.Today()
	if found, err := exists(ctx, "allocation_keys", "code", "REGION50"); err != nil || found {
		return err
	}
	var contractsN int64
	if err := db.Conn(ctx).Table("contracts").Count(&contractsN).Error; err != nil {
		return err
	}
	if contractsN == 0 {
		schemes, err := idsByCode(ctx, "schemes", "code")
		if err != nil {
			return err
		}
		products, err := idsByCode(ctx, "products", "sku")
		if err != nil {
			return err
		}
		if _, err := a.Contracts.LoadDemo(ctx, contracts.DemoInput{Today: today, Members: byCode, Schemes: schemes, Products: products}); err != nil {
			return fmt.Errorf("demo contracts: %w", err)
		}
	}
	if err := demoHistories(ctx); err != nil {
		return err
	}
	fin := auth.WithPrincipal(ctx, auth.Principal{Name: "Otto Økonomi", Role: auth.RoleFinance})
	rs := a.Reports
	region := byCode["1082"]
	k1, err := rs.CreateAllocationKey(fin, reports.NewAllocationKey{Code: "REGION50", Name: "Regionen 50 %, kommunerne resten efter indbyggere",
		Fixed: []reports.FixedShare{{MemberID: region, ShareBP: 5000}}, Weights: money.Weights{Inhabitants: 1}})
	if err != nil {
		return fmt.Errorf("demo key: %w", err)
	}
	k2, err := rs.CreateAllocationKey(fin, reports.NewAllocationKey{Code: "FORBRUG", Name: "Halvt efter forbrug, halvt lige dele",
		Weights: money.Weights{Usage: 1, Equal: 1}})
	if err != nil {
		return fmt.Errorf("demo key: %w", err)
	}
	k3, err := rs.CreateAllocationKey(fin, reports.NewAllocationKey{Code: "INDB65", Name: "Efter indbyggere 65+ og indbyggere, 2:1",
		Weights: money.Weights{Inhabitants65Plus: 2, Inhabitants: 1}})
	if err != nil {
		return fmt.Errorf("demo key: %w", err)
	}
	schemes, err := idsByCode(ctx, "schemes", "code")
	if err != nil {
		return err
	}
	cur := reports.PeriodOf(today)
	first := reports.PeriodOf(today.AddMonths(-demoBillingMonths))
	for per, i := first, 0; !per.After(cur); per, i = per.Next(), i+1 {
		pools := []reports.NewCostPool{
			{SchemeID: schemes["copd"], Name: "Centrets personale", AmountOre: 18_500_000 + int64(i)*25_000, AllocationKeyID: k1.ID},
			{SchemeID: schemes["copd"], Name: "IT-drift og licenser", AmountOre: 4_200_033, AllocationKeyID: k2.ID},
			{SchemeID: schemes["medicine"], Name: "Callcenter, fast ydelse", AmountOre: 2_750_000, AllocationKeyID: k3.ID},
		}
		for _, p := range pools {
			if p.SchemeID == 0 {
				continue
			}
			p.Period = per.String()
			if _, err := rs.CreateCostPool(fin, p); err != nil {
				return fmt.Errorf("demo pool %s %s: %w", per, p.Name, err)
			}
		}
	}
	last := reports.PeriodOf(today.AddMonths(-1))
	if _, err := rs.CreateAdjustment(fin, reports.NewAdjustment{MemberID: byCode["751"], Period: last.String(), AmountOre: -125_000,
		Description: "Kreditering: to tablets registreret for sent hjemtaget i forrige måned"}); err != nil {
		return fmt.Errorf("demo adjustment: %w", err)
	}
	for per := first; !per.After(last); per = per.Next() {
		run, err := rs.StartRun(fin, per.String())
		if err != nil {
			return fmt.Errorf("demo run %s: %w", per, err)
		}
		if err := rs.ComputeRun(ctx, run.ID); err != nil {
			return fmt.Errorf("demo run %s: %w", per, err)
		}
		if per == last {
			break // last month stays a draft to check and finalise
		}
		if _, err := rs.Finalize(fin, run.ID); err != nil {
			return fmt.Errorf("demo finalise %s: %w", per, err)
		}
		if err := rs.ExportRun(ctx, run.ID); err != nil {
			return fmt.Errorf("demo export %s: %w", per, err)
		}
	}
	return nil
}

// demoHistories moves the history of every deployed device back by up to six months
// (the demo deployed them just now), so that device-days, runs and reports have months
// to show. Each device keeps the order of its events.
func demoHistories(ctx context.Context) error {
	var ids []int64
	if err := db.Conn(ctx).Table("devices").Where("state = ?", "deployed").Order("id").Pluck("id", &ids).Error; err != nil {
		return err
	}
	now := time.Now().UTC()
	span := now.Sub(now.AddDate(0, -demoBillingMonths, 0))
	for i, id := range ids {
		back := time.Duration(int64(span) / int64(len(ids)+1) * int64(i+1))
		var events []struct {
			ID int64
			At time.Time
		}
		if err := db.Conn(ctx).Table("device_events").Where("device_id = ?", id).Find(&events).Error; err != nil {
			return err
		}
		for _, e := range events {
			if err := db.Conn(ctx).Table("device_events").Where("id = ?", e.ID).Update("at", e.At.Add(-back)).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// idsByCode returns table's ids by the natural key column.
func idsByCode(ctx context.Context, table, column string) (map[string]int64, error) {
	var rows []struct {
		ID   int64
		Code string
	}
	if err := db.Conn(ctx).Table(table).Select("id, " + column + " AS code").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Code] = r.ID
	}
	return out, nil
}
