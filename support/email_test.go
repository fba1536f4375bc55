package support_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/support"
)

func mailFrom(from, subject, msgID, body string) []byte {
	s := fmt.Sprintf("From: %s\nTo: support@fsc.dk\nSubject: %s\nMessage-ID: <%s>\nDate: Tue, 1 Dec 2026 09:14:00 +0100\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n%s\n",
		from, subject, msgID, body)
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

const withFile = `From: "Jens Hansen" <jens.hansen@pleje.aarhus.dk>
To: support@fsc.dk
Subject: =?UTF-8?Q?V=C3=A6gten_viser_forkert?=
Message-ID: <file-1@pleje.aarhus.dk>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/alternative; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

V=C3=A6gten viser 12 kg for meget.
--b2
Content-Type: text/html; charset=utf-8

<p>V&aelig;gten viser 12 kg for meget.</p>
--b2--
--b1
Content-Type: application/pdf; name="rapport.pdf"
Content-Disposition: attachment; filename="rapport.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8
PC9Sb290IDEgMCBSPj4KJSVFT0YK
--b1--
`

func TestEmailOpensTicketAndThreadsReplies(t *testing.T) {
	f := setup(t)
	_, err := f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: f.a.ID, Pattern: "aarhus.dk"})
	must(t, err)
	_, err = f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: f.b.ID, Pattern: "Visitation@Herning.dk"})
	must(t, err)

	res, err := f.svc.IngestEmail(f.sys, []byte(strings.ReplaceAll(withFile, "\n", "\r\n")), time.Time{})
	must(t, err)
	if !res.Created || res.Duplicate {
		t.Fatalf("first mail: %+v", res)
	}
	d := f.get(t, f.agent, res.TicketID)
	if d.MemberID != f.a.ID || d.Channel != support.Email || d.Subject != "Vægten viser forkert" ||
		d.Description != "Vægten viser 12 kg for meget." || d.Contact.Email != "jens.hansen@pleje.aarhus.dk" ||
		d.Contact.Name != "Jens Hansen <jens.hansen@pleje.aarhus.dk>" || d.Status != support.New {
		t.Fatalf("ticket from mail: %+v", d.Ticket)
	}
	if len(d.Attachments) != 1 || d.Attachments[0].Filename != "rapport.pdf" || d.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("attachments %+v", d.Attachments)
	}
	// The same message delivered again changes nothing.
	again, err := f.svc.IngestEmail(f.sys, []byte(strings.ReplaceAll(withFile, "\n", "\r\n")), time.Time{})
	must(t, err)
	if !again.Duplicate || again.TicketID != res.TicketID {
		t.Fatalf("redelivery: %+v", again)
	}

	// A reply naming the ticket threads into it, and ends a wait on the member.
	f.status(t, f.agent, res.TicketID, support.Pending)
	reply := mailFrom("=?UTF-8?Q?Jens_Hansen?= <jens.hansen@pleje.aarhus.dk>",
		"SV: ["+res.Number+"] =?UTF-8?Q?V=C3=A6gten_viser_forkert?=", "reply-1@pleje.aarhus.dk", "Nu virker den igen=2C tak.")
	r2, err := f.svc.IngestEmail(f.sys, reply, time.Time{})
	must(t, err)
	if r2.Created || r2.TicketID != res.TicketID || r2.CommentID == nil {
		t.Fatalf("reply: %+v", r2)
	}
	d = f.get(t, f.memberA, res.TicketID)
	if d.Status != support.Open || len(d.Comments) != 1 || d.Comments[0].Body != "Nu virker den igen, tak." ||
		d.Comments[0].Source != "email" || d.Comments[0].Author != "Jens Hansen <jens.hansen@pleje.aarhus.dk>" || d.Comments[0].Internal {
		t.Fatalf("after the reply: %s %+v", d.Status, d.Comments)
	}
	if d.SLA.FirstResponseAt != nil {
		t.Fatal("a member's mail is no first response")
	}

	// Herning writes about Aarhus's ticket number: no comment on it, a ticket of its own.
	h, err := f.svc.IngestEmail(f.sys, mailFrom("visitation@herning.dk", "Re: "+res.Number, "h-1@herning.dk", "Gæt"), time.Time{})
	must(t, err)
	if !h.Created || h.TicketID == res.TicketID {
		t.Fatalf("cross-member reply: %+v", h)
	}
	if got := f.get(t, f.agent, h.TicketID); got.MemberID != f.b.ID {
		t.Fatalf("routed to member %d", got.MemberID)
	}
	// A closed ticket takes no more mail: a follow-up opens a new one.
	f.status(t, f.agent, res.TicketID, support.Resolved)
	f.status(t, f.agent, res.TicketID, support.Closed)
	n, err := f.svc.IngestEmail(f.sys, mailFrom("jens.hansen@pleje.aarhus.dk", "Re: ["+res.Number+"] igen", "r-2@x", "Den er gal igen"), time.Time{})
	must(t, err)
	if !n.Created || n.TicketID == res.TicketID {
		t.Fatalf("mail to a closed ticket: %+v", n)
	}
}

