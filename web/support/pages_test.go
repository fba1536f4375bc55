package support_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
)

func ago(d time.Duration) string { return time.Now().Add(-d).UTC().Format(time.RFC3339) }

// queueData opens a breached, an at-risk and a calm ticket for member 751 and one for 657.
func queueData(t *testing.T, e *env) (breached, atRisk, calm, other ticket) {
	breached = e.phone(t, e.a, "critical", map[string]any{"subject": "Tablet helt død", "received_at": ago(3 * time.Hour)})
	atRisk = e.phone(t, e.a, "critical", map[string]any{"subject": "Blodtryksmåler svarer ikke", "received_at": ago(27 * time.Minute)})
	calm = e.phone(t, e.a, "low", map[string]any{"subject": "Spørgsmål om opladning"})
	other = e.phone(t, e.b, "normal", map[string]any{"subject": "Herning: forkert adresse", "category": "delivery"})
	return
}

func rowOf(t *testing.T, body, number string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr class="([^"]*)" data-number="` + regexp.QuoteMeta(number) + `">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row for %s: %s", number, webtest.PageSnippet(body))
	}
	return m[1]
}

func TestQueuePage(t *testing.T) {
	e := setup(t)
	breached, atRisk, calm, other := queueData(t, e)
	c := webtest.LoggedIn(e.ts, "support")
	body := c.ExpectPage("/tickets", 200, "Sagskø", breached.Number, atRisk.Number, calm.Number, other.Number, "Kommune 657")
	if got := rowOf(t, body, breached.Number); got != "late" {
		t.Errorf("breached row class %q", got)
	}
	if got := rowOf(t, body, atRisk.Number); got != "below" {
		t.Errorf("at-risk row class %q", got)
	}
	if got := rowOf(t, body, calm.Number); got != "" {
		t.Errorf("calm row class %q", got)
	}
	// Nearest due time first.
	if i, j := strings.Index(body, breached.Number), strings.Index(body, calm.Number); i > j {
		t.Error("breached ticket not before the calm one")
	}
	body = c.ExpectPage("/tickets?sla=breached", 200, breached.Number)
	if strings.Contains(body, atRisk.Number) || strings.Contains(body, calm.Number) {
		t.Error("sla=breached shows others")
	}
	body = c.ExpectPage("/tickets?sla=at_risk", 200, atRisk.Number)
	if strings.Contains(body, `data-number="`+breached.Number) || strings.Contains(body, `data-number="`+calm.Number) {
		t.Error("sla=at_risk shows others")
	}
	body = c.ExpectPage(fmt.Sprintf("/tickets?member_id=%d", e.b.ID), 200, other.Number)
	if strings.Contains(body, `data-number="`+calm.Number) {
		t.Error("member filter shows 751")
	}
	body = c.ExpectPage("/tickets?priority=low&category=usage", 200, calm.Number)
	if strings.Contains(body, `data-number="`+breached.Number) {
		t.Error("priority filter")
	}
	// The queue is in the order of its pages, by the nearest due time: no header offers
	// to sort the fifty rows shown of a queue that may hold a million.
	body = c.ExpectPage("/tickets", 200, `aria-sort="ascending"`)
	if strings.Contains(body, "?sort=") || strings.Contains(body, "&amp;sort=") {
		t.Errorf("the queue offers a sort of the page: %s", webtest.PageSnippet(body))
	}
	if st, body, _ := c.Get("/tickets?sla=soon"); st != 422 || !strings.Contains(body, "sla") {
		t.Errorf("bad sla: %d", st)
	}
	// English.
	c.Cookies["fsc_lang"] = "en"
	c.ExpectPage("/tickets", 200, "Ticket queue", "Breached", "At risk", "Critical")
	// The download holds the filtered queue.
	st, xb, _ := c.Get("/tickets.xlsx?priority=critical")
	if st != 200 {
		t.Fatalf("export: %d", st)
	}
	f, err := excelize.OpenReader(strings.NewReader(xb))
	must(t, err)
	rows, err := f.GetRows(f.GetSheetList()[0])
	must(t, err)
	if len(rows) != 3 || rows[0][0] != "Number" || !strings.Contains(strings.Join(rows[1], "|")+strings.Join(rows[2], "|"), breached.Number) {
		t.Fatalf("export rows: %v", rows)
	}
	// Logistics reads the queue; finance does not.
	webtest.LoggedIn(e.ts, "logistics").ExpectPage("/tickets", 200, breached.Number)
	if st, _, _ := webtest.LoggedIn(e.ts, "finance").Get("/tickets"); st != 403 {
		t.Errorf("finance: %d", st)
	}
}

