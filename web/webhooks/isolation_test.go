package webhooks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/webhook"
)

// A member's webhook receives the events of its own objects of every kind and never
// another member's; an integration's receives everyone's and the contract notices;
// each delivery is signed and arrives once.
func TestMemberIsolationOverEveryEvent(t *testing.T) {
	w := newWorld(t)
	w.startWorker()
	mine, theirs, integ := newSink(t), newSink(t), newSink(t)
	w.subscribe("member", mine)
	w.subscribe("member2", theirs)
	w.subscribe("admin", integ)
	own := map[string]map[string][]int64{"751": w.lifecycle("member", "751", "C-1"), "657": w.lifecycle("member2", "657", "C-2")}

	// A contract whose notice deadline is near: a notice to integrations only.
	ctx := w.ts.Ctx
	v, err := w.ts.Contracts.CreateVendor(ctx, contracts.NewVendor{Name: "Leverandør A/S", CVR: "29190925"})
	if err != nil {
		t.Fatal(err)
	}
	months := 1
	if _, err := w.ts.Contracts.CreateContract(ctx, contracts.NewContract{Number: "K-1", Title: "Tablets", VendorID: v.ID,
		StartsOn: civil.Today().AddDays(-300), EndsOn: civil.Today().AddDays(40), NoticeMonths: &months}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.ts.Contracts.CheckNotices(w.ts.Dispatcher.NewContext(ctx)); err != nil || n == 0 {
		t.Fatalf("CheckNotices = %d, %v", n, err)
	}

	var total int64
	waitFor(t, "every delivery done", func() bool {
		var pending int64
		db.Conn(ctx).Model(&webhook.Delivery{}).Where("status <> ?", webhook.Delivered).Count(&pending)
		db.Conn(ctx).Model(&webhook.Delivery{}).Count(&total)
		return pending == 0 && total > 0
	})
	memberKinds := []string{webhook.OrderStatusChanged, webhook.ShipmentStatusChanged, webhook.ReturnStatusChanged,
		webhook.DeviceStateChanged, webhook.TicketCreated, webhook.TicketStatusChanged}
	check := func(name string, s *sink, code string) map[string]int {
		t.Helper()
		kinds := map[string]int{}
		for _, b := range s.bodies() {
			kinds[b.Event]++
			var data struct {
				ID       int64  `json:"id"`
				MemberID *int64 `json:"member_id"`
			}
			if err := json.Unmarshal(b.Data, &data); err != nil {
				t.Fatalf("%s: data %s: %v", name, b.Data, err)
			}
			if code == "" {
				continue
			}
			k := kindOf(b.Event)
			if !slices.Contains(own[code][k], data.ID) {
				t.Errorf("%s received %s of %s %d, not one of its own %v", name, b.Event, k, data.ID, own[code][k])
			}
			if data.MemberID != nil && *data.MemberID != w.ts.Members[code].ID {
				t.Errorf("%s received %s of member %d", name, b.Event, *data.MemberID)
			}
		}
		for id, n := range s.ids {
			if n != 1 {
				t.Errorf("%s: delivery %s received %d times", name, id, n)
			}
		}
		if s.bad > 0 {
			t.Errorf("%s: %d deliveries with a bad signature or headers", name, s.bad)
		}
		return kinds
	}
	for name, c := range map[string]struct {
		s    *sink
		code string
	}{"751's webhook": {mine, "751"}, "657's webhook": {theirs, "657"}} {
		kinds := check(name, c.s, c.code)
		t.Logf("%s received %v", name, kinds)
		for _, k := range memberKinds {
			if kinds[k] == 0 {
				t.Errorf("%s received no %s (got %v)", name, k, kinds)
			}
		}
		if kinds[webhook.ContractNoticeDue] != 0 {
			t.Errorf("%s received a contract notice", name)
		}
	}
	kinds := check("the integration", integ, "")
	t.Logf("the integration received %v", kinds)
	for _, k := range append(memberKinds, webhook.ContractNoticeDue) {
		if kinds[k] == 0 {
			t.Errorf("the integration received no %s (got %v)", k, kinds)
		}
	}
	if got, want := len(integ.bodies()), len(mine.bodies())+len(theirs.bodies()); got <= want {
		t.Errorf("the integration received %d deliveries, the members %d together; want more (device moves without a member, notices)", got, want)
	}
	if int(total) != len(integ.bodies())+len(mine.bodies())+len(theirs.bodies()) {
		t.Errorf("%d deliveries, %d received", total, len(integ.bodies())+len(mine.bodies())+len(theirs.bodies()))
	}
	// The data is the object as GET answers it: the last order event is the delivered
	// order with its lines.
	var last map[string]any
	for _, b := range mine.bodies() {
		if b.Event == webhook.OrderStatusChanged {
			json.Unmarshal(b.Data, &last)
		}
	}
	got := w.expect(200, "GET", fmt.Sprintf("/api/v1/orders/%d", own["751"]["order"][0]), "member", nil)
	if last["status"] != "delivered" || fmt.Sprint(last["lines"]) != fmt.Sprint(got["lines"]) || last["number"] != got["number"] {
		t.Errorf("last order event %v, GET %v", last, got)
	}
}
