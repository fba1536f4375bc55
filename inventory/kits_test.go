package inventory_test

import (
	"context"
	"slices"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

// scheme creates a scheme and lets the members take part in it from joined (left
// open-ended), as the system.
func (f *fixture) scheme(t *testing.T, code string, joined civil.Date, left civil.Date, members ...int64) *contracts.Scheme {
	t.Helper()
	cs := contracts.NewService()
	sys := testenv.As(f.ctx, auth.System)
	sc, err := cs.CreateScheme(sys, contracts.NewScheme{Code: code, Name: "Scheme " + code})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if _, err := cs.Join(sys, sc.ID, contracts.NewParticipation{MemberID: m, JoinedOn: joined, LeftOn: left}); err != nil {
			t.Fatal(err)
		}
	}
	return sc
}

// memberCtx acts as a user of f.members[i].
func (f *fixture) memberCtx(i int) context.Context {
	id := f.members[i].ID
	return testenv.As(f.ctx, auth.Principal{UserID: 50 + int64(i), Name: "nurse", Role: auth.RoleMember, MemberID: &id})
}

func TestKitsCreateListAndMemberVisibility(t *testing.T) {
	f := setup(t)
	today := civil.Today()
	own := f.members[0].ID
	joined := f.scheme(t, "copd", today.AddDays(-10), civil.Date{}, own)
	future := f.scheme(t, "stoma", today.AddDays(3), civil.Date{}, own)
	left := f.scheme(t, "diab", today.AddDays(-30), today, own) // left today: not part of it any more
	other := f.scheme(t, "heart", today.AddDays(-30), civil.Date{}, f.members[1].ID)

	mk := func(code string, sc *contracts.Scheme) *inventory.Kit {
		t.Helper()
		k, err := f.svc.CreateKit(f.ctx, inventory.NewKit{Code: code, Name: "Kit " + code, SchemeID: sc.ID,
			Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: 1}, {ProductID: f.strips.ID, Quantity: 50}}})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	copd := mk("COPD-KIT", joined)
	mk("STOMA-KIT", future)
	mk("DIAB-KIT", left)
	heart := mk("HEART-KIT", other)
	if len(copd.Components) != 2 || copd.Components[0].SKU != "STRIP" || copd.Components[0].Quantity != 50 || copd.Components[1].Name != "Tablet" {
		t.Fatalf("created kit components = %+v", copd.Components)
	}

	all, err := f.svc.ListKits(f.ctx)
	if err != nil || len(all) != 4 {
		t.Fatalf("staff list = %d kits, %v", len(all), err)
	}
	for _, k := range all {
		if len(k.Components) != 2 || k.Components[1].SKU != "TAB-1" {
			t.Fatalf("kit %s components = %+v", k.Code, k.Components)
		}
	}

	m := f.memberCtx(0)
	ks, err := f.svc.ListKits(m)
	if err != nil || len(ks) != 1 || ks[0].ID != copd.ID || len(ks[0].Components) != 2 {
		t.Fatalf("member list = %+v, %v", ks, err)
	}
	if _, err := f.svc.GetKit(m, copd.ID); err != nil {
		t.Fatalf("member gets own kit: %v", err)
	}
	if _, err := f.svc.GetKit(m, heart.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("member gets another scheme's kit: %v, want not found", err)
	}
	if _, err := f.svc.GetKit(m, 999999); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown kit: %v", err)
	}
	ks, _ = f.svc.ListKits(f.memberCtx(1))
	if len(ks) != 1 || ks[0].ID != heart.ID {
		t.Fatalf("other member list = %+v", ks)
	}
	if _, err := f.svc.CreateKit(m, inventory.NewKit{Code: "X", Name: "X", SchemeID: joined.ID,
		Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: 1}}}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member creates kit: %v", err)
	}
}

func TestKitValidationNamesFields(t *testing.T) {
	f := setup(t)
	sc := f.scheme(t, "copd", civil.Today(), civil.Date{})
	_, err := f.svc.CreateKit(f.ctx, inventory.NewKit{Code: "bad code!", Name: "", SchemeID: 4242,
		Components: []inventory.NewKitComponent{
			{ProductID: f.tablet.ID, Quantity: 1},
			{ProductID: 9999, Quantity: 1},
			{ProductID: f.strips.ID, Quantity: 0},
			{ProductID: f.tablet.ID, Quantity: 2},
		}})
	got := fields(err)
	for _, w := range []string{"code", "name", "scheme_id", "components[1].product_id", "components[2].quantity", "components[3].product_id"} {
		if !slices.Contains(got, w) {
			t.Errorf("no error for %s; got %v", w, got)
		}
	}
	if slices.Contains(got, "components[0].product_id") {
		t.Errorf("the first of a repeated product is named too: %v", got)
	}
	_, err = f.svc.CreateKit(f.ctx, inventory.NewKit{Code: "K", Name: "K", SchemeID: sc.ID})
	if got := fields(err); !slices.Equal(got, []string{"components"}) {
		t.Fatalf("no components: %v", got)
	}
	ok := inventory.NewKit{Code: "K", Name: "K", SchemeID: sc.ID, Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: 1}}}
	if _, err := f.svc.CreateKit(f.ctx, ok); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateKit(f.ctx, ok); !slices.Equal(fields(err), []string{"code"}) {
		t.Fatalf("code in use: %v", err)
	}
}

func TestUpdateKitReplacesComponents(t *testing.T) {
	f := setup(t)
	sc := f.scheme(t, "copd", civil.Today(), civil.Date{})
	other := f.scheme(t, "stoma", civil.Today(), civil.Date{})
	k, err := f.svc.CreateKit(f.ctx, inventory.NewKit{Code: "COPD", Name: "COPD kit", SchemeID: sc.ID,
		Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.UpdateKit(f.ctx, k.ID, inventory.NewKit{Name: "COPD kit v2",
		Components: []inventory.NewKitComponent{{ProductID: f.strips.ID, Quantity: 30}, {ProductID: f.tablet.ID, Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Code != "COPD" || u.Name != "COPD kit v2" || u.SchemeID != sc.ID || len(u.Components) != 2 || u.Components[1].Quantity != 2 {
		t.Fatalf("updated = %+v", u)
	}
	g, _ := f.svc.GetKit(f.ctx, k.ID)
	if len(g.Components) != 2 || g.Components[0].SKU != "STRIP" || g.Components[0].Quantity != 30 {
		t.Fatalf("reloaded = %+v", g)
	}
	_, err = f.svc.UpdateKit(f.ctx, k.ID, inventory.NewKit{Code: "OTHER", SchemeID: other.ID, Name: "",
		Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: -1}}})
	got := fields(err)
	for _, w := range []string{"code", "scheme_id", "name", "components[0].quantity"} {
		if !slices.Contains(got, w) {
			t.Errorf("no error for %s; got %v", w, got)
		}
	}
	if _, err := f.svc.UpdateKit(f.ctx, 99999, inventory.NewKit{Name: "x", Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: 1}}}); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown kit: %v", err)
	}
	es, _, err := audit.List(f.ctx, audit.Filter{Entity: "kit", EntityID: k.ID, Limit: 10})
	if err != nil || len(es) != 2 || es[0].Action != "update" {
		t.Fatalf("audit = %+v, %v", es, err)
	}
}
