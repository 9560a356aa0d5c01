package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

const usageEnv = `Usage: tokentray env set ENV [--preset P] [--flow F] [--client-id ID] [--scope S]...
                     [--auth-url U] [--token-url U] [--redirect-uri U] [--issuer U]
       tokentray env set ENV --json < environment.json
       tokentray env remove ENV

Changes the config file through the running tokentray, which writes only
that environment (comments and hand edits stay) and applies it at once.

env set adds ENV, or changes the keys given and keeps the others. --scope
may be repeated; the scopes given replace the list. --json reads the whole
environment from stdin as JSON with the config file's keys, e.g.
  {"preset": "zepto-sandbox", "client_id": "...", "scopes": ["public"]}
and replaces what the config has for ENV. Every problem is printed, one per
line, and nothing is written (exit 2).

env remove logs ENV out (revoking where the provider supports it), removes
it from the config file and deletes its keychain items.

The client secret never goes in the config: use tokentray secret set ENV.
`

func (c *cli) cmdEnv(args []string) int {
	if len(args) == 0 {
		return c.fail(exitUsage, "env: missing set or remove; usage: "+firstLine(usageEnv))
	}
	switch args[0] {
	case "set":
		return c.cmdEnvSet(args[1:])
	case "remove", "rm":
		return c.cmdEnvRemove(args[1:])
	case "-h", "--help", "-help", "help":
		fmt.Fprint(c.stdout, usageEnv)
		return exitOK
	default:
		return c.fail(exitUsage, fmt.Sprintf("env: unknown subcommand %q: use set or remove; see `tokentray env --help`", args[0]))
	}
}

// stringsFlag is a repeatable flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return fmt.Sprint([]string(*s)) }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func (c *cli) cmdEnvSet(args []string) int {
	fs := c.flagSet("env", usageEnv)
	var e config.Environment
	var scopes stringsFlag
	fs.StringVar(&e.Preset, "preset", "", "preset (see `tokentray presets`)")
	fs.StringVar((*string)(&e.Flow), "flow", "", "authorization_code, client_credentials or device_code")
	fs.StringVar(&e.ClientID, "client-id", "", "client id")
	fs.Var(&scopes, "scope", "a scope; repeat for more")
	fs.StringVar(&e.AuthURL, "auth-url", "", "authorization endpoint")
	fs.StringVar(&e.TokenURL, "token-url", "", "token endpoint")
	fs.StringVar(&e.RedirectURI, "redirect-uri", "", "redirect URI")
	fs.StringVar(&e.Issuer, "issuer", "", "issuer, for discovery")
	fromJSON := fs.Bool("json", false, "read the environment as JSON from stdin")
	pos, code, ok := c.commandArgs(fs, args, usageEnv, "ENV")
	if !ok {
		return code
	}
	name := pos[0]
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	cl := c.client(time.Minute)
	defer cl.Close()
	ctx := context.Background()
	var st socket.Status
	var err error
	if *fromJSON {
		for _, f := range []string{"preset", "flow", "client-id", "scope", "auth-url", "token-url", "redirect-uri", "issuer"} {
			if given[f] {
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
			if given[flagName] {
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
		if given["scope"] {
			cur.Scopes = scopes
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

func (c *cli) cmdEnvRemove(args []string) int {
	fs := c.flagSet("env", usageEnv)
	pos, code, ok := c.commandArgs(fs, args, usageEnv, "ENV")
	if !ok {
		return code
	}
	name := pos[0]
	cl := c.client(time.Minute)
	defer cl.Close()
	if err := cl.DeleteEnvironment(context.Background(), name); err != nil {
		return c.envFailure(err, name)
	}
	fmt.Fprintf(c.stdout, "%s: removed (config, tokens and client secret)\n", name)
	return exitOK
}
