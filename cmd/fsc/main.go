// Command fsc is the back office of the shared service centre.
//
//	fsc            web server and job worker in one process (embedded default)
//	fsc serve      web server only
//	fsc worker     job worker and scheduler only
//	fsc migrate    apply database migrations and exit
//	fsc demo       load demo data and exit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `fsc — back office of the shared service centre

Usage:
  fsc [flags]            run the web server and the job worker in one process
  fsc serve [flags]      run the web server (any number, behind a load balancer)
  fsc worker [flags]     run the job worker and scheduler (any number)
  fsc migrate [flags]    apply database migrations and exit
  fsc demo [flags]       load demo data and exit

Every flag can also be set through its FSC_* environment variable; the flag wins.
Run 'fsc <command> --help' for the flags of a command.
`

func main() {
	args := os.Args[1:]
	cmd := "all"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cmd, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "fsc:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string) error {
	var cfg Config
	fs := flag.NewFlagSet("fsc "+cmd, flag.ContinueOnError)
	cfg.bind(fs)
	fs.Usage = func() {
		if cmd == "all" {
			fmt.Fprint(fs.Output(), usage, "\nFlags:\n")
		} else {
			fmt.Fprintf(fs.Output(), "Usage: fsc %s [flags]\n\nFlags:\n", cmd)
		}
		fs.PrintDefaults()
	}
	switch cmd {
	case "all", "serve", "worker", "migrate", "demo":
	case "help":
		fmt.Print(usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := cfg.logger()
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	switch cmd {
	case "migrate":
		return runMigrate(ctx, &cfg)
	case "demo":
		return runDemo(ctx, &cfg)
	default:
		return runServer(ctx, &cfg, cmd)
	}
}
