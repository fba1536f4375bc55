package support_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

// TestTransitions walks API.md's table over HTTP: every allowed move 200, others 409.
func TestTransitions(t *testing.T) {
	e := setup(t)
	allowed := map[string][]string{"new": {"open", "pending", "resolved"}, "open": {"pending", "resolved"},
		"pending": {"open", "resolved"}, "resolved": {"open", "closed"}}
	// to reaches status from new by allowed moves.
	to := map[string][]string{"new": nil, "open": {"open"}, "pending": {"pending"}, "resolved": {"resolved"}, "closed": {"resolved", "closed"},
		"escalated": nil}
	all := []string{"new", "open", "pending", "escalated", "resolved", "closed"}
	for _, from := range all {
		for _, target := range all {
			tk := e.phone(t, e.a, "low", nil)
			path := fmt.Sprintf("/tickets/%d/status", tk.ID)
			for _, s := range to[from] {
				e.do(t, "POST", path, "support", map[string]any{"status": s}, 200)
			}
			if from == "escalated" {
				e.do(t, "POST", fmt.Sprintf("/tickets/%d/escalate", tk.ID), "support", map[string]any{"vendor_id": e.vendor.ID}, 200)
			}
			want := 409
			for _, a := range allowed[from] {
				if a == target {
					want = 200
				}
			}
			if from == "escalated" && target == "resolved" {
				want = 200
			}
			if target == "escalated" {
				want = 409 // only by POST /escalate
			}
			st, b := e.ts.Do("POST", "/api/v1"+path, "support", map[string]any{"status": target})
			if st != want {
				t.Errorf("%s → %s: %d, want %d: %s", from, target, st, want, b)
			}
		}
	}
	tk := e.phone(t, e.a, "low", nil)
	st, b := e.ts.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/status", tk.ID), "support", map[string]any{"status": "gone"})
	webtest.ExpectFields(t, st, b, "status")
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/status", tk.ID), "logistics", map[string]any{"status": "open"}, 403)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/status", tk.ID), "member", map[string]any{"status": "open"}, 403)
	e.do(t, "POST", "/tickets/999999/status", "support", map[string]any{"status": "open"}, 404)
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/escalate", tk.ID), "support", map[string]any{"vendor_id": 999999}, 422)
}

func multipartFile(t *testing.T, name string, data []byte, internal bool) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", name)
	must(t, err)
	_, _ = fw.Write(data)
	if internal {
		_ = w.WriteField("internal", "true")
	}
	must(t, w.Close())
	return &buf, w.FormDataContentType()
}

func TestAttachments(t *testing.T) {
	e := setup(t)
	tk := e.phone(t, e.a, "normal", nil)
	upload := func(user, name string, data []byte, internal bool) (int, []byte) {
		body, ctype := multipartFile(t, name, data, internal)
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.ID), body)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+e.ts.Tokens[user])
		return e.ts.Send(req)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
	st, b := upload("member", `C:\billeder\skærm.png`, png, false)
	if st != 201 || !strings.Contains(string(b), `"filename":"skærm.png"`) || !strings.Contains(string(b), `"content_type":"image/png"`) {
		t.Fatalf("upload: %d %s", st, b)
	}
	if st, b := upload("support", "note.txt", []byte("intern"), true); st != 201 {
		t.Fatalf("internal upload: %d %s", st, b)
	}
	if st, _ := upload("member", "x.txt", []byte("x"), true); st != 403 {
		t.Fatalf("member internal upload: %d", st)
	}
	if st, _ := upload("member2", "x.txt", []byte("x"), false); st != 404 {
		t.Fatalf("other member upload: %d", st)
	}
	st, b = upload("support", "big.bin", bytes.Repeat([]byte("a"), 10<<20+1), false)
	webtest.ExpectFields(t, st, b, "file")
	st, b = upload("support", "empty.bin", nil, false)
	webtest.ExpectFields(t, st, b, "file")
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.ID), strings.NewReader("not multipart"))
	req.Header.Set("Authorization", "Bearer "+e.ts.Tokens["support"])
	st, b = e.ts.Send(req)
	webtest.ExpectFields(t, st, b, "file")

	staff, member := e.ticket(t, "support", tk.ID), e.ticket(t, "member", tk.ID)
	if len(staff.Attachments) != 2 || len(member.Attachments) != 1 {
		t.Fatalf("attachments: staff %d, member %d", len(staff.Attachments), len(member.Attachments))
	}
	st, b = e.ts.Do("GET", fmt.Sprintf("/api/v1/tickets/%d/attachments/%d", tk.ID, member.Attachments[0].ID), "member", nil)
	if st != 200 || !bytes.Equal(b, png) {
		t.Fatalf("download: %d, %d bytes", st, len(b))
	}
	e.do(t, "GET", fmt.Sprintf("/tickets/%d/attachments/%d", tk.ID, staff.Attachments[1].ID), "member", nil, 404)
	e.do(t, "GET", fmt.Sprintf("/tickets/%d/attachments/%d", tk.ID, member.Attachments[0].ID), "member2", nil, 404)
}

