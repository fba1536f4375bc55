package webhooksload

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

// A short run of the whole command on either stack: it fails unless every order
// was booked once and every delivery arrived once, signed.
func TestShortRun(t *testing.T) {
	args := []string{"-database-url", testenv.URL(t), "-force", "-n", "20", "-clients", "3", "-workers", "4"}
	if err := Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
}
