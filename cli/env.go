package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) envCommand() *cobra.Command {
	group := &cobra.Command{
		Use:   "env",
		Short: "add, change or remove an environment in the config, live",
		Long: `Changes the config file through the running tokentray, which writes only
that environment (comments and hand edits stay) and applies it at once.
The client secret never goes in the config: use tokentray secret set ENV.`,
		Args: cobra.ArbitraryArgs, // groupRun names what is missing
		Run:  c.exitWith(c.groupRun),
	}
	group.AddCommand(c.envSetCommand(), c.envRemoveCommand())
	return group
}

// envSetFlags are env set's flags that name a config key; --json takes
// the whole environment instead of any of them.
var envSetFlags = []string{"preset", "flow", "client-id", "scope", "auth-url", "token-url", "redirect-uri", "issuer"}

func (c *cli) envSetCommand() *cobra.Command {
	var e config.Environment
	var fromJSON bool
	cmd := &cobra.Command{
		Use:   "set ENV [--preset P] [--client-id ID] [--scope S]... [--json]",
		Short: "add or change an environment in the config, live",
		Long: `Adds ENV to the config file through the running tokentray, or changes the
keys given and keeps the others; tokentray writes only that environment
(comments and hand edits stay) and applies it at once. --scope may be
repeated; the scopes given replace the list.

--json reads the whole environment from stdin as JSON with the config
file's keys, e.g.
  {"preset": "zepto-sandbox", "client_id": "...", "scopes": ["public"]}
and replaces what the config has for ENV. Every problem is printed, one per
line, and nothing is written (exit 2).

The client secret never goes in the config: use tokentray secret set ENV.`,
		Example: `  tokentray env set zepto-sandbox --preset zepto-sandbox --client-id abc123 --scope public
  tokentray env set api --flow client_credentials --token-url https://auth.example/token --client-id cid
  tokentray env set api --json < api.json`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment, // complete.go
		Run: c.exitWith(func(cmd *cobra.Command, args []string) int {
			return c.cmdEnvSet(args[0], e, fromJSON, cmd.Flags().Changed)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&e.Preset, "preset", "", "`PRESET` that fills flow, endpoints and scopes (see `tokentray presets`)")
	f.StringVar((*string)(&e.Flow), "flow", "", "`FLOW`: "+strings.Join(flowNames(), ", "))
	f.StringVar(&e.ClientID, "client-id", "", "client `ID`")
	f.StringArrayVar(&e.Scopes, "scope", nil, "a `SCOPE`; repeat for more")
	f.StringVar(&e.AuthURL, "auth-url", "", "authorization endpoint `URL`")
	f.StringVar(&e.TokenURL, "token-url", "", "token endpoint `URL`")
	f.StringVar(&e.RedirectURI, "redirect-uri", "", "redirect `URI`")
	f.StringVar(&e.Issuer, "issuer", "", "issuer `URL`, for discovery")
	f.BoolVar(&fromJSON, "json", false, "read the environment as JSON from stdin")
	c.completeFlagValues(cmd, "flow", flowNames()...)
	c.completePresets(cmd, "preset")
	c.completeNoFiles(cmd, "client-id", "scope", "auth-url", "token-url", "redirect-uri", "issuer")
	return cmd
}

// flowNames are the values of the config's flow key.
func flowNames() []string {
	return []string{string(config.FlowAuthorizationCode), string(config.FlowClientCredentials), string(config.FlowDeviceCode)}
}

// cmdEnvSet sends ENV's keys: those of the flags given (e), or the JSON
// on stdin.
func (c *cli) cmdEnvSet(name string, e config.Environment, fromJSON bool, given func(flag string) bool) int {
	cl := c.commandClient(time.Minute)
	defer cl.Close()
	ctx := context.Background()
	var st socket.Status
	var err error
	if fromJSON {
		for _, f := range envSetFlags {
			if given(f) {
				return c.fail(exitUsage, fmt.Sprintf("env set: --json reads the whole environment from stdin; put %s in the JSON instead of --%s", f, f))
			}
		}
		body, rerr := io.ReadAll(io.LimitReader(c.stdin, maxSecretBytes+1))
		if rerr != nil {
			return c.fail(exitFailure, fmt.Sprintf("env set: read stdin: %v", rerr))
		}
		if len(body) > maxSecretBytes {
			return c.fail(exitUsage, fmt.Sprintf("env set: the JSON on stdin is longer than %d bytes", maxSecretBytes))
		}
		st, err = cl.PutEnvironmentJSON(ctx, name, body)
	} else {
		// Start from what the config says now, so only the flags given change.
		cur, gerr := cl.EnvironmentConfig(ctx, name)
		var api *socket.APIError
		switch {
		case gerr == nil:
		case errors.As(gerr, &api) && api.Code == socket.CodeUnknownEnvironment:
			cur = config.Environment{} // a new one
		default:
			return c.clientFailure(gerr, name)
		}
		cur.Name = name
		set := func(flagName string, dst *string, v string) {
			if given(flagName) {
				*dst = v
			}
		}
		set("preset", &cur.Preset, e.Preset)
		set("flow", (*string)(&cur.Flow), string(e.Flow))
		set("client-id", &cur.ClientID, e.ClientID)
		set("auth-url", &cur.AuthURL, e.AuthURL)
		set("token-url", &cur.TokenURL, e.TokenURL)
		set("redirect-uri", &cur.RedirectURI, e.RedirectURI)
		set("issuer", &cur.Issuer, e.Issuer)
		if given("scope") {
			cur.Scopes = e.Scopes
		}
		st, err = cl.PutEnvironment(ctx, name, cur)
	}
	if err != nil {
		return c.envFailure(err, name)
	}
	fmt.Fprintf(c.stdout, "%s: saved (%s)\n", name, st.State)
	if st.NextStep != "" {
		fmt.Fprintf(c.stdout, "next: %s\n", st.NextStep)
	}
	return exitOK
}

// envFailure prints every problem of a refused environment, one per line
// (exit 2); other failures as every client command does.
func (c *cli) envFailure(err error, name string) int {
	name = shown(name)
	var api *socket.APIError
	if errors.As(err, &api) && api.Code == socket.CodeInvalidConfig {
		if len(api.Problems) == 0 {
			return c.fail(exitUsage, api.Message)
		}
		for _, p := range api.Problems {
			if p.Key != "" {
				c.fail(exitUsage, fmt.Sprintf("%s: key %q: %s", name, p.Key, p.Message))
			} else {
				c.fail(exitUsage, fmt.Sprintf("%s: %s", name, p.Message))
			}
		}
		return exitUsage
	}
	if errors.As(err, &api) && api.Code == socket.CodeNoConfigFile {
		return c.fail(exitFailure, api.Message)
	}
	return c.clientFailure(err, name)
}

func (c *cli) envRemoveCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "remove ENV",
		Aliases: []string{"rm"},
		Short:   "log out, remove it from the config, delete its keychain items",
		Long: `Logs ENV out (revoking where the provider supports it), removes it from the
config file and deletes its keychain items.`,
		Args:              wantArgs("ENV"),
		ValidArgsFunction: c.completeEnvironment,
		Run:               c.exitWith(func(_ *cobra.Command, args []string) int { return c.cmdEnvRemove(args[0]) }),
	}
}

func (c *cli) cmdEnvRemove(name string) int {
	cl := c.commandClient(time.Minute)
	defer cl.Close()
	if err := cl.DeleteEnvironment(context.Background(), name); err != nil {
		return c.envFailure(err, name)
	}
	fmt.Fprintf(c.stdout, "%s: removed (config, tokens and client secret)\n", name)
	return exitOK
}