func TestSwapFromTicket(t *testing.T) {
	e := setup(t)
	d := e.deploy(t, e.a, "borger-9")
	_, err := e.ts.Inventory.CreateReceipt(e.ts.Ctx, receiptOf(e, "TAB-SPARE-1"))
	must(t, err)
	tk := e.phone(t, e.a, "high", map[string]any{"device_id": d.ID, "category": "device_fault"})
	var sw struct {
		OrderID  int64 `json:"order_id"`
		ReturnID int64 `json:"return_id"`
		TicketID int64 `json:"ticket_id"`
	}
	webtest.DecodeInto(t, e.do(t, "POST", fmt.Sprintf("/tickets/%d/swap", tk.ID), "support", map[string]any{"device_id": d.ID}, 201), &sw)
	if sw.OrderID == 0 || sw.ReturnID == 0 || sw.TicketID != tk.ID {
		t.Fatalf("swap: %+v", sw)
	}
	got := e.ticket(t, "support", tk.ID)
	if len(got.Swaps) != 1 || got.Swaps[0].OrderID != sw.OrderID {
		t.Fatalf("ticket's swaps: %+v", got.Swaps)
	}
	var o struct {
		MemberID   int64  `json:"member_id"`
		CitizenRef string `json:"citizen_ref"`
		Status     string `json:"status"`
	}
	webtest.DecodeInto(t, e.do(t, "GET", fmt.Sprintf("/orders/%d", sw.OrderID), "logistics", nil, 200), &o)
	if o.MemberID != e.a.ID || o.CitizenRef != "borger-9" {
		t.Fatalf("replacement order: %+v", o)
	}
	e.do(t, "POST", fmt.Sprintf("/tickets/%d/swap", tk.ID), "admin", map[string]any{"device_id": d.ID}, 403)
	st, b := e.ts.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/swap", tk.ID), "logistics", map[string]any{"device_id": 0})
	webtest.ExpectFields(t, st, b, "device_id")
}

