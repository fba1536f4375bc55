// Command fscload measures the back office under load. Each subcommand is one kind of
// load over the same client, closed-loop driver and latency histogram:
//
//	fscload http     GET one path of a running server from N clients (loopback only)
//	fscload devices  1,000,000 devices on PostgreSQL: lists, lookups, stock, reservation pick
//	fscload orders   kit orders over HTTP and in-process; 10,000 shipments to a fake carrier
//	fscload alarms   device alarms to a running server; de-duplication checked; the queue timed
//	fscload webhooks 10,000 order status changes to a webhook receiver vs the booking rate
//	fscload billing  a billing run of 98 members and 100,000 deployed devices, and its workbook
//
// `devices` and `orders` start the real application in-process on loopback, wired by
// internal/wire as cmd/fsc is. Run `fscload <command> -h` for the flags of a command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/fsc/backoffice/cmd/fscload/alarmsload"
	"github.com/fsc/backoffice/cmd/fscload/billingload"
	"github.com/fsc/backoffice/cmd/fscload/devicesload"
	"github.com/fsc/backoffice/cmd/fscload/httpload"
	"github.com/fsc/backoffice/cmd/fscload/ordersload"
	"github.com/fsc/backoffice/cmd/fscload/webhooksload"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string) error
}

// commands are the kinds of load; alarms and billing join them with their domains.
var commands = []command{
	{"http", httpload.Summary, httpload.Run},
	{"devices", devicesload.Summary, devicesload.Run},
	{"orders", ordersload.Summary, ordersload.Run},
	{"alarms", alarmsload.Summary, alarmsload.Run},
	{"webhooks", webhooksload.Summary, webhooksload.Run},
	{"billing", billingload.Summary, billingload.Run},
}

func usage() {
	fmt.Fprint(os.Stderr, "fscload — measure the back office under load\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  fscload %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(os.Stderr, "\nRun 'fscload <command> -h' for the flags of a command.\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	name, args := os.Args[1], os.Args[2:]
	for _, c := range commands {
		if c.name != name {
			continue
		}
		// Warnings only: asynq and the application log through slog.
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		err := c.run(ctx, args)
		stop()
		switch {
		case errors.Is(err, flag.ErrHelp):
		case err != nil:
			fmt.Fprintf(os.Stderr, "fscload %s: %v\n", name, err)
			os.Exit(1)
		}
		return
	}
	usage()
	fmt.Fprintf(os.Stderr, "\nfscload: unknown command %q\n", name)
	os.Exit(2)
}
