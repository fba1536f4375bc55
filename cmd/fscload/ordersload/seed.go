package ordersload

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
)

const password = "load-password-2026"

type world struct {
	member       *contracts.Member
	kit          *inventory.Kit
	memberUser   auth.Principal
	memberToken  string
	logisticsTok string
	delivery     orders.Address
	kitDesc      string
}

func seed(ctx context.Context, a *rig, stock int, noConsumable bool) (*world, error) {
	sys := a.Context(ctx, auth.System)
	w := &world{delivery: orders.Address{Name: "Borger Borgersen", Street: "Vestergade 1", Postcode: "8000", City: "Aarhus C", Phone: "+4512345678"}}
	var err error
	if w.member, err = a.Contracts.CreateMember(sys, contracts.NewMember{Code: "751", Name: "Aarhus Kommune", Kind: "municipality",
		EAN: "5798000416604", Inhabitants: 360000, Inhabitants65Plus: 60000}); err != nil {
		return nil, err
	}
	sc, err := a.Contracts.CreateScheme(sys, contracts.NewScheme{Code: "copd", Name: "COPD telemonitoring"})
	if err != nil {
		return nil, err
	}
	if _, err := a.Contracts.Join(sys, sc.ID, contracts.NewParticipation{MemberID: w.member.ID, JoinedOn: civil.MustParse("2020-01-01")}); err != nil {
		return nil, err
	}
	loc, err := a.Inventory.CreateLocation(sys, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	if err != nil {
		return nil, err
	}
	var ps []*inventory.Product
	for _, p := range []inventory.NewProduct{
		{SKU: "TAB-A", Name: "Tablet", Category: "tablet", Tracking: inventory.TrackSerial, SubstitutionGroup: "tablet"},
		{SKU: "OXI", Name: "Oximeter", Category: "oximeter", Tracking: inventory.TrackSerial},
		{SKU: "STRIP", Name: "Strips", Category: "consumable", Tracking: inventory.TrackQuantity},
	} {
		np, err := a.Inventory.CreateProduct(sys, p)
		if err != nil {
			return nil, err
		}
		ps = append(ps, np)
	}
	components := []inventory.NewKitComponent{{ProductID: ps[0].ID, Quantity: 1}, {ProductID: ps[1].ID, Quantity: 1}, {ProductID: ps[2].ID, Quantity: 2}}
	w.kitDesc = "tablet + oximeter + 2 strips"
	if noConsumable {
		components, w.kitDesc = components[:2], "tablet + oximeter"
	}
	if w.kit, err = a.Inventory.CreateKit(sys, inventory.NewKit{Code: "copd-kit", Name: "COPD kit", SchemeID: sc.ID, Components: components}); err != nil {
		return nil, err
	}
	start := time.Now()
	const chunk = 10_000
	for _, p := range ps[:2] {
		for from := 0; from < stock; from += chunk {
			line := inventory.NewReceiptLine{ProductID: p.ID}
			for i := from; i < min(from+chunk, stock); i++ {
				line.Serials = append(line.Serials, fmt.Sprintf("%s-%07d", p.SKU, i))
			}
			if _, err := a.Inventory.CreateReceipt(sys, inventory.NewReceipt{LocationID: loc.ID, Lines: []inventory.NewReceiptLine{line}}); err != nil {
				return nil, err
			}
		}
	}
	q := int64(2 * stock)
	if _, err := a.Inventory.CreateReceipt(sys, inventory.NewReceipt{LocationID: loc.ID,
		Lines: []inventory.NewReceiptLine{{ProductID: ps[2].ID, Quantity: &q}}}); err != nil {
		return nil, err
	}
	fmt.Printf("seeded: member 751, kit %d (%s), stock for %d kits in %s\n", w.kit.ID, w.kitDesc, stock, time.Since(start).Round(time.Millisecond))

	mu, err := a.Auth.CreateUser(sys, auth.NewUser{Email: "load-member@fsc.example", Name: "Load member", Password: password,
		Role: auth.RoleMember, MemberID: &w.member.ID})
	if err != nil {
		return nil, err
	}
	w.memberUser = auth.Principal{UserID: mu.ID, Name: mu.Email, Role: auth.RoleMember, MemberID: &w.member.ID}
	if _, err := a.Auth.CreateUser(sys, auth.NewUser{Email: "load-logistics@fsc.example", Name: "Load logistics", Password: password,
		Role: auth.RoleLogistics}); err != nil {
		return nil, err
	}
	if w.memberToken, err = a.Login("load-member@fsc.example", password); err != nil {
		return nil, err
	}
	if w.logisticsTok, err = a.Login("load-logistics@fsc.example", password); err != nil {
		return nil, err
	}
	return w, nil
}