func TestMemberPortalAndVendorView(t *testing.T) {
	e := setup(t)
	_, _, calm, other := queueData(t, e)
	d := e.deploy(t, e.a, "borger-p")
	m := webtest.LoggedIn(e.ts, "member")
	body := m.ExpectPage("/tickets", 200, "Vores sager", calm.Number, "Meld en fejl")
	if strings.Contains(body, other.Number) {
		t.Error("member sees the other member's ticket")
	}
	if st, _, _ := m.Get(fmt.Sprintf("/tickets/%d", other.ID)); st != 404 {
		t.Errorf("other member's ticket page: %d", st)
	}
	body = m.ExpectPage("/tickets/new", 200, "Meld en fejl", d.Serial)
	if strings.Contains(body, `name="member_id"`) {
		t.Error("portal form asks for a member")
	}
	st, _, loc := m.Post("/tickets/new", url.Values{"category": {"device_fault"}, "priority": {"normal"}, "device_id": {fmt.Sprint(d.ID)},
		"subject": {"Skærmen er sort"}, "description": {"Siden i går"}, "idempotency_key": {"k1"}, "channel": {"phone"}})
	if st != 303 || !strings.HasPrefix(loc, "/tickets/") {
		t.Fatalf("portal submit: %d %s", st, loc)
	}
	body = m.ExpectPage(loc, 200, "Skærmen er sort", "Portal", d.Serial, "Tilføj kommentar")
	if strings.Contains(body, `id="internal"`) || strings.Contains(body, `action="`+loc+`/escalate"`) || strings.Contains(body, `name="status"`) {
		t.Error("member gets staff controls")
	}
	// The same key again answers the same ticket.
	_, _, loc2 := m.Post("/tickets/new", url.Values{"category": {"device_fault"}, "priority": {"normal"}, "device_id": {fmt.Sprint(d.ID)},
		"subject": {"Skærmen er sort"}, "description": {"Siden i går"}, "idempotency_key": {"k1"}, "channel": {"phone"}})
	if loc2 != loc {
		t.Errorf("double submit: %s then %s", loc, loc2)
	}
	st, body, _ = m.Post("/tickets/new", url.Values{"category": {"device_fault"}, "priority": {"normal"}, "subject": {""}, "idempotency_key": {"k2"}})
	if st != 422 || !strings.Contains(body, `id="subject-error"`) {
		t.Fatalf("empty subject: %d %s", st, webtest.PageSnippet(body))
	}

	// The vendor sees what is escalated to it, and may resolve it.
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/escalate", calm.ID), "support", map[string]any{"vendor_id": e.vendor.ID, "vendor_ref": "MT-1"}, 200)
	v := webtest.LoggedIn(e.ts, "vendor")
	body = v.ExpectPage("/tickets", 200, "Sager eskaleret til os", calm.Number)
	if strings.Contains(body, other.Number) || strings.Contains(body, `data-number="`+other.Number) {
		t.Error("vendor sees a ticket not escalated to it")
	}
	body = v.ExpectPage(fmt.Sprintf("/tickets/%d", calm.ID), 200, "MT-1", `value="resolved"`)
	if strings.Contains(body, `value="closed"`) || strings.Contains(body, "Sygeplejerske Jensen") {
		t.Error("vendor sees more than it may")
	}
	st, _, loc = v.Post(fmt.Sprintf("/tickets/%d/status", calm.ID), url.Values{"status": {"resolved"}, "note": {"ny skærm"}})
	if st != 303 {
		t.Fatalf("vendor resolves: %d", st)
	}
	v.ExpectPage(loc, 200, "Løst")
	if st, _, _ := v.Get(fmt.Sprintf("/tickets/%d", other.ID)); st != 404 {
		t.Errorf("vendor opens another ticket: %d", st)
	}
}

