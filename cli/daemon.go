package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/host"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) daemonCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "daemon",
		Short: "the engine and socket without a window",
		Long: `Runs the engine and the socket without tray, clipboard or window until
SIGINT or SIGTERM: for servers, SSH sessions and containers.`,
		Args: wantArgs(),
		Run:  c.exitWith(func(*cobra.Command, []string) int { return c.serve(false) }),
	}
}

// runApp is `tokentray` alone: the desktop host (engine, socket, tray,
// clipboard, notifications; the window as a child process on demand), or
// the daemon when there is no display.
func (c *cli) runApp() int {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintf(c.stderr, "no display found; running as daemon (socket: %s)\n", c.socketPath())
		return c.serve(false)
	}
	return c.serve(true)
}

// serve runs the host (host.Run): the desktop parts with desktop, else
// the daemon. A config error exits 2 with every problem; a second desktop
// start while one runs opens the running one's window.
func (c *cli) serve(desktop bool) int {
	log := newLogger(c)
	if c.opts.InitNoise != "" {
		log.Debug("libraries logged while starting", "output", c.opts.InitNoise)
	}
	err := host.Run(host.Options{
		ConfigPath: c.configPath(), SocketPath: c.socketPath(),
		Desktop: desktop, Hidden: c.hidden, Log: log,
		Stderr: c.stderr, FirstRun: noEnvironmentsGuidance,
	})
	var inUse *socket.InUseError
	switch {
	case err == nil:
		return exitOK
	case len(config.ConfigErrors(err)) > 0:
		return c.configFailure(err)
	case errors.Is(err, platform.ErrWrongPassphrase), errors.Is(err, platform.ErrUnreadableVault), errors.Is(err, platform.ErrNoPassphrase):
		return c.fail(exitUsage, err.Error()) // the file store: refused by name
	case desktop && errors.As(err, &inUse):
		return c.openRunningWindow(err)
	}
	return c.fail(exitFailure, err.Error())
}

// openRunningWindow is a second `tokentray` while a host runs: ask that
// host to open its window, and be done.
func (c *cli) openRunningWindow(inUse error) int {
	client := c.client(5 * time.Second)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.OpenWindow(ctx); err != nil {
		var apiErr *socket.APIError
		if errors.As(err, &apiErr) {
			return c.fail(exitFailure, fmt.Sprintf("%v; the running tokentray has no window to open (%s)", inUse, apiErr.Message))
		}
		return c.fail(exitFailure, fmt.Sprintf("%v; asking it to open its window: %v", inUse, err))
	}
	fmt.Fprintln(c.stderr, "tokentray is running already; opened its window")
	return exitOK
}

// loadConfig reads the config; a missing file is an empty config (a
// first start), anything else wrong with it is a config error.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.LoadConfig(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	return cfg, err
}

// configFailure prints every problem of the config file, one per line
// (file:line: key: what is wrong), and exits 2.
func (c *cli) configFailure(err error) int {
	problems := config.ConfigErrors(err)
	if len(problems) == 0 {
		return c.fail(exitUsage, err.Error())
	}
	for _, p := range problems {
		c.fail(exitUsage, p.Error())
	}
	return exitUsage
}

// newLogger logs to stderr: text, or JSON with TOKENTRAY_LOG_FORMAT=json;
// TOKENTRAY_LOG_LEVEL=debug|info|warn|error.
func newLogger(c *cli) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("TOKENTRAY_LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(os.Getenv("TOKENTRAY_LOG_FORMAT"), "json") {
		return slog.New(slog.NewJSONHandler(c.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(c.stderr, opts))
}
