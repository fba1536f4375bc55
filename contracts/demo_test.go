package contracts_test

import (
	"testing"

	"github.com/fsc/backoffice/contracts"
)

func TestLoadDemo(t *testing.T) {
	f := newFix(t)
	f.today = d("2026-12-01")
	in := contracts.DemoInput{Today: f.today, Members: map[string]int64{}, Schemes: map[string]int64{},
		Products: map[string]int64{"TAB-SAM-A9": 1, "OXI-NONIN-3230": 2, "DISP-EVONDOS-E300": 3, "STOMA-BAG-50": 4}}
	for _, code := range []string{"751", "657", "1082"} {
		in.Members[code] = f.member(t, code).ID
	}
	for _, code := range []string{"copd", "medicine", "stoma"} {
		sc, err := f.svc.CreateScheme(f.ctx, contracts.NewScheme{Code: code, Name: code})
		if err != nil {
			t.Fatal(err)
		}
		in.Schemes[code] = sc.ID
		if _, err := f.svc.Join(f.ctx, sc.ID, contracts.NewParticipation{MemberID: in.Members["751"], JoinedOn: d("2021-03-01")}); err != nil {
			t.Fatal(err)
		}
	}
	demo, err := f.svc.LoadDemo(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(demo.Vendors) != 6 || len(demo.Contracts) != 6 {
		t.Fatalf("%d vendors, %d contracts", len(demo.Vendors), len(demo.Contracts))
	}
	within := 60
	soon, _, err := f.svc.ListContracts(f.ctx, contracts.ContractFilter{ExpiringWithinDays: &within})
	if err != nil || len(soon) != 1 || soon[0].NoticeDaysLeft(f.today) != 45 {
		t.Fatalf("contracts with a deadline within 60 days = %+v, %v", soon, err)
	}
	transport, err := f.svc.GetContract(f.ctx, demo.Contracts["FSC-2021-004"].ID)
	if err != nil || len(transport.Participants) != 3 || len(transport.Prices) != 4 || transport.SchemeID != nil {
		t.Fatalf("transport = %d participants, %d prices, %v", len(transport.Participants), len(transport.Prices), err)
	}
	copd, err := f.svc.GetContract(f.ctx, demo.Contracts["FSC-2022-001"].ID)
	if err != nil || len(copd.Participants) != 1 || len(copd.Prices) != 8 || copd.Status != contracts.StatusActive ||
		copd.EndsOn != d("2028-02-29") || copd.StartsOn != d("2024-03-01") {
		t.Fatalf("copd = %d participants, %d prices, %s, %v", len(copd.Participants), len(copd.Prices), copd.Status, err)
	}
	again, err := f.svc.LoadDemo(f.ctx, in)
	if err != nil || len(again.Contracts) != 0 || len(again.Vendors) != 6 || again.Vendors["31415926"].Name != "Nordisk Telemedicin A/S" {
		t.Fatalf("second load = %+v, %v; want the existing vendors and no new contract", again, err)
	}
}