func TestPhoneCallToSwapOnThePages(t *testing.T) {
	e := setup(t)
	d := e.deploy(t, e.a, "borger-s")
	must(t, createReceipt(e, "TAB-REPL-1"))
	prev := e.phone(t, e.a, "low", map[string]any{"device_id": d.ID, "subject": "Tidligere sag"})
	c := webtest.LoggedIn(e.ts, "support")
	// The lookup finds the device, its history and its open ticket, and fills the form.
	body := c.ExpectPage("/tickets/new?serial="+url.QueryEscape(strings.ToLower(d.Serial)), 200, `id="found-device"`, prev.Number, "borger-s")
	// Its history in the agent's words: the steps and the reasons the system wrote.
	for _, want := range []string{"Modtaget på varemodtagelse", "Reserveret til ordre O-", "Leveret (markeret manuelt)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the device's history lacks %q: %s", want, webtest.PageSnippet(body))
		}
	}
	if strings.Contains(body, "received on receipt") || strings.Contains(body, "→ deployed") {
		t.Errorf("the device's history is in English: %s", webtest.PageSnippet(body))
	}
	if !strings.Contains(body, fmt.Sprintf(`name="device_id" inputmode="numeric" value="%d"`, d.ID)) {
		t.Errorf("form not filled with the device: %s", webtest.PageSnippet(body))
	}
	c.ExpectPage("/tickets/new?serial=NOPE", 200, "Ingen enhed har serienummer NOPE")
	c.ExpectPage(fmt.Sprintf("/tickets/new?member_id=%d&citizen_ref=borger-s", e.a.ID), 200, prev.Number)
	// A refused form keeps what was typed and names each field.
	st, body, _ := c.Post("/tickets/new", url.Values{"member_id": {fmt.Sprint(e.a.ID)}, "channel": {"phone"}, "category": {"device_fault"},
		"priority": {"high"}, "subject": {"Tablet starter ikke"}, "received_at": {"2999-01-01T10:00"}, "contact_email": {"ikke-en-adresse"},
		"contact_name": {"Sygeplejerske Holm"}, "idempotency_key": {"p1"}})
	if st != 422 || !strings.Contains(body, `id="received_at-error"`) || !strings.Contains(body, "Tablet starter ikke") {
		t.Fatalf("refused phone form: %d %s", st, webtest.PageSnippet(body))
	}
	st, _, loc := c.Post("/tickets/new", url.Values{"member_id": {fmt.Sprint(e.a.ID)}, "channel": {"phone"}, "category": {"device_fault"},
		"priority": {"high"}, "subject": {"Tablet starter ikke"}, "device_id": {fmt.Sprint(d.ID)}, "received_at": {time.Now().Add(-10 * time.Minute).Format("2006-01-02T15:04")},
		"contact_name": {"Sygeplejerske Holm"}, "contact_phone": {"20304050"}, "idempotency_key": {"p2"}})
	if st != 303 {
		t.Fatalf("phone form: %d", st)
	}
	c.ExpectPage(loc, 200, "Tablet starter ikke", "Sygeplejerske Holm", "Første svar", "Telefon", `value="open"`, `value="pending"`, `value="resolved"`)
	id := strings.TrimPrefix(loc, "/tickets/")
	// Comment (public, then internal), move, escalate, attach, swap.
	if st, _, _ := c.Post(loc+"/comments", url.Values{"body": {"Vi sender en ny tablet"}}); st != 303 {
		t.Fatalf("comment: %d", st)
	}
	if st, _, _ := c.Post(loc+"/comments", url.Values{"body": {"Borgeren er svær at træffe"}, "internal": {"1"}}); st != 303 {
		t.Fatalf("internal comment: %d", st)
	}
	if st, body, _ := c.Post(loc+"/comments", url.Values{"body": {""}}); st != 422 || !strings.Contains(body, `id="body-error"`) {
		t.Fatalf("empty comment: %d", st)
	}
	if st, _, _ := c.Post(loc+"/status", url.Values{"status": {"open"}}); st != 303 {
		t.Fatalf("open: %d", st)
	}
	if st, body, _ := c.Post(loc+"/status", url.Values{"status": {"closed"}}); st != 409 || !strings.Contains(body, "open") {
		t.Fatalf("open → closed: %d", st)
	}
	if st, body, _ := c.Post(loc+"/escalate", url.Values{"vendor_id": {""}}); st != 422 || !strings.Contains(body, `id="vendor_id-error"`) {
		t.Fatalf("escalate without vendor: %d", st)
	}
	if st, _, _ := c.Post(loc+"/escalate", url.Values{"vendor_id": {fmt.Sprint(e.vendor.ID)}, "vendor_ref": {"MT-9"}}); st != 303 {
		t.Fatalf("escalate: %d", st)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", c.CSRF)
	fw, _ := w.CreateFormFile("file", "fejl.txt")
	_, _ = fw.Write([]byte("Fejlkode E42"))
	_ = w.Close()
	req := httptest.NewRequest("POST", loc+"/attachments", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if st, body, _ := c.Do(req); st != 303 {
		t.Fatalf("attach: %d %s", st, webtest.PageSnippet(body))
	}
	if st, _, _ := c.Post(loc+"/swap", url.Values{"device_id": {"abc"}}); st != 422 {
		t.Fatalf("swap with a bad device: %d", st)
	}
	if st, body, _ := c.Post(loc+"/swap", url.Values{"device_id": {fmt.Sprint(d.ID)}, "product_id": {""}}); st != 303 {
		t.Fatalf("swap: %d %s", st, webtest.PageSnippet(body))
	}
	body = c.ExpectPage(loc, 200, "Vi sender en ny tablet", "Borgeren er svær at træffe", "Intern", "MT-9", "Medtek ApS", "Leverandør (OLA)",
		"fejl.txt", "Ombyt enhed", `href="/orders/`, `href="/returns/`, "Eskaleret")
	if m := regexp.MustCompile(`href="(/tickets/` + id + `/attachments/\d+)"`).FindStringSubmatch(body); m == nil {
		t.Error("no attachment link")
	} else if st, file, _ := c.Get(m[1]); st != 200 || file != "Fejlkode E42" {
		t.Errorf("attachment download: %d %q", st, file)
	}
	// The member sees the public comment, not the internal one.
	mb := webtest.LoggedIn(e.ts, "member").ExpectPage(loc, 200, "Vi sender en ny tablet")
	if strings.Contains(mb, "Borgeren er svær at træffe") {
		t.Error("member sees an internal comment")
	}
}

func TestPoliciesPage(t *testing.T) {
	e := setup(t)
	s := webtest.LoggedIn(e.ts, "support")
	body := s.ExpectPage("/sla-policies", 200, "SLA-politikker", "Kritisk", "Døgnet rundt", "1.440")
	if strings.Contains(body, `action="/sla-policies/`) {
		t.Error("support gets the edit form")
	}
	if st, _, _ := s.Post("/sla-policies/low", url.Values{"first_response_minutes": {"1"}, "resolution_minutes": {"2"}, "calendar": {"24x7"}}); st != 403 {
		t.Errorf("support edits: %d", st)
	}
	a := webtest.LoggedIn(e.ts, "admin")
	a.ExpectPage("/sla-policies", 200, `action="/sla-policies/low"`)
	st, body, _ := a.Post("/sla-policies/low", url.Values{"first_response_minutes": {"900"}, "resolution_minutes": {"600"}, "calendar": {"business"}})
	if st != 422 || !strings.Contains(body, `value="900"`) {
		t.Fatalf("first above resolution: %d %s", st, webtest.PageSnippet(body))
	}
	if st, _, _ := a.Post("/sla-policies/low", url.Values{"first_response_minutes": {"300"}, "resolution_minutes": {"2000"}, "calendar": {"business"}}); st != 303 {
		t.Fatalf("save: %d", st)
	}
	a.ExpectPage("/sla-policies", 200, `value="300"`, `value="2000"`, "Gemt.")
	if st, _, _ := webtest.LoggedIn(e.ts, "member").Get("/sla-policies"); st != 403 {
		t.Errorf("member: %d", st)
	}
}
