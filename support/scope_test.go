package support_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/support"
)

func TestMemberScoping(t *testing.T) {
	f := setup(t)
	portal := support.NewTicket{MemberID: f.a.ID, Channel: support.Portal, Category: support.Delivery, Priority: support.Normal,
		Subject: "Pakken er ikke kommet"}
	mine, err := f.svc.Create(f.memberA, portal, "")
	must(t, err)
	if mine.CreatedBy != "sygeplejerske@aarhus.dk" || mine.Channel != support.Portal {
		t.Fatalf("portal ticket %+v", mine)
	}
	theirs := f.create(t, support.NewTicket{MemberID: f.b.ID, Channel: support.Phone, Category: support.Other,
		Priority: support.Low, Subject: "Herning ringer"})

	other := portal
	other.MemberID = f.b.ID
	_, err = f.svc.Create(f.memberA, other, "")
	wantKind(t, err, apperr.KindForbidden, "member opens a ticket for another member")
	phone := portal
	phone.Channel = support.Phone
	_, err = f.svc.Create(f.memberA, phone, "")
	wantField(t, err, "channel", support.CodePortalOnly)

	_, err = f.svc.Get(f.memberA, theirs.ID)
	wantKind(t, err, apperr.KindNotFound, "member reads another member's ticket")
	_, err = f.svc.AddComment(f.memberA, theirs.ID, support.CommentInput{Body: "hej"})
	wantKind(t, err, apperr.KindNotFound, "member comments on another member's ticket")
	_, err = f.svc.SetStatus(f.memberA, mine.ID, support.StatusInput{Status: support.Resolved})
	wantKind(t, err, apperr.KindForbidden, "member resolves")
	list, next, err := f.svc.List(f.memberA, support.Filter{})
	must(t, err)
	if len(list) != 1 || list[0].ID != mine.ID || next != nil {
		t.Fatalf("member's list: %+v", list)
	}
	list, _, err = f.svc.List(f.memberA, support.Filter{MemberID: f.b.ID})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("member asks for another member's tickets: %+v", list)
	}

	// Internal comments: members never see them, never write them.
	_, err = f.svc.AddComment(f.agent, mine.ID, support.CommentInput{Body: "Kunden virker sur", Internal: true})
	must(t, err)
	_, err = f.svc.AddComment(f.agent, mine.ID, support.CommentInput{Body: "Vi undersøger det"})
	must(t, err)
	_, err = f.svc.AddComment(f.memberA, mine.ID, support.CommentInput{Body: "skjult", Internal: true})
	wantKind(t, err, apperr.KindForbidden, "member writes an internal comment")
	_, err = f.svc.AddAttachment(f.agent, mine.ID, support.AttachmentInput{Filename: "noter.txt", Data: []byte("intern"), Internal: true})
	must(t, err)
	d := f.get(t, f.memberA, mine.ID)
	if len(d.Comments) != 1 || d.Comments[0].Body != "Vi undersøger det" || len(d.Attachments) != 0 {
		t.Fatalf("member sees comments %+v attachments %+v", d.Comments, d.Attachments)
	}
	for _, e := range d.Events {
		if e.Actor != "" || e.Note != "" {
			t.Fatalf("member sees who moved the ticket: %+v", e)
		}
	}
	if d := f.get(t, f.agent, mine.ID); len(d.Comments) != 2 || len(d.Attachments) != 1 {
		t.Fatalf("staff see %d comments, %d attachments", len(d.Comments), len(d.Attachments))
	}
	// Logistics reads; finance does not.
	if _, err := f.svc.Get(f.log, theirs.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.List(testenv.As(f.base, auth.Principal{UserID: 3, Name: "finans@fsc.dk", Role: auth.RoleFinance}), support.Filter{})
	wantKind(t, err, apperr.KindForbidden, "finance lists tickets")
}