func TestPoliciesAndEmail(t *testing.T) {
	e := setup(t)
	var ps struct {
		Items []struct {
			Priority             string `json:"priority"`
			FirstResponseMinutes int    `json:"first_response_minutes"`
			ResolutionMinutes    int    `json:"resolution_minutes"`
			Calendar             string `json:"calendar"`
		}
	}
	webtest.DecodeInto(t, e.do(t, "GET", "/sla-policies", "support", nil, 200), &ps)
	want := []string{"critical 30 240 24x7", "high 60 480 business", "normal 240 1440 business", "low 480 2400 business"}
	for i, p := range ps.Items {
		if got := fmt.Sprintf("%s %d %d %s", p.Priority, p.FirstResponseMinutes, p.ResolutionMinutes, p.Calendar); i >= len(want) || got != want[i] {
			t.Errorf("policy %d: %s", i, got)
		}
	}
	if len(ps.Items) != 4 {
		t.Fatalf("%d policies", len(ps.Items))
	}
	e.do(t, "PUT", "/sla-policies/low", "support", map[string]any{"first_response_minutes": 60, "resolution_minutes": 120, "calendar": "business"}, 403)
	e.do(t, "GET", "/sla-policies", "member", nil, 403)
	st, b := e.ts.Do("PUT", "/api/v1/sla-policies/low", "admin", map[string]any{"first_response_minutes": 0, "resolution_minutes": 600000, "calendar": "lunar"})
	webtest.ExpectFields(t, st, b, "first_response_minutes", "resolution_minutes", "calendar")
	e.do(t, "PUT", "/sla-policies/urgent", "admin", map[string]any{"first_response_minutes": 1, "resolution_minutes": 2, "calendar": "24x7"}, 404)
	e.do(t, "PUT", "/sla-policies/low", "admin", map[string]any{"first_response_minutes": 60, "resolution_minutes": 120, "calendar": "24x7"}, 200)
	fixClock(e, utc("2026-03-07T10:00:00Z")) // a Saturday: 24x7 counts it
	tk := e.phone(t, e.a, "low", nil)
	if tk.SLA.Calendar != "24x7" || tk.SLA.FirstResponseDue != "2026-03-07T11:00:00Z" || tk.SLA.ResolutionDue != "2026-03-07T12:00:00Z" {
		t.Fatalf("after the change: %+v", tk.SLA)
	}

	// E-mail in: a route, a new ticket, a reply threaded into it.
	e.do(t, "POST", "/email-routes", "admin", map[string]any{"member_id": e.a.ID, "pattern": "aarhus.dk"}, 201)
	e.do(t, "POST", "/email-routes", "support", map[string]any{"member_id": e.a.ID, "pattern": "x.dk"}, 403)
	msg := "From: =?UTF-8?Q?S=C3=B8ren_Sygeplejerske?= <soren@aarhus.dk>\r\nTo: support@fsc.dk\r\nSubject: =?UTF-8?Q?Vægt_viser_forkert?=\r\n" +
		"Message-ID: <m1@aarhus.dk>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nV=C3=A6gten hos borger 12 viser 0 kg.\r\n"
	mail := func(raw string) (int, []byte) {
		req := httptest.NewRequest("POST", "/api/v1/email/inbound", strings.NewReader(raw))
		req.Header.Set("Content-Type", "message/rfc822")
		req.Header.Set("Authorization", "Bearer "+e.ts.Tokens["support"])
		return e.ts.Send(req)
	}
	st, b = mail(msg)
	var res struct {
		TicketID int64  `json:"ticket_id"`
		Number   string `json:"number"`
		Created  bool   `json:"created"`
	}
	webtest.DecodeInto(t, b, &res)
	if st != 201 || !res.Created {
		t.Fatalf("mail: %d %s", st, b)
	}
	if st, b := mail(msg); st != 200 || !strings.Contains(string(b), `"duplicate":true`) {
		t.Fatalf("same mail again: %d %s", st, b)
	}
	reply := "From: soren@aarhus.dk\r\nSubject: Re: [" + res.Number + "] Vægt\r\nMessage-ID: <m2@aarhus.dk>\r\n\r\nNu virker den.\r\n"
	st, b = mail(reply)
	if st != 200 || !strings.Contains(string(b), fmt.Sprintf(`"ticket_id":%d`, res.TicketID)) {
		t.Fatalf("reply: %d %s", st, b)
	}
	if got := e.ticket(t, "member", res.TicketID); got.Channel != "email" || len(got.Comments) != 1 {
		t.Fatalf("mailed ticket: %+v", got)
	}
	st, b = mail("From: nobody@elsewhere.example\r\nSubject: hi\r\n\r\nhello\r\n")
	webtest.ExpectFields(t, st, b, "from")
	st, b = mail("")
	if st != 422 && st != 400 {
		t.Fatalf("empty mail: %d %s", st, b)
	}
}

func toJSON(v any) string {
	var b bytes.Buffer
	enc := jsonEncoder(&b)
	_ = enc.Encode(v)
	return b.String()
}
