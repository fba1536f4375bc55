package alarmsload

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/fsc/backoffice/cmd/fscload/load"
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/hibiken/asynq"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// A short run of the whole command on either stack against the real application on
// loopback: it fails unless the de-duplication check holds and the queue answers.
func TestShortRun(t *testing.T) {
	g := testenv.DB(t)
	redisURL := os.Getenv("FSC_TEST_REDIS_URL")
	app, err := load.StartApp(context.Background(), g, redisURL, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx := app.Context(context.Background(), auth.System)
	if _, err := app.Auth.CreateUser(ctx, auth.NewUser{Email: "admin@load.example", Name: "admin", Password: "load-password-1", Role: auth.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	m, err := app.Contracts.CreateMember(ctx, contracts.NewMember{Code: "751", Name: "Aarhus", Kind: "municipality", EAN: "5798000416604"})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := app.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "L", Name: "Lager"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := app.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "TAB", Name: "Tablet", Category: "tablet", Tracking: "serial"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := app.Inventory.CreateReceipt(ctx, inventory.NewReceipt{LocationID: loc.ID,
			Lines: []inventory.NewReceiptLine{{ProductID: p.ID, Serials: []string{fmt.Sprintf("TAB-%d", i)}}}}); err != nil {
			t.Fatal(err)
		}
		o, err := app.Orders.Place(ctx, orders.NewOrder{MemberID: m.ID, Lines: []orders.NewLine{{ProductID: p.ID, Quantity: 1}},
			CitizenRef: fmt.Sprintf("borger-%d", i), Delivery: &orders.Address{Name: "B", Street: "Vej 1", Postcode: "8000", City: "Aarhus"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if o, err = app.Orders.Ship(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
		pl, _ := json.Marshal(orders.BookPayload{ShipmentID: *o.ShipmentID})
		if err := app.Orders.HandleBookShipment(ctx, asynq.NewTask(orders.TypeBookShipment, pl)); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Orders.Deliver(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-url", app.Base, "-email", "admin@load.example", "-password", "load-password-1", "-c", "8", "-d", "1s",
		"-warmup", "200ms", "-kinds", "2", "-queue-c", "2", "-queue-d", "500ms"}
	if err := Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
}
