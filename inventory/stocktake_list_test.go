package inventory_test

import (
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

// The list has the open stocktakes first, then the confirmed ones, newest first, for
// staff only.
func TestListStocktakes(t *testing.T) {
	f := setup(t)
	other, err := f.svc.CreateLocation(f.ctx, inventory.NewLocation{Code: "HOR", Name: "Lager Horsens"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConfirmStocktake(f.ctx, first.ID, "done"); err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	third, err := f.svc.StartStocktake(f.ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	support := testenv.As(f.ctx, auth.Principal{UserID: 1, Name: "s", Role: auth.RoleSupport})
	sts, err := f.svc.ListStocktakes(support)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, st := range sts {
		got = append(got, st.ID)
	}
	if want := []int64{third.ID, second.ID, first.ID}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("stocktakes %v, want %v (open newest first, then confirmed)", got, want)
	}
	if sts[2].Status != inventory.StocktakeConfirmed || sts[0].Status != inventory.StocktakeOpen {
		t.Errorf("statuses %s, %s", sts[0].Status, sts[2].Status)
	}
	member := testenv.As(f.ctx, auth.Principal{UserID: 2, Name: "m", Role: auth.RoleMember, MemberID: &f.members[0].ID})
	if _, err := f.svc.ListStocktakes(member); !apperr.Is(err, apperr.KindForbidden) {
		t.Errorf("a member lists stocktakes: %v, want forbidden", err)
	}
}
