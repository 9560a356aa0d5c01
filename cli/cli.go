// Package cli is tokentray's command line: every command, its flags, its
// words and the exit codes (DESIGN.md), as a cobra command tree (root.go)
// whose help and shell completion come from the tree itself.
package cli

import (
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

// Run is the whole command line; it returns the exit code. The command
// tree is built here, per call, so that a process pays for it only when
// it runs a command (scripts run `tokentray token` once per request).
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, opts Options) int {
	if args == nil {
		args = []string{} // cobra reads os.Args for nil
	}
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, opts: opts, args: args}
	root := c.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err != nil {
		// Cobra's own errors are all about how the command was called:
		// unknown command or flag, wrong arguments.
		return c.usageFailure(cmd, err)
	}
	return c.exitCode
}
