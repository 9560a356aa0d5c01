package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

// ConfigWatchDebounce is how long the watcher waits after the last change
// of the config file before it reads it: editors write in several steps
// (truncate and write, or a temp file and a rename).
const ConfigWatchDebounce = 250 * time.Millisecond

// ConfigWatcher applies hand edits of the config file to the running
// engine: it watches the file's directory (so an editor's rename or an
// atomic write is seen as well as an in-place write), and after each
// burst of changes reads the file with config.LoadConfig and hands it to
// manager.SetConfig. An edit that does not load is logged with every
// problem and reported to OnProblem; the running config is kept.
type ConfigWatcher struct {
	path    string
	m       *manager.Manager
	log     *slog.Logger
	onBad   func(error)
	w       *fsnotify.Watcher
	done    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
}

// WatchConfig starts watching path for m. onProblem (may be nil) is called
// with the error of an edit that does not load, after it is logged.
func WatchConfig(path string, m *manager.Manager, log *slog.Logger, onProblem func(error)) (*ConfigWatcher, error) {
	if log == nil {
		log = slog.Default()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("watch config %s: %w", path, err)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch config %s: %w", path, err)
	}
	if err := fw.Add(filepath.Dir(abs)); err != nil {
		fw.Close()
		return nil, fmt.Errorf("watch config directory %s: %w", filepath.Dir(abs), err)
	}
	cw := &ConfigWatcher{path: abs, m: m, log: log, onBad: onProblem, w: fw, done: make(chan struct{})}
	cw.stopped.Add(1)
	go cw.run()
	return cw, nil
}

// Close stops watching and waits for the watcher's goroutine.
func (cw *ConfigWatcher) Close() {
	cw.once.Do(func() {
		close(cw.done)
		cw.w.Close()
	})
	cw.stopped.Wait()
}

func (cw *ConfigWatcher) run() {
	defer cw.stopped.Done()
	var timer *time.Timer
	var fire <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-cw.done:
			return
		case ev, ok := <-cw.w.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) != cw.path || ev.Op == fsnotify.Chmod {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(ConfigWatchDebounce)
			} else {
				timer.Reset(ConfigWatchDebounce)
			}
			fire = timer.C
		case err, ok := <-cw.w.Errors:
			if !ok {
				return
			}
			cw.log.Warn("watching the config file", "path", cw.path, "error", err)
		case <-fire:
			fire = nil
			cw.reload()
		}
	}
}

// reload applies the file as it is now, unless it says what runs already.
func (cw *ConfigWatcher) reload() {
	cfg, err := config.LoadConfig(cw.path)
	if errors.Is(err, fs.ErrNotExist) {
		// Gone (an editor between delete and write, or removed by hand):
		// keep running with what was read last.
		cw.log.Warn("the config file is gone; the running config is kept", "path", cw.path)
		return
	}
	if err != nil {
		problems := config.ConfigErrors(err)
		if len(problems) == 0 {
			cw.log.Warn("the edited config file does not load; the running config is kept", "path", cw.path, "error", err)
		}
		for _, p := range problems {
			cw.log.Warn("the edited config file does not load; the running config is kept", "problem", p.Error())
		}
		if cw.onBad != nil {
			cw.onBad(err)
		}
		return
	}
	running := cw.m.Config()
	if reflect.DeepEqual(running.Settings, cfg.Settings) && reflect.DeepEqual(running.Environments, cfg.Environments) {
		return // our own write, already applied, or a change of comments only
	}
	if err := cw.m.SetConfig(cfg); err != nil {
		cw.log.Warn("could not apply the edited config file; the running config is kept", "path", cw.path, "error", err)
		if cw.onBad != nil {
			cw.onBad(err)
		}
		return
	}
	cw.log.Info("applied the edited config file", "path", cw.path, "environments", len(cfg.Environments))
}