func TestMemberDeviceMustBeDeployedForIt(t *testing.T) {
	f := setup(t)
	da := f.deploy(t, f.tablet, f.a, "borger-1")
	db := f.deploy(t, f.tablet, f.b, "borger-2")
	in := support.NewTicket{MemberID: f.a.ID, Channel: support.Portal, Category: support.DeviceFault, Priority: support.High,
		Subject: "Tablet virker ikke", DeviceID: &da.ID}
	tk, err := f.svc.Create(f.memberA, in, "")
	must(t, err)
	if tk.DeviceID == nil || *tk.DeviceID != da.ID || tk.CitizenRef == nil || *tk.CitizenRef != "borger-1" || *tk.Serial != da.Serial {
		t.Fatalf("device ticket %+v", tk)
	}
	in.DeviceID = &db.ID
	_, err = f.svc.Create(f.memberA, in, "")
	wantField(t, err, "device_id", orders.CodeNotAtMember)
	_, err = f.svc.Create(f.agent, in, "") // staff too: the device is at Herning's citizen
	wantField(t, err, "device_id", orders.CodeNotAtMember)
	missing := int64(99999)
	in.DeviceID = &missing
	_, err = f.svc.Create(f.memberA, in, "")
	wantField(t, err, "device_id", orders.CodeNotAtMember)
	shelf := f.receive(t, f.scale, 1)
	ds, err := f.inv.FindBySerial(f.log, shelf[0])
	must(t, err)
	in.DeviceID = &ds[0].ID
	_, err = f.svc.Create(f.agent, in, "")
	wantField(t, err, "device_id", orders.CodeNotAtMember) // on the shelf: held for no member
}

func TestCreateValidation(t *testing.T) {
	f := setup(t)
	future := f.now().Add(time.Hour)
	old := f.now().Add(-400 * 24 * time.Hour)
	subject := strings.Repeat("æ", 201)
	_, err := f.svc.Create(f.agent, support.NewTicket{MemberID: 999, Channel: "fax", Category: "misc", Priority: "urgent",
		Subject: subject, CitizenRef: "010190-1234", ReceivedAt: &future, Contact: &support.Contact{Email: "nope"}}, "")
	for _, c := range []struct {
		field string
		code  apperr.Code
	}{
		{"member_id", apperr.Unknown}, {"channel", apperr.OneOf}, {"category", apperr.OneOf}, {"priority", apperr.OneOf},
		{"subject", apperr.TooLong}, {"citizen_ref", apperr.CPR}, {"received_at", apperr.InFuture},
		{"contact.name", apperr.Required}, {"contact.email", apperr.Email},
	} {
		wantField(t, err, c.field, c.code)
	}
	in := f.phone(support.Normal, &old)
	in.Subject = "  \t"
	_, err = f.svc.Create(f.agent, in, "")
	wantField(t, err, "received_at", apperr.TooSmall)
	wantField(t, err, "subject", apperr.Required)
	in = f.phone(support.Normal, nil)
	in.Subject = "bell\a"
	_, err = f.svc.Create(f.agent, in, "")
	wantField(t, err, "subject", apperr.ControlChars)
	_, err = f.svc.Create(f.log, f.phone(support.Normal, nil), "")
	wantKind(t, err, apperr.KindForbidden, "logistics opens a ticket")
	tk := f.create(t, f.phone(support.Normal, nil))
	if want := fmt.Sprintf("T-%d-%06d", f.now().Year(), tk.ID); tk.Number != want {
		t.Fatalf("number %q, want %q", tk.Number, want)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := setup(t)
	r := f.now().Add(-time.Minute).Truncate(time.Second)
	in := f.phone(support.Normal, &r)
	first, err := f.svc.Create(f.agent, in, "call-4711")
	must(t, err)
	again, err := f.svc.Create(f.agent, in, "call-4711")
	must(t, err)
	if again.ID != first.ID || again.Number != first.Number {
		t.Fatalf("retry gave %d, want %d", again.ID, first.ID)
	}
	// The same request decoded from other JSON (another instant notation) is the same.
	same := in
	rr := r.In(time.FixedZone("CET", 3600))
	same.ReceivedAt = &rr
	if got, err := f.svc.Create(f.agent, same, "call-4711"); err != nil || got.ID != first.ID {
		t.Fatalf("same input, other zone: %v %v", got, err)
	}
	changed := in
	changed.Subject = "Noget andet"
	_, err = f.svc.Create(f.agent, changed, "call-4711")
	wantField(t, err, "Idempotency-Key", orders.CodeKeyReused)
	// Keys belong to the caller: another user's same key is a new ticket.
	other, err := f.svc.Create(f.admin, in, "call-4711")
	must(t, err)
	if other.ID == first.ID {
		t.Fatal("another user's key answered the first user's ticket")
	}
	// Racing retries with one key open one ticket.
	var wg sync.WaitGroup
	ids := make([]int64, 10)
	errs := make([]error, 10)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tk, err := f.svc.Create(f.agent, in, "race-key")
			errs[i] = err
			if err == nil {
				ids[i] = tk.ID
			}
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("racing retry %d: %d %v, want %d", i, ids[i], errs[i], ids[0])
		}
	}
}

