package webhooks_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/webhook"
	"github.com/fsc/backoffice/web/webtest"
)

// The pages: a member user makes a webhook (refused inputs named beside them, the
// secret shown once), reads its delivery log and sends a delivery again; another
// member does not see it; staff other than admins have no page; admins see every
// webhook, in Danish and English.
func TestWebhookPages(t *testing.T) {
	ts := webtest.New(t)
	s := newSink(t)
	b := webtest.LoggedIn(ts, "member")
	b.ExpectPage("/webhooks", 200, "Webhooks", "Ingen webhooks endnu.", "Ordrestatus ændret", `name="events" value="ticket.created"`)

	st, body, _ := b.Post("/webhooks", url.Values{"url": {"ftp://x.example/"}, "secret": {"kort"}})
	if st != 422 || !strings.Contains(body, `data-field="url"`) || !strings.Contains(body, `data-field="events"`) ||
		!strings.Contains(body, `data-field="secret"`) || !strings.Contains(body, "skal være en http://- eller https://-adresse") ||
		!strings.Contains(body, `id="url-error"`) || !strings.Contains(body, `value="ftp://x.example/"`) {
		t.Fatalf("refused form: %d %s", st, webtest.PageSnippet(body))
	}
	st, body, _ = b.Post("/webhooks", url.Values{"url": {s.srv.URL + "/hook"}, "events": {"order.status_changed", "ticket.created"}})
	if st != 201 || !strings.Contains(body, "Den bliver ikke vist igen") {
		t.Fatalf("create: %d %s", st, webtest.PageSnippet(body))
	}
	m := regexp.MustCompile(`<code class="secret">(whsec_[0-9a-f]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the page: %s", webtest.PageSnippet(body))
	}
	list := b.ExpectPage("/webhooks", 200, s.srv.URL+"/hook", "Ordrestatus ændret, Sag oprettet")
	if strings.Contains(list, m[1]) {
		t.Fatal("the list shows the secret again")
	}
	var sub webhook.Subscription
	db.Conn(ts.Ctx).Where("url = ?", s.srv.URL+"/hook").Take(&sub)
	if sub.MemberID == nil || *sub.MemberID != ts.Members["751"].ID {
		t.Fatalf("the page's webhook is %+v, want member 751's", sub)
	}
	m751 := ts.Members["751"].ID
	if err := db.WithTx(ts.Ctx, func(ctx context.Context) error {
		return webhook.Emit(ctx, webhook.OrderStatusChanged, &m751, map[string]any{"id": 1, "member_id": m751})
	}); err != nil {
		t.Fatal(err)
	}
	var d webhook.Delivery
	db.Conn(ts.Ctx).Where("webhook_id = ?", sub.ID).Take(&d)
	page := fmt.Sprintf("/webhooks/%d", sub.ID)
	b.ExpectPage(page, 200, "Webhookens leveringslog", "Afventer", "Ordrestatus ændret", fmt.Sprintf(`action="/webhooks/%d/deliveries/%d/redeliver"`, sub.ID, d.ID))
	st, _, loc := b.Post(fmt.Sprintf("/webhooks/%d/deliveries/%d/redeliver", sub.ID, d.ID), nil)
	if st != 303 || loc != page {
		t.Fatalf("redeliver: %d to %q", st, loc)
	}
	b.ExpectPage(page, 200, "Leveringen bliver sendt igen med samme leverings-id.")
	b.ExpectPage(page+"?status=delivered", 200, "Ingen leveringer endnu.")

	other := webtest.LoggedIn(ts, "member2")
	if st, _, _ := other.Get(page); st != 404 {
		t.Errorf("member2 reads 751's log: %d", st)
	}
	if body := other.ExpectPage("/webhooks", 200, "Ingen webhooks endnu."); strings.Contains(body, s.srv.URL) {
		t.Error("member2 sees 751's webhook")
	}
	if st, _, _ := other.Post(fmt.Sprintf("/webhooks/%d/delete", sub.ID), nil); st != 404 {
		t.Errorf("member2 deletes 751's webhook: %d", st)
	}
	if st, _, _ := webtest.LoggedIn(ts, "logistics").Get("/webhooks"); st != 403 {
		t.Errorf("logistics: %d, want 403", st)
	}

	adm := webtest.LoggedIn(ts, "admin")
	adm.Get("/lang/en?next=/webhooks")
	adm.ExpectPage("/webhooks", 200, s.srv.URL+"/hook", "Member no.", "Order status changed", "they receive every member&#39;s events")

	st, _, loc = b.Post(fmt.Sprintf("/webhooks/%d/delete", sub.ID), nil)
	if st != 303 || loc != "/webhooks" {
		t.Fatalf("delete: %d to %q", st, loc)
	}
	b.ExpectPage("/webhooks", 200, "Webhooken er slettet.", "Ingen webhooks endnu.")
}
