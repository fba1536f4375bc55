package devicesload

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/fsc/backoffice/internal/testenv" // cheap bcrypt for the logins
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// A short run of the whole command on SQLite: seeding, the walk of the list, the SQL
// capture behind EXPLAIN and every scenario. (On PostgreSQL the command ANALYZEs the
// whole database, which the shared test database should not pay for.)
func TestShortRun(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "bench.db")
	args := []string{"-database-url", url, "-devices", "1000", "-c", "2", "-d", "100ms", "-warmup", "20ms", "-also", "", "-deep", "2"}
	if err := Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	// A second run reuses the seeded devices and the bench admin.
	if err := Run(context.Background(), append(args, "-explain=false", "-only", "serial")); err != nil {
		t.Fatal(err)
	}
}
