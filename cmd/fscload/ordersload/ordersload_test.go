package ordersload

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/fsc/backoffice/internal/testenv"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// A short run of the whole command on either stack: it places orders both ways and
// fails unless every shipment was booked exactly once by the real worker.
func TestShortRun(t *testing.T) {
	args := []string{"-database-url", testenv.URL(t), "-force", "-orders", "6", "-warmup", "2", "-levels", "1,3",
		"-shipments", "15", "-ship-clients", "3", "-workers", "4", "-sqlstats"}
	if err := Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
}
