package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/reports"
	"github.com/peterbourgon/ff/v3"
)

// envPrefix names the environment variables: flag --database-url is FSC_DATABASE_URL.
const envPrefix = "FSC"

// Config is every setting of the binary: each a flag, and the FSC_* environment
// variable of the same name when the flag is not given (ff derives the name, so no
// flag can lack its variable).
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
	MigrateWait       time.Duration
	CitizenRetention  time.Duration
	// WebhookAllowPrivate lets webhooks point at loopback and private addresses.
	WebhookAllowPrivate bool
	CentreName          string
	CentreGLN           string
	CentreCVR           string
	VATRateBP           int64
	// ContractNoticeDays is how many days ahead of a contract's notice deadline and end
	// the daily check raises its notices.
	ContractNoticeDays int
}

// bind registers the flags of c on fs, with their defaults.
func (c *Config) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", ":8080", "HTTP listen address")
	fs.StringVar(&c.DatabaseURL, "database-url", "sqlite://data/fsc.db", "postgres://… or sqlite://path")
	fs.StringVar(&c.RedisURL, "redis-url", "", "redis://host:port/db; empty starts an in-process Redis")
	fs.StringVar(&c.AdminEmail, "admin-email", "", "e-mail of the first admin, created when no user exists")
	fs.StringVar(&c.AdminPassword, "admin-password", "", "password of the first admin")
	fs.StringVar(&c.CarrierURL, "carrier-url", "", "carrier API base URL; empty uses the built-in manual carrier")
	fs.StringVar(&c.CarrierSecret, "carrier-secret", "", "shared secret of carrier webhooks (HMAC-SHA256)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.IntVar(&c.WorkerConcurrency, "worker-concurrency", 10, "tasks a worker processes at once")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark cookies Secure, for HTTPS")
	fs.BoolVar(&c.Demo, "demo", true, "load demo data on first start of the embedded default")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 25*time.Second, "how long to finish in-flight requests and tasks on SIGINT/SIGTERM")
	fs.DurationVar(&c.MigrateWait, "migrate-wait", 2*time.Minute, "how long serve and worker wait for `fsc migrate` on a PostgreSQL database with unapplied migrations")
	fs.DurationVar(&c.CitizenRetention, "citizen-retention", orders.DefaultCitizenRetention, "how long a citizen's name, address and phone are kept after the last device came back from them (e.g. 2160h)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", false, "let webhooks point at loopback and private network addresses (receivers on the centre's own network; tests)")
	fs.StringVar(&c.CentreName, "centre-name", "Fælles Servicecenter", "the centre's name on e-invoices")
	fs.StringVar(&c.CentreGLN, "centre-gln", "", "the centre's GLN (EAN) on e-invoices")
	fs.StringVar(&c.CentreCVR, "centre-cvr", "", "the centre's CVR number on e-invoices")
	fs.Int64Var(&c.VATRateBP, "vat-rate-bp", 2500, "VAT on e-invoices in basis points (2500 = 25 %)")
	fs.IntVar(&c.ContractNoticeDays, "contract-notice-days", contracts.DefaultNoticeDays, "days before a contract's notice deadline and end that admins and finance are notified")
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " ($" + envName(f.Name) + ")" })
}

// parse sets c from args, then from the environment for flags not given.
func (c *Config) parse(fs *flag.FlagSet, args []string) error {
	return ff.Parse(fs, args, ff.WithEnvVarPrefix(envPrefix))
}

// envName is the variable ff reads for flag name.
func envName(name string) string {
	return envPrefix + "_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_", "/", "_").Replace(name))
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

// centre is the supplier of the billing e-invoices.
func (c *Config) centre() reports.Centre {
	return reports.Centre{Name: c.CentreName, GLN: c.CentreGLN, CVR: c.CentreCVR, VATRateBP: c.VATRateBP}
}