func TestVendorScopingAndEscalation(t *testing.T) {
	f := setup(t)
	d := f.deploy(t, f.tablet, f.a, "borger-9")
	in := f.phone(support.High, nil)
	in.DeviceID, in.Category = &d.ID, support.DeviceFault
	tk := f.create(t, in)
	_, err := f.svc.Get(f.vendor, tk.ID)
	wantKind(t, err, apperr.KindNotFound, "vendor reads a ticket not escalated to it")
	f.terms.mu.Lock()
	f.terms.sla[vendorID] = [2]int{4, 48}
	f.terms.mu.Unlock()
	_, err = f.svc.Escalate(f.agent, tk.ID, support.EscalateInput{VendorID: 99})
	wantField(t, err, "vendor_id", apperr.Unknown)
	_, err = f.svc.Escalate(f.vendor, tk.ID, support.EscalateInput{VendorID: vendorID})
	wantKind(t, err, apperr.KindForbidden, "vendor escalates")
	f.status(t, f.agent, tk.ID, support.Pending)
	at := f.now()
	e, err := f.svc.Escalate(f.agent, tk.ID, support.EscalateInput{VendorID: vendorID, VendorRef: "CASE-2231"})
	must(t, err)
	if e.Status != support.Escalated || *e.VendorID != vendorID || e.VendorRef != "CASE-2231" || e.OLADue == nil ||
		!e.OLADue.Equal(at.Add(48*time.Hour)) || e.SLA.Paused {
		t.Fatalf("escalated %+v (ola %v)", e, e.OLADue)
	}
	vt := f.get(t, f.vendor, tk.ID)
	if vt.CitizenRef != nil || vt.Contact.Name != "" || vt.DeviceID == nil {
		t.Fatalf("vendor sees citizen data: %+v", vt.Ticket)
	}
	if list, _, err := f.svc.List(f.vendor, support.Filter{}); err != nil || len(list) != 1 || list[0].ID != tk.ID || list[0].CitizenRef != nil {
		t.Fatalf("vendor's list %+v %v", list, err)
	}
	if list, _, err := f.svc.List(f.vendor2, support.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("other vendor's list %+v %v", list, err)
	}
	_, err = f.svc.Get(f.vendor2, tk.ID)
	wantKind(t, err, apperr.KindNotFound, "another vendor")
	_, err = f.svc.AddComment(f.vendor, tk.ID, support.CommentInput{Body: "intern", Internal: true})
	wantKind(t, err, apperr.KindForbidden, "vendor writes internal")
	_, err = f.svc.AddComment(f.vendor, tk.ID, support.CommentInput{Body: "Vi har modtaget sagen"})
	must(t, err)
	_, err = f.svc.SetStatus(f.vendor, tk.ID, support.StatusInput{Status: support.Open})
	wantKind(t, err, apperr.KindForbidden, "vendor reopens")
	_, err = f.svc.SetStatus(f.vendor2, tk.ID, support.StatusInput{Status: support.Resolved})
	wantKind(t, err, apperr.KindNotFound, "another vendor resolves")
	res := f.status(t, f.vendor, tk.ID, support.Resolved)
	if res.Status != support.Resolved || res.SLA.ResolvedAt == nil {
		t.Fatalf("vendor resolved: %+v", res)
	}
	_, err = f.svc.SetStatus(f.vendor, tk.ID, support.StatusInput{Status: support.Resolved})
	wantKind(t, err, apperr.KindConflict, "vendor resolves twice")
	if d := f.get(t, f.agent, tk.ID); d.SLA.FirstResponseAt != nil {
		t.Fatal("a vendor's comment is no first response of the centre")
	}

	// No active contract with SLA terms: no ola_due.
	tk2 := f.create(t, f.phone(support.Normal, nil))
	e2, err := f.svc.Escalate(f.agent, tk2.ID, support.EscalateInput{VendorID: vendor2ID})
	must(t, err)
	if e2.OLADue != nil || e2.Status != support.Escalated {
		t.Fatalf("escalated without terms: %+v", e2)
	}
	f.status(t, f.agent, tk2.ID, support.Resolved)
	_, err = f.svc.Escalate(f.agent, tk2.ID, support.EscalateInput{VendorID: vendor2ID})
	wantKind(t, err, apperr.KindConflict, "escalate a resolved ticket")
}
