package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

const usageStatus = `Usage: tokentray status [--json]

One line per environment: name, state, time left, and what to do next for
anything that is not valid. --json prints what GET /v1/environments answers.
`

func (c *cli) cmdStatus(args []string) int {
	fs := c.flagSet("status", usageStatus)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, code, ok := c.commandArgs(fs, args, usageStatus); !ok {
		return code
	}
	// A config another user can write is said here too: the daemon refuses
	// it at start, and one that became loose later is worth knowing about.
	if err := config.CheckConfigFile(c.configPath()); err != nil {
		return c.fail(exitUsage, err.Error())
	}
	cl := c.client(30 * time.Second)
	defer cl.Close()
	envs, err := cl.Environments(context.Background())
	if err != nil {
		return c.clientFailure(err, "")
	}
	if *asJSON {
		if envs == nil {
			envs = []manager.Status{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(envs); err != nil {
			return c.fail(exitFailure, fmt.Sprintf("write status: %v", err))
		}
		return exitOK
	}
	writeStatusTable(c.stdout, envs, time.Now())
	return exitOK
}

// writeStatusTable prints the human form of status. A warning that every
// environment shares (no keychain) is said once, at the end.
func writeStatusTable(w io.Writer, envs []manager.Status, now time.Time) {
	if len(envs) == 0 {
		fmt.Fprintln(w, "no environments configured: add one in the window or in the config file")
		return
	}
	shared := envs[0].Warning
	for _, st := range envs[1:] {
		if st.Warning != shared {
			shared = ""
		}
	}
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	for _, st := range envs {
		var notes []string
		if st.State != manager.StateValid && st.Error != "" {
			notes = append(notes, st.Error)
		}
		if st.NextStep != "" {
			notes = append(notes, st.NextStep)
		}
		if st.Warning != "" && st.Warning != shared {
			notes = append(notes, "warning: "+st.Warning)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.Name, st.State, timeLeft(st, now), strings.Join(notes, "; "))
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		if line != "" {
			fmt.Fprintln(w, strings.TrimRight(line, " \n"))
		}
	}
	if shared != "" {
		fmt.Fprintln(w, "warning: "+shared)
	}
}

// timeLeft reads like "expires in 1h 52m" or "expired 3m ago".
func timeLeft(st manager.Status, now time.Time) string {
	if st.ExpiresAt == nil {
		return "no token"
	}
	left := st.ExpiresAt.Sub(now)
	if left <= 0 {
		return "expired " + humanDuration(-left) + " ago"
	}
	return "expires in " + humanDuration(left)
}

// humanDuration keeps the two largest units, rounded down, and drops a
// zero second one: 1h 52m, 2h, 4m 10s, 12m, 45s, 2d 3h.
func humanDuration(d time.Duration) string {
	d = d.Truncate(time.Second)
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	mins, secs := int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	two := func(a int, ua string, b int, ub string) string {
		if b == 0 {
			return fmt.Sprintf("%d%s", a, ua)
		}
		return fmt.Sprintf("%d%s %d%s", a, ua, b, ub)
	}
	switch {
	case days > 0:
		return two(days, "d", hours, "h")
	case hours > 0:
		return two(hours, "h", mins, "m")
	case mins >= 10:
		return fmt.Sprintf("%dm", mins)
	case mins > 0:
		return two(mins, "m", secs, "s")
	default:
		return fmt.Sprintf("%ds", secs)
	}
}
