// Package host is tokentray's long-running process: it wires the engine,
// the socket server, the config file (one edit service and its watcher)
// and, on a desktop, the tray, the clipboard, notifications, the guard's
// questions and the window child. `tokentray daemon` is the same without
// the desktop parts.
package host

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// Options say what to run and where.
type Options struct {
	ConfigPath, SocketPath string
	// Desktop runs the tray, clipboard, notifications, the guard's
	// questions and the window child; false is `tokentray daemon`.
	Desktop bool
	Hidden  bool // desktop: start in the tray with the window closed
	Log     *slog.Logger
	// Stderr gets FirstRun when no environment is configured: words of
	// the command line, which owns them.
	Stderr   io.Writer
	FirstRun func(configPath string, window bool) string
}

// Run serves until SIGINT or SIGTERM (or, on a desktop, Quit). A config
// file that does not load is returned as is (config.ConfigErrors lists
// its problems), and a socket another tokentray serves as
// *socket.InUseError, before anything else starts.
func Run(o Options) error {
	log := o.Log
	if err := platform.Harden(); err != nil { // keep tokens out of core files and /proc/PID/mem
		log.Warn("could not harden the process", "error", err)
	}
	cf := NewConfigFile(o.ConfigPath, log)
	cfg, err := cf.Load()
	if err != nil {
		return err
	}
	// Claim the socket before touching the keychain, so a second instance
	// is refused at once.
	ln, err := socket.Listen(o.SocketPath, log)
	if err != nil {
		return err
	}
	store, problem := openStore()
	if problem != "" {
		log.Warn("no keychain; tokens are kept in memory only", "problem", problem)
	}
	opts := manager.Options{
		Store:        store,
		StoreProblem: problem,
		OpenBrowser:  platform.OpenBrowser,
		Logger:       log,
		Checkpoint:   checkpointFromEnv(o.Stderr),
	}
	var h *host
	if o.Desktop {
		h = newHost(log, o.SocketPath, cfg.Settings.GuardWindow)
		h.autostartArgs = pathFlags(o.ConfigPath, o.SocketPath)
		opts.Confirm = h.guard.Confirm
	}
	m, err := manager.New(cfg, opts)
	if err != nil {
		ln.Close()
		return fmt.Errorf("%s: %w", o.ConfigPath, err)
	}
	m.Start()
	cf.Attach(m)
	srv := server.NewServer(m, log, server.Limits{})
	srv.SetConfigEditor(cf)
	stopWatch := cf.Watch()
	defer stopWatch()
	if h != nil {
		h.attach(m)
		srv.SetHostHooks(h.start())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("tokentray running", "socket", o.SocketPath, "config", o.ConfigPath,
		"environments", len(cfg.Environments), "pid", os.Getpid())
	if len(cfg.Environments) == 0 && o.FirstRun != nil {
		fmt.Fprint(o.Stderr, o.FirstRun(o.ConfigPath, o.Desktop))
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

	if h != nil {
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
		err := h.run(o.Hidden, served)
		h.close()
		shutdown()
		return err
	}
	select {
	case sig := <-signals:
		log.Info("stopping", "signal", sig.String())
		shutdown()
		return nil
	case err := <-served:
		m.Close()
		if err != nil {
			return fmt.Errorf("socket %s: %w", o.SocketPath, err)
		}
		return nil
	}
}

// pathFlags are the --config and --socket flags that make another
// tokentray (the one started at login) use these paths, for each that is
// not the default; absolute, since it starts in another directory.
func pathFlags(configPath, socketPath string) []string {
	var flags []string
	if p, err := filepath.Abs(configPath); err == nil && p != platform.DefaultConfigPath() {
		flags = append(flags, "--config", p)
	}
	if p, err := filepath.Abs(socketPath); err == nil && p != platform.DefaultSocketPath() {
		flags = append(flags, "--socket", p)
	}
	return flags
}

// openStore is the keychain when it answers, else memory and why.
func openStore() (manager.Store, string) {
	k, problem := platform.OpenKeychain()
	if problem != "" {
		return manager.NewMemoryStore(), problem + ": tokens are kept in memory only"
	}
	return manager.NewVaultStore(k), ""
}
