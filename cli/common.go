package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

// version is set at build time: -ldflags "-X github.com/tokentray/tokentray/cli.version=v1.2.3".
var version = "dev"

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// cli carries the streams and the global flags every command shares.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configFlag     string
	socketFlag     string
	hidden         bool // desktop app: start in the tray
	opts           Options
}

// flagSet returns a flag set with the global flags registered, so they
// work before and after the command name.
func (c *cli) flagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors become one line; --help prints usage itself
	fs.Usage = func() {}
	fs.StringVar(&c.configFlag, "config", c.configFlag, "config file")
	fs.StringVar(&c.socketFlag, "socket", c.socketFlag, "socket path")
	return fs
}

// configPath is --config, else TOKENTRAY_CONFIG, else the XDG default
// (platform.ConfigPath reads the variable).
func (c *cli) configPath() string { return platform.ConfigPath(c.configFlag) }

// socketPath is --socket, else TOKENTRAY_SOCKET, else the XDG default
// (platform.SocketPath reads the variable).
func (c *cli) socketPath() string { return platform.SocketPath(c.socketFlag) }

// client returns a socket client whose calls give up after timeout.
func (c *cli) client(timeout time.Duration) *socket.Client {
	return socket.NewClient(c.socketPath(), timeout)
}

// fail prints the one line a failed command leaves on stderr.
func (c *cli) fail(code int, msg string) int {
	msg = strings.Join(strings.Fields(msg), " ") // exactly one line
	fmt.Fprintln(c.stderr, "tokentray: "+msg)
	return code
}

// usageError turns a flag error into exit 2, or prints usage for --help.
func (c *cli) usageError(err error, cmd, usage string) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}
	if cmd == "tokentray" {
		return c.fail(exitUsage, fmt.Sprintf("%v; see `tokentray --help`", err))
	}
	return c.fail(exitUsage, fmt.Sprintf("%s: %v; see `tokentray %s --help`", cmd, err, cmd))
}

// parseLeadingFlags parses flags up to the first argument that is not one.
func parseLeadingFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

// parseArgs parses flags anywhere among the arguments (token ENV --format
// json) and returns the positional ones; after "--" everything is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// commandArgs parses a client command's flags and checks it got exactly
// the positional arguments it names (e.g. "ENV").
func (c *cli) commandArgs(fs *flag.FlagSet, args []string, usage string, names ...string) ([]string, int, bool) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, c.usageError(err, fs.Name(), usage), false
	}
	if len(pos) < len(names) {
		return nil, c.fail(exitUsage, fmt.Sprintf("%s: missing %s; usage: %s", fs.Name(), names[len(pos)], firstLine(usage))), false
	}
	if len(pos) > len(names) {
		return nil, c.fail(exitUsage, fmt.Sprintf("%s: unexpected argument %q; usage: %s", fs.Name(), pos[len(names)], firstLine(usage))), false
	}
	return pos, 0, true
}

func firstLine(s string) string {
	s = strings.TrimPrefix(s, "Usage: ")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// clientFailure turns an error from the socket into the exit code and the
// one line that says what to do next.
func (c *cli) clientFailure(err error, env string) int {
	var api *socket.APIError
	switch {
	case errors.Is(err, socket.ErrNotRunning):
		return c.fail(exitNoDaemon, fmt.Sprintf("no running tokentray on %s: start it with `tokentray` (or `tokentray daemon` without a desktop)", c.socketPath()))
	case errors.As(err, &api):
		switch api.Code {
		case socket.CodeDenied:
			return c.fail(exitDenied, c.deniedLine(env, api.Message)) // guard.go
		case socket.CodeNeedsLogin:
			return c.fail(exitNeedsLogin, fmt.Sprintf("%s needs login: run `tokentray login %s`", env, env))
		case socket.CodeUnknownEnvironment:
			return c.fail(exitUsage, fmt.Sprintf("unknown environment %q: `tokentray status` lists the configured ones", env))
		case socket.CodeUnconfigured, socket.CodeBadRequest:
			return c.fail(exitUsage, api.Message)
		case socket.CodeForbidden:
			return c.fail(exitFailure, fmt.Sprintf("the tokentray on %s belongs to another user: pass --socket PATH to use your own", c.socketPath()))
		case socket.CodeTimeout:
			return c.fail(exitFailure, fmt.Sprintf("%s: the provider did not answer in time; try again, or see `tokentray status`", env))
		case socket.CodeProviderError:
			return c.fail(exitFailure, fmt.Sprintf("%s; try again later, or see `tokentray status`", api.Message))
		case socket.CodeLoginInProgress:
			return c.fail(exitFailure, fmt.Sprintf("a login for %s is already running: finish it in the browser", env))
		default:
			return c.fail(exitFailure, api.Error())
		}
	default:
		return c.fail(exitFailure, err.Error())
	}
}
