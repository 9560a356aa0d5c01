// Package host is tokentray's long-running process: it wires the engine,
// the socket server, the config file (one edit service and its watcher)
// and, on a desktop, the tray, the clipboard, notifications, the guard's
// questions and the window child. `tokentray daemon` is the same without
// the desktop parts.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
	"github.com/tokentray/tokentray/platform/tcppeer"
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
	// is refused at once; or serve the one systemd passed (socket activation).
	ln, err := listen(o, log)
	if err != nil {
		return err
	}
	store, err := openStore(cfg.Settings, log)
	if err != nil {
		ln.Close()
		return err
	}
	opts := store.opts
	opts.OpenBrowser = platform.OpenBrowser
	opts.Logger = log
	opts.Checkpoint = checkpointFromEnv(o.Stderr)
	if tcppeer.Supported {
		opts.CallbackPeerUID = tcppeer.PeerUID
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
	// The local proxies (proxy_listen), following every config change.
	px := newProxies(m, log)
	px.apply(m.Config())
	var g *Guard
	if h != nil {
		g = h.guard
	}
	cf.OnApply(followConfig(px, g))
	srv := server.NewServer(m, log, server.Limits{})
	srv.SetConfigEditor(cf)
	if opts.Locked {
		srv.SetUnlocker(unlocker(m, store.path, log))
	}
	// A daemon hands over to a desktop start, unless its tokens would be
	// lost with it (memory only).
	handedOver := make(chan struct{})
	if !o.Desktop && opts.StoreKind != storeMemory {
		var once sync.Once
		srv.SetHandover(func() error {
			once.Do(func() { close(handedOver) })
			return nil
		})
	}
	stopWatch := cf.Watch()
	defer stopWatch()
	if h != nil {
		h.attach(m)
		srv.SetHostHooks(h.start())
	}
	// Signals are caught before the socket answers: a client that sees it
	// answering may stop this process at once.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
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
		px.close()
		m.Close()
	}

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
	case <-handedOver:
		log.Info("handing over to the desktop app")
		shutdown()
		return nil
	case err := <-served:
		px.close()
		m.Close()
		if err != nil {
			return fmt.Errorf("socket %s: %w", o.SocketPath, err)
		}
		return nil
	}
}

// listen serves systemd's socket when it passed one (tokentray.socket),
// else claims o.SocketPath: a desktop start takes it over from a daemon
// that serves it (takeOver).
func listen(o Options, log *slog.Logger) (net.Listener, error) {
	ln, path, ok, err := socket.ListenSystemd(log)
	if err != nil || !ok {
		if err == nil {
			ln, err = socket.Listen(o.SocketPath, log)
		}
		var inUse *socket.InUseError
		if o.Desktop && errors.As(err, &inUse) {
			return takeOver(o.SocketPath, inUse, log)
		}
		return ln, err
	}
	if path != o.SocketPath {
		log.Warn("serving the socket systemd passed, not the one configured", "systemd", path, "configured", o.SocketPath)
	}
	log.Info("serving the socket systemd passed", "socket", path)
	return ln, nil
}

// takeOver asks the daemon on path (started on demand before the desktop
// app) to hand over, and claims the socket once it has stopped. A desktop
// app already there keeps it: inUse is returned (the command line then
// opens its window).
func takeOver(path string, inUse *socket.InUseError, log *slog.Logger) (net.Listener, error) {
	cl := socket.NewClient(path, 10*time.Second)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if info, err := cl.Host(ctx); err != nil || info.Window || info.Tray {
		return nil, inUse
	}
	if err := cl.Handover(ctx); err != nil {
		return nil, fmt.Errorf("%v, and it does not hand over to the desktop app: %w", inUse, err)
	}
	for {
		ln, err := socket.Listen(path, log)
		if !errors.As(err, &inUse) {
			if err == nil {
				log.Info("took over from the daemon that served the socket", "socket", path, "daemon_pid", inUse.PID)
			}
			return ln, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%v; it agreed to hand over but did not stop within 10 s", inUse)
		case <-time.After(50 * time.Millisecond):
		}
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

// followConfig is what follows each config the engine runs, besides the
// engine: the local proxies, and the guard's approval window
// (guard_window), so a change made in Settings labels the very next
// question ("Allow for 15 min"). g is nil without a desktop.
func followConfig(px *proxies, g *Guard) func(config.Config) {
	return func(c config.Config) {
		px.apply(c)
		if g != nil {
			g.SetWindow(c.Settings.GuardWindow)
		}
	}
}
