package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
)

// The demo's vendor user: a contact at the device supplier, who sees its vendor and its
// contracts. It is in demoUsers so that it is counted and printed with the others;
// demoContracts creates it (with its vendor) before the loop over demoUsers, which then
// finds it there.
const (
	demoVendorEmail = "leverandor@nordisk-telemedicin.example"
	demoVendorCVR   = "31415926" // Nordisk Telemedicin A/S in contracts' demo
)

func init() {
	demoUsers = append(demoUsers, struct {
		Email, Name string
		Role        auth.Role
		MemberCode  string
	}{demoVendorEmail, "Mette Lund (Nordisk Telemedicin)", auth.RoleVendor, ""})
}

// figuresFrom is the day the member file's inhabitants are from (Statistics Denmark,
// FOLK1, 1 January 2013; see ../shared/data/README.md).
var figuresFrom = civil.MustParse("2013-01-01")

// demoContracts adds the contracts demo (vendors, a contract per scheme plus transport,
// call centre and cleaning, price lists, participants, one notice deadline 45 days
// ahead) with its notices, the members' figures of the member file, valid from the day they were counted
// (the file has no 65+ figure, so none is recorded for that day: the member page says it
// is not known), and the vendor user.
func demoContracts(ctx context.Context, a *app, byCode map[string]int64) error {
	today := civil.Today()
	in := contracts.DemoInput{Today: today, Members: byCode, Schemes: map[string]int64{}, Products: map[string]int64{}}
	schemes, err := a.Contracts.ListSchemes(ctx)
	if err != nil {
		return err
	}
	for _, s := range schemes {
		in.Schemes[s.Code] = s.ID
	}
	products, err := a.Inventory.ListProducts(ctx)
	if err != nil {
		return err
	}
	for _, p := range products {
		in.Products[p.SKU] = p.ID
	}
	d, err := a.Contracts.LoadDemo(ctx, in)
	if err != nil {
		return err
	}
	if err := demoFigures(ctx, a.Contracts, byCode); err != nil {
		return err
	}
	// The daily check would raise the near deadline's notice overnight; the demo shows it
	// at once (the check is idempotent, so the job adds nothing later).
	if _, err := a.Contracts.CheckNotices(ctx); err != nil {
		return err
	}
	if found, err := exists(ctx, "users", "email", demoVendorEmail); err != nil || found {
		return err
	}
	v, ok := d.Vendors[demoVendorCVR]
	if !ok {
		return fmt.Errorf("demo vendor %s missing", demoVendorCVR)
	}
	_, err = a.Auth.CreateUser(ctx, auth.NewUser{Email: demoVendorEmail, Name: "Mette Lund (Nordisk Telemedicin)",
		Password: demoPassword, Role: auth.RoleVendor, VendorID: &v.ID})
	if err != nil {
		return fmt.Errorf("demo user %s: %w", demoVendorEmail, err)
	}
	return nil
}

// demoFigures records every member's inhabitants from the member file as figures valid
// from figuresFrom, without a 65+ figure; a member that has figures from that day keeps
// them.
func demoFigures(ctx context.Context, cs *contracts.Service, byCode map[string]int64) error {
	f, err := demoFS.Open("demodata/members-midtjylland.csv")
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil { // header: code,name,kind,inhabitants
		return fmt.Errorf("demo figures: %w", err)
	}
	inh := map[string]int64{}
	var total int64
	region := ""
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("demo figures: %w", err)
		}
		if rec[2] == contracts.KindRegion {
			region = rec[0] // its population is that of its municipalities
			continue
		}
		n, err := strconv.ParseInt(rec[3], 10, 64)
		if err != nil {
			return fmt.Errorf("demo figures: %s: inhabitants %q", rec[0], rec[3])
		}
		inh[rec[0]], total = n, total+n
	}
	if region != "" {
		inh[region] = total
	}
	for code, n := range inh {
		id, ok := byCode[code]
		if !ok {
			continue
		}
		have, err := cs.MemberFigures(ctx, id)
		if err != nil {
			return err
		}
		if hasFiguresFrom(have, figuresFrom) {
			continue
		}
		if _, err := cs.AddFigures(ctx, id, contracts.NewFigures{ValidFrom: figuresFrom, Inhabitants: &n}); err != nil {
			return fmt.Errorf("demo figures of %s: %w", code, err)
		}
	}
	return nil
}

func hasFiguresFrom(fs []contracts.Figures, d civil.Date) bool {
	for _, f := range fs {
		if f.ValidFrom.String() == d.String() {
			return true
		}
	}
	return false
}
