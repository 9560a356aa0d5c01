package host

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// ConfigWatchDebounce is how long the watcher waits after the last change
// of the config file before it reads it: editors write in several steps
// (truncate and write, or a temp file and a rename).
const ConfigWatchDebounce = 250 * time.Millisecond

// fileWatcher calls changed after each burst of changes of one file. It
// watches the file's directory, so an editor's rename or an atomic write
// is seen as well as an in-place write.
type fileWatcher struct {
	path    string
	log     *slog.Logger
	changed func()
	w       *fsnotify.Watcher
	done    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
}

// watchFile starts watching path.
func watchFile(path string, log *slog.Logger, changed func()) (*fileWatcher, error) {
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
	w := &fileWatcher{path: abs, log: log, changed: changed, w: fw, done: make(chan struct{})}
	w.stopped.Add(1)
	go w.run()
	return w, nil
}

// Close stops watching and waits for the watcher's goroutine.
func (w *fileWatcher) Close() {
	w.once.Do(func() {
		close(w.done)
		w.w.Close()
	})
	w.stopped.Wait()
}

func (w *fileWatcher) run() {
	defer w.stopped.Done()
	var timer *time.Timer
	var fire <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.w.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) != w.path || ev.Op == fsnotify.Chmod {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(ConfigWatchDebounce)
			} else {
				timer.Reset(ConfigWatchDebounce)
			}
			fire = timer.C
		case err, ok := <-w.w.Errors:
			if !ok {
				return
			}
			w.log.Warn("watching the config file", "path", w.path, "error", err)
		case <-fire:
			fire = nil
			w.changed()
		}
	}
}
