package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// Config is every setting of the binary: read from FSC_* environment variables, each
// overridable by the flag of the same name.
type Config struct {
	Addr              string
	DatabaseURL       string
	RedisURL          string
	AdminEmail        string
	AdminPassword     string
	CarrierURL        string
	CarrierSecret     string
	LogFormat         string
	LogLevel          string
	WorkerConcurrency int
	SecureCookies     bool
	Demo              bool
	ShutdownTimeout   time.Duration
}

// bind registers the flags of c on fs with defaults taken from the environment.
func (c *Config) bind(fs *flag.FlagSet) {
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, envOr(env, def), usage+" ($"+env+")")
	}
	str(&c.Addr, "addr", "FSC_ADDR", ":8080", "HTTP listen address")
	str(&c.DatabaseURL, "database-url", "FSC_DATABASE_URL", "sqlite://data/fsc.db", "postgres://… or sqlite://path")
	str(&c.RedisURL, "redis-url", "FSC_REDIS_URL", "", "redis://host:port/db; empty starts an in-process Redis")
	str(&c.AdminEmail, "admin-email", "FSC_ADMIN_EMAIL", "", "e-mail of the first admin, created when no user exists")
	str(&c.AdminPassword, "admin-password", "FSC_ADMIN_PASSWORD", "", "password of the first admin")
	str(&c.CarrierURL, "carrier-url", "FSC_CARRIER_URL", "", "carrier API base URL; empty uses the built-in manual carrier")
	str(&c.CarrierSecret, "carrier-secret", "FSC_CARRIER_SECRET", "", "shared secret of carrier webhooks (HMAC-SHA256)")
	str(&c.LogFormat, "log-format", "FSC_LOG_FORMAT", "text", "text or json")
	str(&c.LogLevel, "log-level", "FSC_LOG_LEVEL", "info", "debug, info, warn or error")
	fs.IntVar(&c.WorkerConcurrency, "worker-concurrency", envInt("FSC_WORKER_CONCURRENCY", 10), "tasks processed at once ($FSC_WORKER_CONCURRENCY)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", envBool("FSC_SECURE_COOKIES", false), "mark cookies Secure, for HTTPS ($FSC_SECURE_COOKIES)")
	fs.BoolVar(&c.Demo, "demo", envBool("FSC_DEMO", true), "load demo data on first start of the embedded default ($FSC_DEMO)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 25*time.Second, "how long to finish in-flight work on SIGTERM")
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// logger builds the process logger from the config.
func (c *Config) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", c.LogLevel, err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch c.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", c.LogFormat)
}
