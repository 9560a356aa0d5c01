// Package cli is tokentray's command line: every command, its flags, its
// words and the exit codes (DESIGN.md).
package cli

import (
	"fmt"
	"io"
)

// Exit codes of client commands (DESIGN.md).
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2 // usage or config error
	exitNeedsLogin = 3
	exitNoDaemon   = 4
	exitDenied     = 5 // read of a guarded environment denied (guard.go)
)

// Options are what main knows and the commands need.
type Options struct {
	// InitNoise is what libraries logged while initializing; the daemon
	// logs it at debug level, client commands drop it.
	InitNoise string
}

// Run is the whole command line; it returns the exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, opts Options) int {
	cli := &cli{stdin: stdin, stdout: stdout, stderr: stderr, opts: opts}

	// Global flags may come before the command: tokentray --socket S status.
	fs := cli.flagSet("tokentray", usageMain)
	fs.BoolVar(&cli.hidden, "hidden", false, "start in the tray with the window closed")
	cmdArgs, err := parseLeadingFlags(fs, args)
	if err != nil {
		return cli.usageError(err, "tokentray", usageMain)
	}
	if len(cmdArgs) == 0 {
		return cli.runApp()
	}
	cmd, rest := cmdArgs[0], cmdArgs[1:]
	switch cmd {
	case "daemon":
		return cli.cmdDaemon(rest)
	case "window":
		return cli.cmdWindow(rest)
	case "status":
		return cli.cmdStatus(rest)
	case "token":
		return cli.cmdToken(rest)
	case "login":
		return cli.cmdLogin(rest)
	case "reads":
		return cli.cmdReads(rest) // reads.go
	case "refresh":
		return cli.cmdRefresh(rest)
	case "logout":
		return cli.cmdLogout(rest)
	case "exec":
		return cli.cmdExec(rest)
	case "secret":
		return cli.cmdSecret(rest)
	case "env":
		return cli.cmdEnv(rest)
	case "presets":
		if err := printPresets(stdout); err != nil {
			return cli.fail(exitFailure, fmt.Sprintf("presets: %v", err))
		}
		return exitOK
	case "version":
		fmt.Fprintln(stdout, "tokentray", versionString())
		return exitOK
	case "help":
		fmt.Fprint(stdout, usageMain)
		return exitOK
	default:
		return cli.fail(exitUsage, fmt.Sprintf("unknown command %q: see `tokentray --help`", cmd))
	}
}

const usageMain = `tokentray keeps OAuth2 access tokens fresh and hands them to scripts.

Usage:
  tokentray [--hidden]              the desktop app (window, tray, socket); without a display it runs as daemon;
                                    --hidden starts in the tray with the window closed (autostart)
  tokentray daemon                  the engine and socket without a window
  tokentray window [--quit-host-on-close]
                                    the window of the running tokentray (the host starts it on demand)
  tokentray status [--json]         every environment: state, time left, what to do next
  tokentray token ENV [--min-valid DUR] [--format raw|json|header]
                                    print a current access token
  tokentray login ENV [--no-browser] [--timeout DUR]
                                    authorize in the browser; prints the URL and waits
  tokentray reads ENV [--json]      who read ENV's token, when, and whether it refreshed
  tokentray refresh ENV             force a refresh
  tokentray logout ENV              revoke (where supported) and forget the tokens
  tokentray exec ENV [--env-var NAME] -- CMD [ARG...]
                                    run CMD with the token in $ACCESS_TOKEN (or NAME)
  tokentray secret set ENV          read the client secret from stdin into the keychain
  tokentray env set ENV [--preset P] [--client-id ID] [--scope S]... [--json]
                                    add or change an environment in the config, live; env remove ENV
  tokentray presets                 the built-in provider presets and what each still needs
  tokentray version

Global flags (before or after the command):
  --config PATH   config file (env TOKENTRAY_CONFIG; default $XDG_CONFIG_HOME/tokentray/config.toml)
  --socket PATH   socket (env TOKENTRAY_SOCKET; default $XDG_RUNTIME_DIR/tokentray/tokentray.sock)

Exit codes: 0 ok, 1 failure, 2 usage or config error, 3 needs login, 4 no running tokentray,
5 read denied (a guarded environment: guard = "confirm").
`
