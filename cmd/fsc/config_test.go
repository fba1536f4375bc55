package main

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

// Every flag is read from its FSC_* variable when not given, the flag wins over the
// variable, and the README's configuration table lists both names.
func TestEverySettingHasVariableFlagAndReadmeRow(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal("README has no Configuration section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	var cfg Config
	fs := flag.NewFlagSet("fsc", flag.ContinueOnError)
	cfg.bind(fs)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		env := envName(f.Name)
		for _, want := range []string{"`" + env + "`", "`--" + f.Name + "`"} {
			if !strings.Contains(table, want) {
				t.Errorf("README's configuration table lacks %s", want)
			}
		}
		if !strings.Contains(f.Usage, "$"+env) {
			t.Errorf("--%s: help does not name $%s", f.Name, env)
		}
	})
	if n < 13 {
		t.Fatalf("only %d flags bound", n)
	}

	t.Setenv("FSC_ADDR", "127.0.0.1:9999")
	t.Setenv("FSC_SHUTDOWN_TIMEOUT", "3s")
	t.Setenv("FSC_WORKER_CONCURRENCY", "3")
	t.Setenv("FSC_DEMO", "false")
	t.Setenv("FSC_LOG_LEVEL", "warn")
	if err := cfg.parse(fs, []string{"--log-level", "debug"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.ShutdownTimeout != 3*time.Second || cfg.WorkerConcurrency != 3 || cfg.Demo {
		t.Errorf("variables not read: %+v", cfg)
	}
	if cfg.LogLevel != "debug" {
		t.Errorf("log level %q: the flag must win over FSC_LOG_LEVEL", cfg.LogLevel)
	}
}

func TestBadVariableIsAnError(t *testing.T) {
	t.Setenv("FSC_WORKER_CONCURRENCY", "many")
	var cfg Config
	fs := flag.NewFlagSet("fsc", flag.ContinueOnError)
	cfg.bind(fs)
	if err := cfg.parse(fs, nil); err == nil || !strings.Contains(err.Error(), "FSC_WORKER_CONCURRENCY") {
		t.Fatalf("err = %v, want one naming FSC_WORKER_CONCURRENCY", err)
	}
}
