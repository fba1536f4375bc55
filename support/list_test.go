package support_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/support"
)

// The queue: sorted by the nearest due time across pages, each filter applied, and the
// breached filter in SQL agreeing with breached as read.
func TestQueueOrderFiltersAndBreached(t *testing.T) {
	f := setup(t)
	base := utc("2026-06-02T07:00:00Z") // Tue 09:00 CEST
	f.set(base)
	d := f.deploy(t, f.tablet, f.a, "borger-3")
	var ids []int64
	prios := []support.Priority{support.Low, support.Critical, support.Normal, support.High}
	for i := 0; i < 12; i++ {
		r := base.Add(-time.Duration(i*7) * time.Minute)
		in := f.phone(prios[i%4], &r)
		if i%3 == 0 {
			in.MemberID, in.Contact = f.b.ID, nil
		}
		if i == 5 {
			in.DeviceID, in.Category = &d.ID, support.DeviceFault
		}
		ids = append(ids, f.create(t, in).ID)
	}
	f.status(t, f.agent, ids[1], support.Pending)
	f.status(t, f.agent, ids[2], support.Resolved)
	_, err := f.svc.Escalate(f.agent, ids[3], support.EscalateInput{VendorID: vendorID})
	must(t, err)
	f.set(base.Add(3 * time.Hour)) // critical ones are breached by now, some others at risk

	var all []support.Ticket
	var cur *support.Cursor
	for page := 0; ; page++ {
		ts, next, err := f.svc.List(f.agent, support.Filter{Limit: 5, After: cur})
		must(t, err)
		all = append(all, ts...)
		if next == nil {
			break
		}
		if cur, err = support.ParseCursor(next.String()); err != nil {
			t.Fatal(err)
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 12 {
		t.Fatalf("pages held %d tickets", len(all))
	}
	// The queue reads each ticket as Get does, but for the description.
	for _, lt := range all {
		d, err := f.svc.Get(f.agent, lt.ID)
		must(t, err)
		want := d.Ticket
		want.Description = ""
		if !reflect.DeepEqual(normTimes(lt), normTimes(want)) {
			t.Errorf("queue has ticket %d as\n%+v\nGet as\n%+v", lt.ID, lt, want)
		}
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if nearest(b).Before(nearest(a)) || (nearest(a).Equal(nearest(b)) && b.ID < a.ID) {
			t.Fatalf("out of order at %d: %s/%d then %s/%d", i, nearest(a), a.ID, nearest(b), b.ID)
		}
	}
	count := func(flt support.Filter, keep func(support.Ticket) bool) {
		t.Helper()
		ts, _, err := f.svc.List(f.agent, flt)
		must(t, err)
		want := 0
		for _, tk := range all {
			if keep(tk) {
				want++
			}
		}
		if len(ts) != want || (want == 0 && flt.Query != "100%_") { // each case must select something
			t.Fatalf("filter %+v: %d tickets, want %d", flt, len(ts), want)
		}
		for _, tk := range ts {
			if !keep(tk) {
				t.Fatalf("filter %+v let %d through", flt, tk.ID)
			}
		}
	}
	count(support.Filter{Status: support.Pending}, func(t support.Ticket) bool { return t.Status == support.Pending })
	count(support.Filter{Priority: support.Critical}, func(t support.Ticket) bool { return t.Priority == support.Critical })
	count(support.Filter{MemberID: f.b.ID}, func(t support.Ticket) bool { return t.MemberID == f.b.ID })
	count(support.Filter{DeviceID: d.ID}, func(t support.Ticket) bool { return t.DeviceID != nil && *t.DeviceID == d.ID })
	count(support.Filter{VendorID: vendorID}, func(t support.Ticket) bool { return t.VendorID != nil })
	count(support.Filter{Category: support.DeviceFault}, func(t support.Ticket) bool { return t.Category == support.DeviceFault })
	count(support.Filter{Active: true}, func(t support.Ticket) bool { return t.Status != support.Resolved && t.Status != support.Closed })
	count(support.Filter{Breached: true}, func(t support.Ticket) bool { return t.SLA.Breached })
	count(support.Filter{CitizenRef: "borger-3"}, func(t support.Ticket) bool { return t.CitizenRef != nil && *t.CitizenRef == "borger-3" })
	count(support.Filter{Query: d.Serial}, func(t support.Ticket) bool { return t.Serial != nil && *t.Serial == d.Serial })
	count(support.Filter{Query: "KAN IKKE"}, func(support.Ticket) bool { return true })
	count(support.Filter{Query: all[0].Number}, func(t support.Ticket) bool { return t.ID == all[0].ID })
	count(support.Filter{Query: "100%_"}, func(support.Ticket) bool { return false })
	breached := 0
	for _, tk := range all {
		if tk.SLA.Breached {
			breached++
		}
	}
	if breached == 0 || breached == len(all) {
		t.Fatalf("%d of %d breached: the case does not test the filter", breached, len(all))
	}

	_, _, err = f.svc.List(f.agent, support.Filter{Status: "waiting"})
	wantField(t, err, "status", apperr.OneOf)
	_, err = support.ParseCursor("bm90LWEtY3Vyc29y")
	wantField(t, err, "cursor", apperr.BadFormat)
}

// nearest is the due time the queue sorts by, as a client sees it.
func nearest(t support.Ticket) time.Time {
	if t.SLA.FirstResponseAt == nil && t.SLA.ResolvedAt == nil && t.SLA.FirstResponseDue.Before(t.SLA.ResolutionDue) {
		return t.SLA.FirstResponseDue
	}
	return t.SLA.ResolutionDue
}

func TestAttachments(t *testing.T) {
	f := setup(t)
	tk := f.create(t, f.phone(support.Normal, nil))
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	a, err := f.svc.AddAttachment(f.memberA, tk.ID, support.AttachmentInput{Filename: `C:\Users\pleje\Billeder\skærm.png`, Data: png})
	must(t, err)
	if a.ContentType != "image/png" || a.Filename != "skærm.png" || a.Size != int64(len(png)) || len(a.SHA256) != 64 {
		t.Fatalf("attachment %+v", a)
	}
	got, err := f.svc.GetAttachment(f.memberA, tk.ID, a.ID)
	must(t, err)
	if !bytes.Equal(got.Data, png) {
		t.Fatal("content changed")
	}
	_, err = f.svc.GetAttachment(f.memberB, tk.ID, a.ID)
	wantKind(t, err, apperr.KindNotFound, "another member's attachment")
	_, err = f.svc.GetAttachment(f.agent, tk.ID+1, a.ID)
	wantKind(t, err, apperr.KindNotFound, "attachment of another ticket")
	_, err = f.svc.AddAttachment(f.agent, tk.ID, support.AttachmentInput{Filename: "big.bin", Data: make([]byte, support.MaxAttachmentSize+1)})
	wantField(t, err, "data", apperr.TooLarge)
	_, err = f.svc.AddAttachment(f.agent, tk.ID, support.AttachmentInput{Filename: "..", Data: []byte("x")})
	wantField(t, err, "filename", apperr.Required)
	_, err = f.svc.AddAttachment(f.agent, tk.ID, support.AttachmentInput{Filename: "tom.txt"})
	wantField(t, err, "data", apperr.Required)
	txt, err := f.svc.AddAttachment(f.agent, tk.ID, support.AttachmentInput{Filename: "x.exe", Data: []byte("hej med dig\n")})
	must(t, err)
	if txt.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("sniffed %q, not the name's", txt.ContentType)
	}
}

// normTimes puts t's instants in UTC, so that two reads of the same row compare equal
// whatever location the driver gave them.
func normTimes(t support.Ticket) support.Ticket {
	v := reflect.ValueOf(&t).Elem()
	for i := 0; i < v.NumField(); i++ {
		switch f := v.Field(i); x := f.Interface().(type) {
		case time.Time:
			f.Set(reflect.ValueOf(x.UTC()))
		case *time.Time:
			if x != nil {
				u := x.UTC()
				f.Set(reflect.ValueOf(&u))
			}
		}
	}
	t.SLA = support.SLA{}
	return t
}
