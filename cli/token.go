package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

const usageToken = `Usage: tokentray token ENV [--min-valid DUR] [--format raw|json|header]

Prints a current access token of ENV on stdout, refreshed first if it would
expire within --min-valid. raw: the token alone; json: what the socket's
token endpoint answers; header: "Authorization: Bearer TOKEN".
`

func (c *cli) cmdToken(args []string) int {
	fs := c.flagSet("token", usageToken)
	minValid := fs.Duration("min-valid", 0, "refresh first if the token expires sooner")
	format := fs.String("format", "raw", "raw, json or header")
	pos, code, ok := c.commandArgs(fs, args, usageToken, "ENV")
	if !ok {
		return code
	}
	env := pos[0]
	if *minValid < 0 {
		return c.fail(exitUsage, "token: --min-valid must not be negative")
	}
	if !slices.Contains([]string{"raw", "json", "header"}, *format) {
		return c.fail(exitUsage, fmt.Sprintf("token: --format %q is not one of raw, json, header", *format))
	}
	cl := c.client(guardedReadTimeout) // guard.go: a guarded read waits for the user
	defer cl.Close()
	t, err := cl.Token(context.Background(), env, *minValid)
	if err != nil {
		return c.clientFailure(err, env)
	}
	switch *format {
	case "json":
		b, err := json.Marshal(t)
		if err != nil {
			return c.fail(exitFailure, fmt.Sprintf("encode token: %v", err))
		}
		fmt.Fprintln(c.stdout, string(b))
	case "header":
		fmt.Fprintln(c.stdout, socket.AuthorizationHeader(t.TokenType, t.AccessToken.Reveal()))
	default:
		fmt.Fprintln(c.stdout, t.AccessToken.Reveal())
	}
	return exitOK
}

const usageExec = `Usage: tokentray exec ENV [--env-var NAME] [--min-valid DUR] -- CMD [ARG...]

Runs CMD with a current access token of ENV in its environment ($ACCESS_TOKEN
unless --env-var says otherwise). CMD replaces tokentray, so its exit code,
signals and standard streams are its own.
`

func (c *cli) cmdExec(args []string) int {
	fs := c.flagSet("exec", usageExec)
	envVar := fs.String("env-var", "ACCESS_TOKEN", "variable that holds the token")
	minValid := fs.Duration("min-valid", time.Minute, "refresh first if the token expires sooner")

	var env string
	var command []string
	if i := slices.Index(args, "--"); i >= 0 {
		pos, code, ok := c.commandArgs(fs, args[:i], usageExec, "ENV")
		if !ok {
			return code
		}
		env, command = pos[0], args[i+1:]
	} else {
		// Without "--": flags, ENV, more flags, then the command.
		rest, err := parseLeadingFlags(fs, args)
		if err != nil {
			return c.usageError(err, "exec", usageExec)
		}
		if len(rest) == 0 {
			return c.fail(exitUsage, "exec: missing ENV; usage: "+firstLine(usageExec))
		}
		env = rest[0]
		if command, err = parseLeadingFlags(fs, rest[1:]); err != nil {
			return c.usageError(err, "exec", usageExec)
		}
	}
	if len(command) == 0 {
		return c.fail(exitUsage, "exec: missing CMD; usage: "+firstLine(usageExec))
	}
	if *envVar == "" || strings.ContainsAny(*envVar, "=\x00") {
		return c.fail(exitUsage, fmt.Sprintf("exec: --env-var %q is not a variable name", *envVar))
	}
	path, err := exec.LookPath(command[0])
	if err != nil {
		return c.fail(exitFailure, fmt.Sprintf("exec: cannot run %s: %v", command[0], err))
	}

	cl := c.client(guardedReadTimeout)
	t, err := cl.Token(context.Background(), env, *minValid)
	cl.Close()
	if err != nil {
		return c.clientFailure(err, env)
	}
	environ := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, *envVar+"=")
	})
	environ = append(environ, *envVar+"="+t.AccessToken.Reveal())
	err = execInPlace(path, command, environ)
	return c.fail(exitFailure, fmt.Sprintf("exec: cannot run %s: %v", command[0], err))
}
