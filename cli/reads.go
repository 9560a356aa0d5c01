package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// readsCmdlineShown is how much of a reader's command line the table shows.
const readsCmdlineShown = 60

func (c *cli) readsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reads ENV [--json]",
		Short: "who read ENV's token, when, and whether it refreshed",
		Long: `The read log of ENV, newest first: when a token was handed out, to which
process (pid, uid, executable, command line), whether that read waited for
a refresh, and how it left: through which tokentray command, or copy (the
clipboard, asked for by the window), tray (the tray menu's copy), proxy
(a local proxy, with the program that connected to it). A read by a
tokentray command names the program that ran it. Consecutive reads by one
program the same way are one line: READS counts them, TIME is the latest.
tokentray keeps the last 200 lines per environment in memory; tokens are
never logged. --json prints what GET /v1/environments/ENV/reads answers.`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run:               c.exitWith(func(_ *cobra.Command, args []string) int { return c.cmdReads(args[0], asJSON) }),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *cli) cmdReads(env string, asJSON bool) int {
	cl := c.commandClient(30 * time.Second)
	defer cl.Close()
	reads, err := cl.Reads(context.Background(), env)
	if err != nil {
		return c.clientFailure(err, env)
	}
	if asJSON {
		if reads == nil {
			reads = []socket.Read{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reads); err != nil {
			return c.fail(exitFailure, fmt.Sprintf("write reads: %v", err))
		}
		return exitOK
	}
	if len(reads) == 0 {
		fmt.Fprintf(c.stdout, "nobody has read a token of %s since tokentray started\n", env)
		return exitOK
	}
	writeReadsTable(c.stdout, reads)
	return exitOK
}

// writeReadsTable prints the read log as a table, times in local time.
func writeReadsTable(w io.Writer, reads []socket.Read) {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tREADS\tPID\tUID\tEXE\tCMDLINE\tREFRESHED\tVIA")
	unknown := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, rd := range reads {
		pid, uid := "-", "-"
		if rd.PID > 0 {
			pid, uid = strconv.Itoa(int(rd.PID)), strconv.FormatUint(uint64(rd.UID), 10)
		}
		refreshed := "no"
		if rd.Refreshed {
			refreshed = "yes"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			rd.Time.Local().Format("2006-01-02 15:04:05"), max(rd.Count, 1), pid, uid,
			unknown(config.Printable(rd.Exe, 0)),
			unknown(config.Printable(socket.ShortCmdline(rd.Exe, rd.Cmdline), readsCmdlineShown)),
			refreshed, unknown(config.Printable(socket.ReadVia(rd), readsCmdlineShown)))
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		if line != "" {
			fmt.Fprintln(w, strings.TrimRight(line, " \n"))
		}
	}
}
