package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/support"
)

// demoVendorUser is the demo's vendor login (the vendor's second line).
const demoVendorUser = "service@telemedicin-service.example"

// demoSupport fills the call centre: a few dozen tickets from every channel, in every
// status and priority, some escalated to a vendor, some waiting on the citizen, one
// near its due time and one past it, alarms (some repeated on an open ticket), e-mail
// in through a route, and a vendor user. Times are relative to now, so the queue looks
// alive whenever the demo is loaded.
func demoSupport(ctx context.Context, a *app, byCode map[string]int64) error {
	now := time.Now().UTC()
	agent := auth.WithPrincipal(ctx, auth.Principal{Name: "Sofie Support", Role: auth.RoleSupport})
	platform := auth.WithPrincipal(ctx, auth.Principal{Name: "token:Enhedsplatform", Role: auth.RoleSupport, TokenID: 1})
	sv := a.Support
	vendorID, err := demoSupportVendor(ctx, a)
	if err != nil {
		return err
	}
	ds, _, err := a.Inventory.ListDevices(ctx, inventory.DeviceFilter{State: inventory.Deployed, Limit: 100})
	if err != nil {
		return err
	}
	deployed := map[int64][]inventory.Device{}
	for _, d := range ds {
		if d.MemberID != nil {
			deployed[*d.MemberID] = append(deployed[*d.MemberID], d)
		}
	}
	aarhus, herning := byCode["751"], byCode["657"]
	device := func(member int64, i int) *int64 {
		if l := deployed[member]; len(l) > 0 {
			return &l[i%len(l)].ID
		}
		return nil
	}
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	contact := &support.Contact{Name: "Sygeplejerske Sara Holm", Phone: "+45 87 13 20 00"}
	type step func(t *support.Ticket) error
	comment := func(body string, internal bool) step {
		return func(t *support.Ticket) error {
			_, err := sv.AddComment(agent, t.ID, support.CommentInput{Body: body, Internal: internal})
			return err
		}
	}
	move := func(s support.Status, note string) step {
		return func(t *support.Ticket) error {
			_, err := sv.SetStatus(agent, t.ID, support.StatusInput{Status: s, Note: note})
			return err
		}
	}
	escalate := func(ref string) step {
		return func(t *support.Ticket) error {
			_, err := sv.Escalate(agent, t.ID, support.EscalateInput{VendorID: vendorID, VendorRef: ref})
			return err
		}
	}
	tickets := []struct {
		in    support.NewTicket
		steps []step
	}{
		// One past its due time, unanswered: breached.
		{support.NewTicket{MemberID: aarhus, Channel: support.Phone, Category: support.DeviceFault, Priority: support.High,
			Subject: "Tablet tænder ikke efter opladning", DeviceID: device(aarhus, 0), Contact: contact, ReceivedAt: at(7 * 24 * time.Hour)}, nil},
		// One close to its due time (critical counts around the clock: 30 minutes to answer).
		{support.NewTicket{MemberID: herning, Channel: support.Phone, Category: support.DeviceFault, Priority: support.Critical,
			Subject: "Iltmætning kan ikke sendes – borger på hjemmeilt", DeviceID: device(herning, 0), Contact: contact, ReceivedAt: at(26 * time.Minute)}, nil},
		{support.NewTicket{MemberID: aarhus, Channel: support.Portal, Category: support.Usage, Priority: support.Normal,
			Subject: "Borgeren kan ikke finde måleprogrammet", Description: "Ikonet er væk fra startskærmen."}, nil},
		{support.NewTicket{MemberID: aarhus, Channel: support.Email, Category: support.Delivery, Priority: support.Normal,
			Subject: "Pakke ikke modtaget", Description: "Ordren skulle være leveret i går.", ReceivedAt: at(3 * time.Hour)},
			[]step{move(support.Open, ""), comment("Vi har spurgt fragtfirmaet.", false)}},
		{support.NewTicket{MemberID: herning, Channel: support.Phone, Category: support.Pickup, Priority: support.Low,
			Subject: "Afhentning af udstyr efter endt forløb", Contact: contact, ReceivedAt: at(26 * time.Hour)},
			[]step{move(support.Pending, "venter på at borgeren er hjemme"), comment("Borgeren ringer tilbage med en dato.", false)}},
		{support.NewTicket{MemberID: aarhus, Channel: support.Phone, Category: support.DeviceFault, Priority: support.High,
			Subject: "Blodtryksmåler viser fejl E2", DeviceID: device(aarhus, 1), Contact: contact, ReceivedAt: at(50 * time.Hour)},
			[]step{comment("Fejlen ser ud til at være i manchetten.", false), comment("Leverandøren kender fejlen.", true), escalate("NT-2026-4471")}},
		{support.NewTicket{MemberID: herning, Channel: support.Portal, Category: support.DeviceFault, Priority: support.Normal,
			Subject: "Vægten viser 0 kg", DeviceID: device(herning, 1), ReceivedAt: at(30 * time.Hour)},
			[]step{move(support.Open, ""), escalate("NT-2026-4480")}},
		{support.NewTicket{MemberID: aarhus, Channel: support.Phone, Category: support.Usage, Priority: support.Low,
			Subject: "Spørgsmål om opladning om natten", Contact: contact, ReceivedAt: at(75 * time.Hour)},
			[]step{comment("Det er fint at lade den op om natten.", false), move(support.Resolved, "besvaret")}},
		{support.NewTicket{MemberID: herning, Channel: support.Email, Category: support.Other, Priority: support.Low,
			Subject: "Ønske om flere brugervejledninger", ReceivedAt: at(10 * 24 * time.Hour)},
			[]step{comment("Vi sender ti eksemplarer.", false), move(support.Resolved, ""), move(support.Closed, "")}},
		{support.NewTicket{MemberID: aarhus, Channel: support.Phone, Category: support.Delivery, Priority: support.Normal,
			Subject: "Forkert adresse på levering", Contact: contact, ReceivedAt: at(5 * time.Hour)},
			[]step{move(support.Pending, "venter på ny adresse")}},
	}
	for i := 0; i < 14; i++ {
		m := []int64{aarhus, herning}[i%2]
		tickets = append(tickets, struct {
			in    support.NewTicket
			steps []step
		}{support.NewTicket{MemberID: m, Channel: []support.Channel{support.Phone, support.Email, support.Portal}[i%3],
			Category:   []support.Category{support.Usage, support.DeviceFault, support.Delivery, support.Other}[i%4],
			Priority:   []support.Priority{support.Normal, support.Low, support.High, support.Normal}[i%4],
			Subject:    fmt.Sprintf("Henvendelse %d: %s", i+1, []string{"login virker ikke", "skærmen fryser", "manglende målinger", "spørgsmål om data"}[i%4]),
			ReceivedAt: at(time.Duration(2+i*5) * time.Hour)}, []step{
			[]step{nil, move(support.Open, ""), comment("Vi kigger på det.", false), move(support.Resolved, "")}[i%4],
		}})
	}
	n := 0
	for _, x := range tickets {
		t, err := sv.Create(agent, x.in, "")
		if err != nil {
			return fmt.Errorf("demo ticket %q: %w", x.in.Subject, err)
		}
		n++
		for _, s := range x.steps {
			if s == nil {
				continue
			}
			if err := s(t); err != nil {
				return fmt.Errorf("demo ticket %s: %w", t.Number, err)
			}
		}
	}
	// Alarms from the device platform: the repeated one joins its open ticket.
	alarms := 0
	for i, m := range []int64{aarhus, herning, aarhus} {
		l := deployed[m]
		if len(l) == 0 {
			continue
		}
		d := l[(i+2)%len(l)]
		kinds := []string{"no_measurements", "battery_low", "no_measurements"}
		sev := []support.Severity{support.SeverityWarning, support.SeverityInfo, support.SeverityCritical}
		for rep := 0; rep < 1+i; rep++ {
			occurred := now.Add(-time.Duration(90-rep*20) * time.Minute)
			if _, err := sv.RaiseAlarm(platform, support.AlarmInput{Serial: d.Serial, Kind: kinds[i], Severity: sev[i],
				OccurredAt: &occurred, Message: "Ingen målinger modtaget de seneste 24 timer"}); err != nil {
				return fmt.Errorf("demo alarm %s: %w", d.Serial, err)
			}
			alarms++
		}
	}
	// E-mail in: mail from Aarhus's domain goes to Aarhus.
	if _, err := sv.AddEmailRoute(ctx, support.NewEmailRoute{MemberID: aarhus, Pattern: "aarhus.example"}); err != nil {
		return fmt.Errorf("demo e-mail route: %w", err)
	}
	raw := "From: Sara Sygeplejerske <sygeplejerske@aarhus.example>\r\nTo: support@fsc.example\r\n" +
		"Subject: =?UTF-8?Q?Borger_f=C3=A5r_fejlbesked_ved_login?=\r\nMessage-ID: <demo-1@aarhus.example>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Borgeren p=C3=A5 Skovvej 33 f=C3=A5r \"ukendt bruger\" ved login.\r\n\r\nVenlig hilsen\r\nSara\r\n"
	if _, err := sv.IngestEmail(agent, []byte(raw), now.Add(-40*time.Minute)); err != nil {
		return fmt.Errorf("demo e-mail: %w", err)
	}
	slog.Info("demo support loaded", "tickets", n+1, "alarms", alarms, "vendor_user", demoVendorUser)
	return nil
}

