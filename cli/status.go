package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) statusCommand() *cobra.Command {
	var asJSON, verbose bool
	cmd := &cobra.Command{
		Use:   "status [--json] [--verbose]",
		Short: "every environment: state, time left, what to do next",
		Long: `One line per environment: name, state, time left, and what to do next for
anything that is not valid. --verbose adds, per environment, the provider's
own answer to the request that failed last and the scopes it granted.
--json prints what GET /v1/environments answers.`,
		Args: wantArgs(),
		Run:  c.exitWith(func(*cobra.Command, []string) int { return c.cmdStatus(asJSON, verbose) }),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "add the provider's answers and the granted scopes")
	return cmd
}

func (c *cli) cmdStatus(asJSON, verbose bool) int {
	// A config another user can write is said here too: the daemon refuses
	// it at start, and one that became loose later is worth knowing about.
	if err := config.CheckConfigFile(c.configPath()); err != nil {
		return c.fail(exitUsage, err.Error())
	}
	// Nothing to serve yet: the guidance needs no tokentray started.
	empty := c.configIsEmpty()
	var cl *socket.Client
	if empty {
		cl = c.client(30 * time.Second)
	} else {
		cl = c.commandClient(30 * time.Second)
	}
	defer cl.Close()
	envs, err := cl.Environments(context.Background())
	if errors.Is(err, socket.ErrNotRunning) && !asJSON && empty {
		// Nothing to start yet: how to add an environment comes first. The
		// exit code stays 4 (no running tokentray), as the contract says.
		fmt.Fprint(c.stdout, noEnvironmentsGuidance(c.configPath(), true))
		fmt.Fprintf(c.stdout, "then start tokentray with `tokentray` (or `tokentray daemon` without a desktop)\n")
	}
	if err != nil {
		return c.clientFailure(err, "")
	}
	if asJSON {
		if envs == nil {
			envs = []socket.Status{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(envs); err != nil {
			return c.fail(exitFailure, fmt.Sprintf("write status: %v", err))
		}
		return exitOK
	}
	if len(envs) == 0 {
		fmt.Fprint(c.stdout, noEnvironmentsGuidance(c.configPath(), true))
		return exitOK
	}
	writeStatusTable(c.stdout, envs, time.Now())
	if verbose {
		writeStatusDetails(c.stdout, envs)
	}
	return exitOK
}

// configIsEmpty says whether the config file holds no environment (or
// does not exist yet); a file with problems is not empty.
func (c *cli) configIsEmpty() bool {
	cfg, err := loadConfig(c.configPath())
	return err == nil && len(cfg.Environments) == 0
}

// writeStatusTable prints the human form of status for one or more
// environments. A warning that every environment shares (no keychain) is
// said once, at the end.
func writeStatusTable(w io.Writer, envs []socket.Status, now time.Time) {
	if len(envs) == 0 {
		return // cmdStatus says how to add one instead
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
		if wait := socket.WaitingText(st.Waiting, now); wait != "" {
			notes = append(notes, wait)
		}
		if st.State != socket.StateValid && st.Error != "" {
			notes = append(notes, st.Error)
		}
		if next := nextStep(st); next != "" {
			notes = append(notes, next)
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

// writeStatusDetails prints what --verbose adds under the table: the
// provider's own answer to the request that failed last, which is what
// its support asks for, and the scopes it granted.
func writeStatusDetails(w io.Writer, envs []socket.Status) {
	for _, st := range envs {
		if answer := socket.ProviderAnswerText(st.ProviderError); answer != "" {
			fmt.Fprintf(w, "%s: %s\n", st.Name, answer)
		}
		if len(st.GrantedScopes) > 0 {
			fmt.Fprintf(w, "%s: granted scopes: %s\n", st.Name, strings.Join(st.GrantedScopes, " "))
		}
	}
}

// timeLeft reads like "expires in 1h 52m" or "expired 3m ago".
func timeLeft(st socket.Status, now time.Time) string {
	if st.ExpiresAt == nil {
		return "no token"
	}
	left := st.ExpiresAt.Sub(now)
	if left <= 0 {
		return "expired " + socket.FormatTimeLeft(left) + " ago"
	}
	return "expires in " + socket.FormatTimeLeft(left)
}

// nextStep words the typed next step; a daemon too old to send one still
// sends the text.
func nextStep(st socket.Status) string {
	if st.Next != nil {
		return socket.NextStepText(st.Name, st.Next)
	}
	return st.NextStep
}