// Unknown senders are refused unless a catch-all route sends them to a triage member.
func TestEmailUnknownSender(t *testing.T) {
	f := setup(t)
	raw := mailFrom("someone@gmail.com", "Hjælp", "u-1@gmail.com", "Min mors tablet")
	_, err := f.svc.IngestEmail(f.sys, raw, time.Time{})
	wantField(t, err, "from", support.CodeUnknownSender)
	tickets, _, err := f.svc.List(f.agent, support.Filter{})
	must(t, err)
	if len(tickets) != 0 {
		t.Fatalf("a refused mail left %d tickets", len(tickets))
	}
	_, err = f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: f.b.ID, Pattern: support.CatchAll})
	must(t, err)
	res, err := f.svc.IngestEmail(f.sys, raw, time.Time{})
	must(t, err)
	if got := f.get(t, f.agent, res.TicketID); got.MemberID != f.b.ID || !res.Created {
		t.Fatalf("catch-all: %+v", got.Ticket)
	}
	_, err = f.svc.IngestEmail(f.sys, []byte("garbage"), time.Time{})
	wantField(t, err, "raw", support.CodeMailUnreadable)
	_, err = f.svc.IngestEmail(f.memberA, raw, time.Time{})
	wantKind(t, err, apperr.KindForbidden, "member ingests mail")
}

func TestEmailRoutes(t *testing.T) {
	f := setup(t)
	for _, bad := range []string{"", "aarhus", "@aarhus.dk", "a b@aarhus.dk", "*.aarhus.dk", "aarhus..dk"} {
		_, err := f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: f.a.ID, Pattern: bad})
		wantField(t, err, "pattern", support.CodeMailPattern)
	}
	r, err := f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: f.a.ID, Pattern: " Aarhus.DK "})
	must(t, err)
	if r.Pattern != "aarhus.dk" {
		t.Fatalf("pattern %q", r.Pattern)
	}
	_, err = f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: f.b.ID, Pattern: "aarhus.dk"})
	wantField(t, err, "pattern", apperr.Taken)
	_, err = f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: 999, Pattern: "x.dk"})
	wantField(t, err, "member_id", apperr.Unknown)
	_, err = f.svc.AddEmailRoute(f.agent, support.NewEmailRoute{MemberID: f.a.ID, Pattern: "x.dk"})
	wantKind(t, err, apperr.KindForbidden, "support adds a route")
	// The address beats its domain.
	_, err = f.svc.AddEmailRoute(f.admin, support.NewEmailRoute{MemberID: f.b.ID, Pattern: "flyttet@aarhus.dk"})
	must(t, err)
	res, err := f.svc.IngestEmail(f.sys, mailFrom("Flyttet@Aarhus.dk", "x", "m-1@x", "y"), time.Time{})
	must(t, err)
	if got := f.get(t, f.agent, res.TicketID); got.MemberID != f.b.ID {
		t.Fatalf("routed to %d, want the address's member", got.MemberID)
	}
	rs, err := f.svc.EmailRoutes(f.agent)
	must(t, err)
	if len(rs) != 2 {
		t.Fatalf("routes %+v", rs)
	}
	must(t, f.svc.DeleteEmailRoute(f.admin, r.ID))
	wantKind(t, f.svc.DeleteEmailRoute(f.admin, r.ID), apperr.KindNotFound, "delete twice")
}
