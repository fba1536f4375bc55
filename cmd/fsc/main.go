// Command fsc is the back office of the shared service centre.
//
//	fsc            web server and job worker in one process (embedded default)
//	fsc serve      web server only
//	fsc worker     job worker and scheduler only
//	fsc migrate    apply database migrations and exit
//	fsc demo       load demo data and exit
//	fsc backup     write a backup of the database to a file
//	fsc restore    load a backup into an empty database
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
  fsc backup [flags] FILE           write a backup of the database to FILE
  fsc restore [flags] [--force] FILE  load the backup in FILE into an empty database

Every flag can also be set through its FSC_* environment variable (--database-url is
FSC_DATABASE_URL); the flag wins. Run 'fsc <command> --help' for the flags of a command.
`

// commands are the subcommands with what each does, for 'fsc <command> --help'.
var commands = map[string]string{
	"all":     "run the web server and the job worker in one process",
	"serve":   "run the web server (any number, behind a load balancer); needs FSC_REDIS_URL shared with a worker",
	"worker":  "run the job worker and scheduler (any number)",
	"migrate": "apply database migrations and exit (safe from several hosts at once)",
	"demo":    "load demo data and exit, all or nothing; run again it does nothing, and what exists already (by code or e-mail) is left alone",
	"backup":  "write a consistent backup of the running database to FILE (PostgreSQL: pg_dump custom format; SQLite: VACUUM INTO)",
	"restore": "load the backup in FILE into an empty database (PostgreSQL: pg_restore; SQLite: refused while an fsc has the file open)",
}

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
	force := false
	if cmd == "restore" {
		fs.BoolVar(&force, "force", false, "restore over a database that holds tables (command line only, never from the environment)")
	}
	fs.Usage = func() {
		if cmd == "all" {
			fmt.Fprint(fs.Output(), usage, "\nFlags:\n")
		} else {
			arg := map[string]string{"backup": " FILE", "restore": " FILE"}[cmd]
			fmt.Fprintf(fs.Output(), "Usage: fsc %s [flags]%s\n\n%s.\nEvery flag can also be set through its FSC_* environment variable; the flag wins.\n\nFlags:\n", cmd, arg, commands[cmd])
		}
		fs.PrintDefaults()
	}
	switch _, known := commands[cmd]; {
	case known:
	case cmd == "help":
		fmt.Print(usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if os.Getenv("FSC_FORCE") != "" {
		return errors.New("FSC_FORCE is not read: give --force on the command line of fsc restore")
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
	case "backup", "restore":
		if fs.NArg() != 1 {
			return fmt.Errorf("fsc %s needs one FILE argument, after the flags", cmd)
		}
		return runBackup(ctx, &cfg, cmd, fs.Arg(0), force)
	default:
		return runServer(ctx, &cfg, cmd)
	}
}
