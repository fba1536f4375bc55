package contracts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/webtest"
)

// The contract manager runs the year from the deadlines view: the dashboard shows the
// near deadline, the deadlines view has it first in red, the contract page extends it
// and takes a new price from the keyboard; then the vendor's user sees only its own.
func TestBrowserJourneyDeadlinesExtendPriceVendorPortal(t *testing.T) {
	b := webtest.StartBrowser(t)
	ts, ctx := b.TS, b.TS.Ctx
	today := civil.Today()
	nt, err := ts.Contracts.CreateVendor(ctx, contracts.NewVendor{Name: "Nordisk Telemedicin A/S", CVR: "31415926", Contact: "Mette Lund"})
	if err != nil {
		t.Fatal(err)
	}
	dv, err := ts.Contracts.CreateVendor(ctx, contracts.NewVendor{Name: "DoseVagt ApS", CVR: "16180335"})
	if err != nil {
		t.Fatal(err)
	}
	three, six := 3, 6
	soon, err := ts.Contracts.CreateContract(ctx, contracts.NewContract{Number: "FSC-2022-002", Title: "Medicindispensere", VendorID: dv.ID,
		StartsOn: civil.MustParse("2022-03-01"), EndsOn: today.AddDays(21).AddMonths(3), NoticeMonths: &three,
		Extensions: []contracts.NewExtension{{Months: 12}}, SLA: &contracts.SLA{ResponseHours: 2, ResolutionHours: 8}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Contracts.CreateContract(ctx, contracts.NewContract{Number: "FSC-2022-001", Title: "Telemonitoreringsudstyr KOL", VendorID: nt.ID,
		StartsOn: civil.MustParse("2022-01-01"), EndsOn: today.AddDays(70).AddMonths(6), NoticeMonths: &six}); err != nil {
		t.Fatal(err)
	}
	ts.AddUser("vendor", auth.RoleVendor, nil, &nt.ID)

	// The dashboard of finance shows the near deadline.
	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("finance@example.dk", webtest.Password), 200, "/")
	b.ExpectText("#dash-deadlines + ul", "FSC-2022-002")
	b.ExpectText("#dash-deadlines + ul .danger", "21 dage tilbage")
	b.Shot("dashboard-deadlines")

	// The deadlines view: soonest first, its days in red.
	b.ExpectPage(b.Click(`nav.side a[href="/contracts/deadlines"]`), 200, "/contracts/deadlines")
	b.ExpectText("h1", "Opsigelsesfrister")
	b.ExpectText("table.list tbody tr:first-child", "FSC-2022-002")
	b.ExpectText("table.list tbody tr:first-child td.danger", "21 dage tilbage")
	b.ExpectText("table.list tbody tr:nth-child(2)", "FSC-2022-001")
	if n := b.Count("table.list tbody tr:nth-child(2) td.danger"); n != 0 {
		t.Error("a deadline 70 days ahead is red")
	}
	b.Shot("deadlines")

	// The contract page: the manager extends by the option, and the deadline moves.
	b.ExpectPage(b.Click(`table.list tbody tr:first-child a[href="/contracts/`+fmt.Sprint(soon.ID)+`"]`), 200, fmt.Sprintf("/contracts/%d", soon.ID))
	b.ExpectText("h1", "Medicindispensere")
	b.ExpectText("#notice-deadline", "21 dage tilbage")
	b.Do("focus the extend button", chromedp.Focus(chromedp.ID("extend")))
	b.ExpectPage(b.Follow("press Enter on it", chromedp.KeyEvent(kb.Enter)), 200, fmt.Sprintf("/contracts/%d", soon.ID))
	b.ExpectText(".flash, [role=status]", "Kontrakten er forlænget.")
	b.ExpectText("#extensions + table", "Brugt")
	if n := b.Count("#extend"); n != 0 {
		t.Error("the extend button is still there with no option left")
	}
	if strings.Contains(b.Text("#notice-deadline"), "21 dage") {
		t.Errorf("the notice deadline did not move: %q", b.Text("#notice-deadline"))
	}

	// A new event fee from the keyboard: kind, event, amount, date, Enter.
	b.Do("fill in the price form",
		chromedp.SetValue(chromedp.ID("kind"), "event"),
		chromedp.SetValue(chromedp.ID("event"), "cleaning"),
		chromedp.SendKeys(chromedp.ID("amount"), "245,00"),
	)
	b.ExpectPage(b.Follow("submit with Enter", chromedp.SendKeys(chromedp.ID("amount"), kb.Enter)), 200, fmt.Sprintf("/contracts/%d", soon.ID))
	b.ExpectText(`section[aria-labelledby="prices"] table`, "Rengøring")
	b.ExpectText(`section[aria-labelledby="prices"] table`, "245,00")
	b.ExpectText(`section[aria-labelledby="prices"] table`, "Gældende")
	// The same price again is refused, naming the date.
	b.Do("the same price again",
		chromedp.SetValue(chromedp.ID("kind"), "event"),
		chromedp.SetValue(chromedp.ID("event"), "cleaning"),
		chromedp.SendKeys(chromedp.ID("amount"), "1"),
	)
	b.ExpectPage(b.Follow("submit", chromedp.Click(chromedp.ID("add-price"), chromedp.NodeVisible)), 409, fmt.Sprintf("/contracts/%d/prices", soon.ID))
	b.ExpectText(`.alert[role="alert"]`, "")
	b.Open(fmt.Sprintf("/contracts/%d", soon.ID))
	b.ExpectText("#audit ~ table", "Forlænget")
	b.Shot("contract")

	// The vendor's user: its portal lists its own contract only.
	b.Follow("log out", chromedp.Click(`form[action="/logout"] button`, chromedp.NodeVisible))
	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("vendor@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/contracts"]`), 200, "/contracts")
	b.ExpectText("table.list", "FSC-2022-001")
	b.ExpectNoText("table.list", "FSC-2022-002")
	b.Shot("vendor-portal")
	b.ExpectPage(b.Open(fmt.Sprintf("/contracts/%d", soon.ID)), 404, fmt.Sprintf("/contracts/%d", soon.ID))
}
