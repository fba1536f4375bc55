package billingload

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

// A small run of the whole command (PostgreSQL only, as the command): seed, compute,
// workbook; a second run reuses the seed and computes the draft again.
func TestSmallRun(t *testing.T) {
	if !testenv.OnPostgres() {
		t.Skip("fscload billing is for PostgreSQL")
	}
	args := []string{"-database-url", testenv.URL(t), "-force", "-members", "4", "-schemes", "2", "-devices", "300", "-shipments", "40", "-tickets", "20"}
	if err := Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), args[:3]); err != nil {
		t.Fatal(err)
	}
}
