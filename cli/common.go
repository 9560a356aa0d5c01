package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

// cli carries the streams and the global flags every command shares.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	opts           Options
	args           []string // the command line (flagError, completeFlag)

	// The root's flags (root.go): --config and --socket work with every
	// command, --hidden and --version only alone.
	configFlag  string
	socketFlag  string
	hidden      bool // desktop app: start in the tray
	showVersion bool

	exitCode int // what the command that ran returns (exitWith)
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
	fmt.Fprintln(c.stderr, "tokentray: "+config.Printable(msg, maxLine))
	return code
}

// maxLine bounds the one line a failed command prints: the messages
// quote text from outside, each cut to config.MaxShown.
const maxLine = 5 * config.MaxShown

// shown is a name given on the command line as a message quotes it:
// printable and cut (config.MaxShown).
func shown(s string) string { return config.Printable(s, 0) }

// clientFailure turns an error from the socket into the exit code and the
// one line that says what to do next.
func (c *cli) clientFailure(err error, env string) int {
	env = shown(env)
	var api *socket.APIError
	switch {
	case errors.Is(err, socket.ErrNotRunning):
		return c.fail(exitNoDaemon, fmt.Sprintf("no running tokentray on %s: start it with `tokentray` (or `tokentray daemon` without a desktop)", c.socketPath()))
	case errors.As(err, new(*socket.StartError)):
		return c.fail(exitNoDaemon, err.Error())
	case errors.As(err, &api):
		switch api.Code {
		case socket.CodeDenied:
			return c.fail(exitDenied, c.deniedLine(env, api.Message)) // guard.go
		case socket.CodeNeedsLogin:
			return c.fail(exitNeedsLogin, fmt.Sprintf("%s needs login: run `tokentray login %s`", env, env))
		case socket.CodeUnknownEnvironment:
			return c.fail(exitUsage, fmt.Sprintf("unknown environment %q: `tokentray status` lists the configured ones", env))
		case socket.CodeUnconfigured, socket.CodeBadRequest, socket.CodeInvalidSecret:
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
