package main

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/orders"
)

//go:embed demodata/members-midtjylland.csv
var demoFS embed.FS

// demoPassword is the password of every demo user; the demo is for trying the system
// on one machine, never for production data.
const demoPassword = "demo-password"

type demoLogin struct{ Role, Email string }

var demoUsers = []struct {
	Email, Name string
	Role        auth.Role
	MemberCode  string
}{
	{"admin@fsc.example", "Anne Admin", auth.RoleAdmin, ""},
	{"logistik@fsc.example", "Lars Logistik", auth.RoleLogistics, ""},
	{"support@fsc.example", "Sofie Support", auth.RoleSupport, ""},
	{"okonomi@fsc.example", "Otto Økonomi", auth.RoleFinance, ""},
	{"sygeplejerske@aarhus.example", "Sara Sygeplejerske (Aarhus)", auth.RoleMember, "751"},
	{"koordinator@herning.example", "Kim Koordinator (Herning)", auth.RoleMember, "657"},
}

func demoLogins() []demoLogin {
	out := make([]demoLogin, len(demoUsers))
	for i, u := range demoUsers {
		out[i] = demoLogin{Role: string(u.Role), Email: u.Email}
	}
	return out
}

// demoMarker is the citizen reference of the demo's last order: loading is one
// transaction, so a database with it holds the whole demo.
const demoMarker = "751-PLEJECENTER-SOLBAKKEN"

// loadDemoOnce loads the demo data into a database without members and returns the
// demo logins whenever the demo is there. Processes starting together take turns.
func loadDemoOnce(ctx context.Context, a *app) ([]demoLogin, error) {
	return withDemo(ctx, a, func(ctx context.Context, d *app) ([]demoLogin, error) {
		var members int64
		if err := db.Conn(ctx).Table("members").Count(&members).Error; err != nil {
			return nil, err
		}
		if members == 0 {
			return loadDemoTx(ctx, d)
		}
		if loaded, err := demoLoaded(ctx); err != nil || !loaded {
			return nil, err
		}
		return demoLogins(), nil
	})
}

// loadDemo adds the demo data unless it is there already (`fsc demo`); what else exists
// (a member code, an e-mail) is left as it is.
func loadDemo(ctx context.Context, a *app) ([]demoLogin, error) {
	return withDemo(ctx, a, func(ctx context.Context, d *app) ([]demoLogin, error) {
		if loaded, err := demoLoaded(ctx); err != nil {
			return nil, err
		} else if loaded {
			slog.Info("demo data already loaded")
			return demoLogins(), nil
		}
		return loadDemoTx(ctx, d)
	})
}

// withDemo runs fn in one transaction under the demo lock, so the demo is loaded whole
// or not at all, once however many processes start together, and a failed load can
// simply be run again. fn gets services that book the demo's shipments with the manual
// carrier: demo parcels are fiction, never sent to (or held up by) a real carrier.
func withDemo(ctx context.Context, a *app, fn func(context.Context, *app) ([]demoLogin, error)) ([]demoLogin, error) {
	s := wire.New(a.DB, a.Redis, wire.Options{Carrier: orders.ManualCarrier{}, ShutdownTimeout: a.cfg.ShutdownTimeout})
	defer s.Close()
	var out []demoLogin
	err := db.WithTx(s.Context(ctx, auth.System), func(ctx context.Context) error {
		if err := db.Lock(ctx, "demo"); err != nil {
			return err
		}
		var err error
		out, err = fn(ctx, &app{Services: s, cfg: a.cfg})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("demo data (nothing was loaded): %w", err)
	}
	return out, nil
}

func demoLoaded(ctx context.Context) (bool, error) {
	var n int64
	err := db.Conn(ctx).Table("orders").Where("citizen_ref = ?", demoMarker).Count(&n).Error
	return n > 0, err
}

// loadDemoTx adds the members of Region Midtjylland, three schemes with participation,
// stock, kits, orders and one user per role, in the transaction of ctx. What already
// exists (by code or e-mail) is left as it is: it is looked up, never inserted to fail,
// as a failed statement would end the transaction on PostgreSQL.
func loadDemoTx(ctx context.Context, a *app) ([]demoLogin, error) {
	byCode, err := demoMembers(ctx, a.Contracts)
	if err != nil {
		return nil, err
	}
	if err := demoSchemes(ctx, a.Contracts, byCode); err != nil {
		return nil, err
	}
	if err := demoInventory(ctx, a, byCode); err != nil {
		return nil, fmt.Errorf("demo inventory: %w", err)
	}
	kits, err := demoKits(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := demoOrders(ctx, a, kits, byCode); err != nil {
		return nil, fmt.Errorf("demo orders: %w", err)
	}
	if err := demoContracts(ctx, a, byCode); err != nil {
		return nil, fmt.Errorf("demo contracts: %w", err)
	}
	if err := demoSupport(ctx, a, byCode); err != nil {
		return nil, fmt.Errorf("demo support: %w", err)
	}
	if err := demoBilling(ctx, a, byCode); err != nil {
		return nil, fmt.Errorf("demo billing: %w", err)
	}
	for _, u := range demoUsers {
		if found, err := exists(ctx, "users", "email", u.Email); err != nil || found {
			if err != nil {
				return nil, err
			}
			continue
		}
		in := auth.NewUser{Email: u.Email, Name: u.Name, Password: demoPassword, Role: u.Role}
		if u.MemberCode != "" {
			id := byCode[u.MemberCode]
			in.MemberID = &id
		}
		if _, err := a.Auth.CreateUser(ctx, in); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Email, err)
		}
	}
	slog.Info("demo data loaded", "members", len(byCode), "users", len(demoUsers))
	return demoLogins(), nil
}

