package wire_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/internal/wire"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
)

// countingCarrier books every shipment at once and counts the bookings.
type countingCarrier struct{ n atomic.Int64 }

func (c *countingCarrier) Name() string { return "counting" }

func (c *countingCarrier) Book(context.Context, orders.Booking) (string, error) {
	c.n.Add(1)
	return "TRK-TEST", nil
}

// The wiring end to end, through the real worker: an order waits for stock, the receipt
// fills it (inventory's hook into orders, the outbox, orders' task handler), and
// shipping books it with the carrier from the options (orders' booking handler).
func TestServicesAndWorkerAreWired(t *testing.T) {
	carrier := &countingCarrier{}
	s := wire.New(testenv.DB(t), testenv.Redis(t), wire.Options{Carrier: carrier, ShutdownTimeout: 5 * time.Second})
	t.Cleanup(s.Close)
	if s.Auth.Limiter == nil {
		t.Fatal("logins are not rate-limited by default")
	}
	w, err := s.StartWorker(4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sys := s.Context(ctx, auth.System)
	staff := s.Context(ctx, auth.Principal{UserID: 2, Name: "lager@fsc.example", Role: auth.RoleLogistics})
	m, err := s.Contracts.CreateMember(sys, contracts.NewMember{Code: "751", Name: "Aarhus", Kind: "municipality", EAN: "5798000416604"})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := s.Inventory.CreateLocation(staff, inventory.NewLocation{Code: "AAR", Name: "Aarhus"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Inventory.CreateProduct(staff, inventory.NewProduct{SKU: "TAB-A", Name: "Tablet", Category: "tablet", Tracking: inventory.TrackSerial})
	if err != nil {
		t.Fatal(err)
	}
	in := orders.NewOrder{MemberID: m.ID, Lines: []orders.NewLine{{ProductID: p.ID, Quantity: 1}}, CitizenRef: "WIRE-1",
		Delivery: &orders.Address{Name: "Borger", Street: "Vestergade 1", Postcode: "8000", City: "Aarhus C"}}
	o, err := s.Orders.Place(staff, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.Backordered {
		t.Fatalf("order without stock is %s, want backordered", o.Status)
	}
	if _, err := s.Inventory.CreateReceipt(staff, inventory.NewReceipt{LocationID: loc.ID,
		Lines: []inventory.NewReceiptLine{{ProductID: p.ID, Serials: []string{"SN-WIRE-1"}}}}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, staff, o.ID, orders.Reserved)
	if _, err := s.Orders.Ship(staff, o.ID); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, staff, o.ID, orders.Shipped)
	if n := carrier.n.Load(); n != 1 {
		t.Fatalf("carrier booked %d times, want 1", n)
	}
}

func waitStatus(t *testing.T, s *wire.Services, ctx context.Context, id int64, want orders.Status) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		o, err := s.Orders.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d is %s after 20 s, want %s", id, o.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
