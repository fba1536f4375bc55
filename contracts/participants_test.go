package contracts_test

import (
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
)

func TestContractParticipantsOverlapRefused(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "C-1", v, "2024-01-01", "2026-12-31")
	other := f.contract(t, "C-2", v, "2024-01-01", "2026-12-31")
	m := f.member(t, "751")
	first, err := f.svc.AddParticipant(f.ctx, c.ID, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d("2024-01-01"), LeftOn: d("2024-07-01")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		join, left string
		code       string // "" for accepted
	}{
		{"2024-06-30", "", "participation_overlap"},
		{"2023-01-01", "2024-01-02", "participation_overlap"},
		{"2024-02-01", "2024-03-01", "participation_overlap"}, // inside
		{"2023-01-01", "2024-01-01", ""},                      // ends the day the other begins
		{"2024-07-01", "", ""},
		{"2025-01-01", "2025-02-01", "participation_overlap_open"},
	} {
		var left civil.Date
		if tc.left != "" {
			left = d(tc.left)
		}
		_, err := f.svc.AddParticipant(f.ctx, c.ID, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d(tc.join), LeftOn: left})
		if got := codesOf(err)["joined_on"]; got != tc.code || (tc.code == "" && err != nil) {
			t.Errorf("join %s–%s: %v, want code %q", tc.join, tc.left, err, tc.code)
		}
	}
	// Another contract is another matter.
	if _, err := f.svc.AddParticipant(f.ctx, other.ID, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AddParticipant(f.ctx, c.ID, contracts.NewParticipation{MemberID: m.ID + 99, JoinedOn: d("2020-01-01"), LeftOn: d("2020-02-01")})
	if codesOf(err)["member_id"] != "unknown" {
		t.Fatalf("unknown member: %v", err)
	}
	_, err = f.svc.AddParticipant(f.ctx, c.ID, contracts.NewParticipation{JoinedOn: d("2020-02-01"), LeftOn: d("2020-02-01")})
	if got := codesOf(err); got["member_id"] != "required" || got["left_on"] != "not_after" {
		t.Fatalf("bad period: %v", got)
	}
	_, err = f.svc.AddParticipant(f.ctx, c.ID+99, contracts.NewParticipation{MemberID: m.ID, JoinedOn: d("2020-01-01")})
	wantKind(t, err, apperr.KindNotFound, "unknown contract")
	// Extending the first period into the next one overlaps; ending it earlier does not.
	_, err = f.svc.UpdateParticipant(f.ctx, c.ID, first.ID, contracts.ParticipationPatch{LeftOn: d("2024-07-02")})
	if codesOf(err)["joined_on"] != "participation_overlap_open" {
		t.Fatalf("stretching into the next period: %v", err)
	}
	got, err := f.svc.UpdateParticipant(f.ctx, c.ID, first.ID, contracts.ParticipationPatch{LeftOn: d("2024-06-01")})
	if err != nil || got.LeftOn != d("2024-06-01") {
		t.Fatalf("ending earlier: %+v, %v", got, err)
	}
	_, err = f.svc.UpdateParticipant(f.ctx, other.ID, first.ID, contracts.ParticipationPatch{})
	wantKind(t, err, apperr.KindNotFound, "participation of another contract")
	detail, err := f.svc.GetContract(f.ctx, c.ID)
	if err != nil || len(detail.Participants) != 3 || detail.Participants[0].MemberCode != "751" {
		t.Fatalf("participants = %+v, %v", detail.Participants, err)
	}
}
