package support_test

import (
	"fmt"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/support"
)

// The moves of POST /tickets/{id}/status as API.md lists them; every other pair is 409.
var statusMoves = map[[2]support.Status]bool{
	{support.New, support.Open}: true, {support.New, support.Pending}: true, {support.Open, support.Pending}: true,
	{support.Pending, support.Open}: true, {support.New, support.Resolved}: true, {support.Open, support.Resolved}: true,
	{support.Pending, support.Resolved}: true, {support.Escalated, support.Resolved}: true,
	{support.Resolved, support.Open}: true, {support.Resolved, support.Closed}: true,
}

func TestTransitionTableEveryPair(t *testing.T) {
	agent := auth.Principal{Role: auth.RoleSupport}
	vid := int64(1)
	vendor := auth.Principal{Role: auth.RoleVendor, VendorID: &vid}
	for _, from := range support.Statuses {
		for _, to := range support.Statuses {
			err := support.CheckMove(agent, from, to, support.ViaStatus)
			if want := statusMoves[[2]support.Status{from, to}]; want != (err == nil) {
				t.Errorf("support %s → %s: %v, want allowed %v", from, to, err, want)
			} else if !want && !apperr.Is(err, apperr.KindConflict) {
				t.Errorf("support %s → %s: %v, want a conflict", from, to, err)
			}
			err = support.CheckMove(vendor, from, to, support.ViaStatus)
			switch {
			case from == support.Escalated && to == support.Resolved:
				if err != nil {
					t.Errorf("vendor resolves: %v", err)
				}
			case to == support.Resolved:
				wantKind(t, err, apperr.KindConflict, fmt.Sprintf("vendor %s → resolved", from))
			default:
				wantKind(t, err, apperr.KindForbidden, fmt.Sprintf("vendor %s → %s", from, to))
			}
			err = support.CheckMove(agent, from, to, support.ViaEscalate)
			escalates := to == support.Escalated && (from == support.New || from == support.Open || from == support.Pending || from == support.Escalated)
			if escalates != (err == nil) {
				t.Errorf("escalate %s → %s: %v", from, to, err)
			}
			err = support.CheckMove(auth.Principal{Role: auth.RoleMember}, from, to, support.ViaReply)
			if replies := from == support.Pending && to == support.Open; replies != (err == nil) {
				t.Errorf("reply %s → %s: %v", from, to, err)
			}
			for _, r := range []auth.Role{auth.RoleMember, auth.RoleLogistics, auth.RoleFinance} {
				wantKind(t, support.CheckMove(auth.Principal{Role: r}, from, to, support.ViaStatus), apperr.KindForbidden, string(r))
			}
		}
	}
	wantKind(t, support.CheckMove(agent, support.New, "done", support.ViaStatus), apperr.KindInvalid, "unknown status")
}

// Every allowed move through the service: the status, a ticket event with who, when,
// from and to and the note, and an audit entry; a refused move changes nothing.
func TestSetStatusRecordsEventsAndAudit(t *testing.T) {
	f := setup(t)
	tk := f.create(t, f.phone(support.Normal, nil))
	path := []support.Status{support.Open, support.Pending, support.Open, support.Resolved, support.Open, support.Pending,
		support.Resolved, support.Closed}
	for i, to := range path {
		got, err := f.svc.SetStatus(f.agent, tk.ID, support.StatusInput{Status: to, Note: fmt.Sprintf("step %d", i)})
		must(t, err)
		if got.Status != to {
			t.Fatalf("step %d: %s", i, got.Status)
		}
	}
	d := f.get(t, f.agent, tk.ID)
	if len(d.Events) != len(path)+1 || d.Events[0].Action != "create" {
		t.Fatalf("events %+v", d.Events)
	}
	prev := support.New
	for i, e := range d.Events[1:] {
		if e.FromStatus != prev || e.ToStatus != path[i] || e.Actor != "agent@fsc.dk" || e.Role != "support" ||
			e.Note != fmt.Sprintf("step %d", i) || e.At.IsZero() {
			t.Errorf("event %d: %+v", i, e)
		}
		prev = path[i]
	}
	es, _, err := audit.List(f.agent, audit.Filter{Entity: "ticket", EntityID: tk.ID, Limit: 50})
	must(t, err)
	if len(es) != len(path)+1 || es[0].Action != "status:closed" || es[0].Actor != "agent@fsc.dk" {
		t.Fatalf("audit %+v", es)
	}
	// Closed is the end: every move out of it is refused and leaves no trace.
	for _, to := range support.Statuses {
		_, err := f.svc.SetStatus(f.agent, tk.ID, support.StatusInput{Status: to})
		wantKind(t, err, apperr.KindConflict, "closed → "+string(to))
	}
	if d2 := f.get(t, f.agent, tk.ID); d2.Status != support.Closed || len(d2.Events) != len(d.Events) {
		t.Fatalf("refused moves left %d events, status %s", len(d2.Events), d2.Status)
	}
	_, err = f.svc.AddComment(f.agent, tk.ID, support.CommentInput{Body: "efter lukning"})
	wantKind(t, err, apperr.KindConflict, "comment on a closed ticket")
	_, err = f.svc.SetStatus(f.log, tk.ID, support.StatusInput{Status: support.Open})
	wantKind(t, err, apperr.KindForbidden, "logistics")
	_, err = f.svc.SetStatus(f.agent, tk.ID+1000, support.StatusInput{Status: support.Open})
	wantKind(t, err, apperr.KindNotFound, "unknown ticket")
	long := make([]byte, support.MaxNote+1)
	for i := range long {
		long[i] = 'x'
	}
	_, err = f.svc.SetStatus(f.agent, tk.ID, support.StatusInput{Status: support.Open, Note: string(long)})
	wantField(t, err, "note", apperr.TooLong)
}