// demoSupportVendor returns the vendor tickets are escalated to: the first one there
// is (the contracts demo's), or one of its own with a contract whose SLA gives the OLA;
// and its vendor user.
func demoSupportVendor(ctx context.Context, a *app) (int64, error) {
	vs, _, err := a.Contracts.ListVendors(ctx, contracts.VendorFilter{Limit: 1})
	if err != nil {
		return 0, err
	}
	var id int64
	if len(vs) > 0 {
		id = vs[0].ID
	} else {
		v, err := a.Contracts.CreateVendor(ctx, contracts.NewVendor{Name: "Telemedicin Service A/S", CVR: "12345682",
			Email: "service@telemedicin-service.example", Phone: "+45 70 20 30 40", Contact: "Jonas Berg"})
		if err != nil {
			return 0, fmt.Errorf("demo vendor: %w", err)
		}
		today, notice := civil.Today(), 6
		if _, err := a.Contracts.CreateContract(ctx, contracts.NewContract{Number: "SUP-2025-01", Title: "Service og reparation af måleudstyr",
			VendorID: v.ID, StartsOn: today.AddDays(-365), EndsOn: today.AddDays(3 * 365), NoticeMonths: &notice,
			SLA: &contracts.SLA{ResponseHours: 8, ResolutionHours: 48}}); err != nil {
			return 0, fmt.Errorf("demo vendor contract: %w", err)
		}
		id = v.ID
	}
	if found, err := exists(ctx, "users", "email", demoVendorUser); err != nil || found {
		return id, err
	}
	_, err = a.Auth.CreateUser(ctx, auth.NewUser{Email: demoVendorUser, Name: "Jonas Berg (leverandør)", Password: demoPassword,
		Role: auth.RoleVendor, VendorID: &id})
	if err != nil {
		return 0, fmt.Errorf("demo vendor user: %w", err)
	}
	return id, nil
}
