package webhooks_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/webhook"
	"github.com/fsc/backoffice/web/webtest"
)

// A member user makes a webhook in the browser, copies its secret, reads its delivery
// log and sends a delivery again.
func TestBrowserJourneyMemberWebhook(t *testing.T) {
	b := webtest.StartBrowser(t)
	s := newSink(t)
	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("member@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/webhooks"]`), 200, "/webhooks")
	b.ExpectText("h1", "Webhooks")
	b.ExpectText("main", "Ingen webhooks endnu.")
	b.Do("fill in the webhook form",
		chromedp.SendKeys(chromedp.ID("url"), s.srv.URL+"/hook"),
		chromedp.Click(chromedp.CSS(`input[name="events"][value="order.status_changed"]`)),
		chromedp.Click(chromedp.CSS(`input[name="events"][value="device.state_changed"]`)),
	)
	b.ExpectPage(b.Click(`section.panel form button[type="submit"]`), 201, "/webhooks")
	b.ExpectText("#created-webhook", "Den bliver ikke vist igen")
	if sec := b.Text("#created-webhook code.secret"); !regexp.MustCompile(`^whsec_[0-9a-f]{48}$`).MatchString(sec) {
		t.Errorf("secret shown = %q", sec)
	}
	b.ExpectText("table.list", "Ordrestatus ændret, Enhedens tilstand ændret")
	b.Shot("webhooks-created")

	var sub webhook.Subscription
	db.Conn(b.TS.Ctx).Take(&sub)
	m := b.TS.Members["751"].ID
	if err := db.WithTx(b.TS.Ctx, func(ctx context.Context) error {
		return webhook.Emit(ctx, webhook.OrderStatusChanged, &m, map[string]any{"id": 1, "member_id": m, "status": "shipped"})
	}); err != nil {
		t.Fatal(err)
	}
	b.ExpectPage(b.Click(`table.list a.button`), 200, "/webhooks/"+itoa(sub.ID))
	b.ExpectText("h1", "Webhookens leveringslog")
	b.ExpectText("table.list", "Afventer")
	b.ExpectPage(b.Click(`table.list form button`), 200, "/webhooks/"+itoa(sub.ID))
	b.ExpectText(`.flash[role="status"]`, "Leveringen bliver sendt igen med samme leverings-id.")
	b.Shot("webhook-log")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