// exists reports whether table has a row whose column is value.
func exists(ctx context.Context, table, column, value string) (bool, error) {
	var n int64
	err := db.Conn(ctx).Table(table).Where(column+" = ?", value).Count(&n).Error
	return n > 0, err
}

// demoEAN makes a valid GLN for a member code: the Danish public-sector prefix, the code
// and the GS1 check digit.
func demoEAN(code string) string {
	n, _ := strconv.Atoi(code)
	body := fmt.Sprintf("5798000%05d", n)
	return body + string(validate.CheckDigit(body))
}

func demoMembers(ctx context.Context, cs *contracts.Service) (map[string]int64, error) {
	f, err := demoFS.Open("demodata/members-midtjylland.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil { // header: code,name,kind,inhabitants
		return nil, fmt.Errorf("demo members: %w", err)
	}
	type row struct {
		code, name, kind string
		inh              int64
	}
	var rows []row
	var total int64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("demo members: %w", err)
		}
		inh, _ := strconv.ParseInt(rec[3], 10, 64)
		total += inh
		rows = append(rows, row{rec[0], rec[1], rec[2], inh})
	}
	byCode := map[string]int64{}
	for _, x := range rows {
		if x.kind == contracts.KindRegion {
			x.inh = total // the region's population is that of its municipalities
		}
		// The file has no 65+ figure; a fifth is close to the Danish share and is
		// marked as an estimate in the README.
		var existing []contracts.Member
		if err := db.Conn(ctx).Where("code = ?", x.code).Limit(1).Find(&existing).Error; err != nil {
			return nil, err
		}
		if len(existing) > 0 {
			byCode[x.code] = existing[0].ID
			continue
		}
		m, err := cs.CreateMember(ctx, contracts.NewMember{Code: contracts.Code(x.code), Name: x.name, Kind: x.kind,
			EAN: demoEAN(x.code), Inhabitants: x.inh, Inhabitants65Plus: x.inh / 5})
		if err != nil {
			return nil, fmt.Errorf("demo member %s: %w", x.code, err)
		}
		byCode[x.code] = m.ID
	}
	return byCode, nil
}

func demoSchemes(ctx context.Context, cs *contracts.Service, byCode map[string]int64) error {
	all := []string{"1082", "710", "766", "657", "661", "615", "707", "727", "730", "741", "740", "746", "706", "751", "779", "671", "756", "791", "665", "760"}
	schemes := []struct {
		code, name string
		members    []string
		joined     string
		left       map[string]string
	}{
		{"copd", "KOL-telemonitorering", all, "2021-01-01", nil},
		{"medicine", "Medicinpåmindelser", []string{"751", "657", "710", "766", "730", "740", "746", "756", "791", "615", "727", "661"}, "2022-03-01", nil},
		{"stoma", "Stomiprodukter", []string{"751", "657", "791", "740", "615", "706", "707", "760"}, "2023-01-01", map[string]string{"760": "2025-01-01"}},
	}
	for _, sc := range schemes {
		if found, err := exists(ctx, "schemes", "code", sc.code); err != nil || found {
			if err != nil {
				return err
			}
			continue // an existing scheme keeps its participation as it is
		}
		s, err := cs.CreateScheme(ctx, contracts.NewScheme{Code: sc.code, Name: sc.name})
		if err != nil {
			return fmt.Errorf("demo scheme %s: %w", sc.code, err)
		}
		for i, code := range sc.members {
			id, ok := byCode[code]
			if !ok {
				continue
			}
			joined := civil.MustParse(sc.joined).AddDays(31 * (i % 4)) // members joined over a few months
			var left civil.Date
			if l, ok := sc.left[code]; ok {
				left = civil.MustParse(l)
			}
			if _, err := cs.Join(ctx, s.ID, contracts.NewParticipation{MemberID: id, JoinedOn: joined, LeftOn: left}); err != nil {
				return fmt.Errorf("demo participation %s/%s: %w", sc.code, code, err)
			}
		}
	}
	return nil
}
