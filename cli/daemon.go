package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/tray"
)

const usageDaemon = `Usage: tokentray daemon

Runs the engine and the socket without a window until SIGINT or SIGTERM.
`

func (c *cli) cmdDaemon(args []string) int {
	fs := c.flagSet("daemon", usageDaemon)
	if _, code, ok := c.commandArgs(fs, args, usageDaemon); !ok {
		return code
	}
	return c.serve(false)
}

// runApp is `tokentray` alone: the desktop host (engine, socket, tray,
// clipboard, notifications; the window as a child process on demand), or
// the daemon when there is no display.
func (c *cli) runApp() int {
	if c.opts.Window == nil {
		fmt.Fprintf(c.stderr, "this tokentray is built without the desktop app; running as daemon (socket: %s)\n", c.socketPath())
		return c.serve(false)
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintf(c.stderr, "no display found; running as daemon (socket: %s)\n", c.socketPath())
		return c.serve(false)
	}
	return c.serve(true)
}

// serve wires config, keychain, engine and socket, then runs the desktop
// host (withUI: tray, clipboard, notifications, window child; host.go) or
// waits for a signal.
func (c *cli) serve(withUI bool) int {
	log := newLogger(c)
	if err := platform.Harden(); err != nil { // keep tokens out of core files and /proc/PID/mem
		log.Warn("could not harden the process", "error", err)
	}
	if c.opts.InitNoise != "" {
		log.Debug("libraries logged while starting", "output", c.opts.InitNoise)
	}
	configPath, socketPath := c.configPath(), c.socketPath()

	cfg, err := loadConfigForServe(configPath)
	if err != nil {
		return c.configFailure(err)
	}
	// Claim the socket before touching the keychain, so a second instance
	// is refused at once.
	ln, err := socket.Listen(socketPath, log)
	if err != nil {
		var inUse *socket.InUseError
		if withUI && errors.As(err, &inUse) {
			// A second start on the desktop: show the running one's window.
			return c.openRunningWindow(socketPath, err)
		}
		return c.fail(exitFailure, err.Error())
	}
	store, problem := platform.OpenStore()
	if problem != "" {
		log.Warn("no keychain; tokens are kept in memory only", "problem", problem)
	}
	m, err := manager.New(cfg, manager.Options{
		Store:        store,
		StoreProblem: problem,
		OpenBrowser:  platform.OpenBrowser,
		Logger:       log,
		Checkpoint:   checkpointFromEnv(c.stderr),
	})
	if err != nil {
		ln.Close()
		return c.fail(exitUsage, fmt.Sprintf("%s: %v", configPath, err))
	}
	m.Start()
	srv := socket.NewServer(m, log, socket.Limits{})
	defer c.startConfigWatch(configPath, m, srv, log)()
	var h *host
	if withUI {
		h = newHost(m, log, socketPath)
		withTray := tray.HostAvailable()
		if withTray {
			h.tray = tray.Start(tray.Handlers{
				Do:         h.trayAction,
				OpenWindow: func() { h.logErr("open window", h.openWindow()) },
				StartAtLogin: func(on bool) {
					_, err := h.autostart(&on)
					h.logErr("start at login", err)
				},
				Quit: h.Quit,
			}, platform.AutostartEnabled())
		} else {
			h.quitOnWindowClose = true
		}
		srv.SetHostHooks(h.hooks(withTray))
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("tokentray running", "socket", socketPath, "config", configPath,
		"environments", len(cfg.Environments), "pid", os.Getpid())
	if len(cfg.Environments) == 0 {
		fmt.Fprint(c.stderr, noEnvironmentsGuidance(configPath, withUI))
	}

	shutdown := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("socket shutdown", "error", err)
		}
		m.Close()
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)

	if withUI {
		// The host's loop owns the main goroutine until the user quits; a
		// signal ends it the same way, so the socket is removed, the
		// window child ended and the clipboard cleared.
		go func() {
			select {
			case sig := <-signals:
				log.Info("stopping", "signal", sig.String())
				h.Quit()
			case <-h.quit:
			}
		}()
		err := h.run(c.hidden, served)
		h.close()
		shutdown()
		if err != nil {
			return c.fail(exitFailure, err.Error())
		}
		return exitOK
	}

	select {
	case sig := <-signals:
		log.Info("stopping", "signal", sig.String())
		shutdown()
		return exitOK
	case err := <-served:
		m.Close()
		if err != nil {
			return c.fail(exitFailure, fmt.Sprintf("socket %s: %v", socketPath, err))
		}
		return exitOK
	}
}

// loadConfigForServe reads the config; a missing file is an empty config
// (a first start), anything else wrong with it is a config error.
func loadConfigForServe(path string) (*config.Config, error) {
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
