package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

// ConfigFile is the one path for every change of the config file: PUT
// and DELETE of an environment and PUT /v1/settings (the socket server
// calls it as its server.ConfigEditor), the start, and hand edits seen by
// the watcher. Under one lock it reads the file once, validates once,
// writes atomically and applies once; the watcher skips what it wrote.
//
// A change that lowers or moves a guarded environment (config.GuardChange)
// waits for the user: through the socket it is asked before anything is
// written (403 denied when refused or when nobody can be asked); made by
// hand in the file it is held back (the engine keeps running the entry as
// it was, and says why) until the user answers.
type ConfigFile struct {
	path string
	log  *slog.Logger
	m    *manager.Manager

	mu   sync.Mutex
	last *config.File        // the file as last read or written
	held map[string]heldEdit // hand edits of guarded environments waiting for the user
	// allowed are hand edits the user said yes to, until applied: the
	// environment as the file had it then, nil for a removal.
	allowed map[string]*config.Environment

	ctx    context.Context // ends at close: owner of the questions about hand edits
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// applied is told the config the engine runs after each change (the
	// local proxies follow it); nil: nobody.
	applied func(config.Config)
}

// heldEdit is a hand edit of a guarded environment the user has not
// allowed: the entry as the file has it (nil: removed), what it would
// change, and whether the user said no.
type heldEdit struct {
	proposed *config.Environment
	change   string
	denied   bool
}

// same reports whether next (nil: removed) is the edit h is about.
func (h heldEdit) same(next *config.Environment) bool {
	return (h.proposed == nil) == (next == nil) && (next == nil || h.proposed.Equal(*next))
}

// NewConfigFile is the service for the config file at path; Load reads
// it, Attach gives it the engine, Watch follows hand edits.
func NewConfigFile(path string, log *slog.Logger) *ConfigFile {
	c := &ConfigFile{path: path, log: log, held: map[string]heldEdit{}, allowed: map[string]*config.Environment{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// Load reads the config at the start; a missing file is an empty config
// (a first start), anything else wrong with it is returned as is.
func (c *ConfigFile) Load() (*config.Config, error) {
	f, err := config.ReadFile(c.path)
	if err != nil {
		return nil, err
	}
	c.last = f
	return f.Config, nil
}

// Attach gives the service the engine it applies changes to.
func (c *ConfigFile) Attach(m *manager.Manager) { c.m = m }

// OnApply makes f hear the config the engine runs, after each change
// applied (called with the service's lock held: f must not call back).
func (c *ConfigFile) OnApply(f func(config.Config)) { c.applied = f }

// Path is the file's path (GET /v1/host).
func (c *ConfigFile) Path() string { return c.path }

// PutEnvironment creates or replaces one environment of the file.
func (c *ConfigFile) PutEnvironment(ctx context.Context, who manager.Reader, e config.Environment) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, err := c.read()
	if err != nil {
		return err
	}
	running := c.m.Config()
	if old, ok := running.Environment(e.Name); ok {
		if change := config.GuardChange(old, e); change != "" {
			q := manager.Question{Env: e.Name, Reader: who, Action: manager.ActionEdit, Detail: change}
			if err := c.m.Confirm(ctx, q); err != nil {
				return err
			}
		}
	}
	delete(c.held, e.Name) // this change replaces a held hand edit
	return c.writeAndApply(f, f.Config.WithEnvironment(e), e.Name)
}

// DeleteEnvironment signs name out (revoking where the provider can),
// removes it from the file and the engine, and deletes its secret.
func (c *ConfigFile) DeleteEnvironment(ctx context.Context, who manager.Reader, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.m.Status(name); err != nil {
		return err
	}
	if c.m.Guarded(name) {
		q := manager.Question{Env: name, Reader: who, Action: manager.ActionDelete, Detail: "its tokens are revoked and its secret deleted"}
		if err := c.m.Confirm(ctx, q); err != nil {
			return err
		}
	}
	f, err := c.read()
	if err != nil {
		return err
	}
	// Revoke and forget the tokens while the engine still knows where.
	var storeErrs []error
	if err := c.m.Logout(ctx, name); err != nil {
		storeErrs = append(storeErrs, err)
	}
	delete(c.held, name)
	if next, inFile := f.Config.Without(name); inFile {
		err = c.writeAndApply(f, next, name)
	} else {
		// Running but no longer in the file (a held hand edit): take it
		// out of the engine only.
		cfg := c.m.Config()
		running, _ := cfg.Without(name)
		err = c.run(running)
	}
	if err != nil {
		return err
	}
	if err := c.m.DeleteSecret(name); err != nil {
		storeErrs = append(storeErrs, err)
	}
	if err := errors.Join(storeErrs...); err != nil {
		return &StoreError{Env: name, Err: err}
	}
	return nil
}

// StoreError: the environment left the config, but not every item of it
// left the store.
type StoreError struct {
	Env string
	Err error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("%s was removed from the config, but its stored tokens or secret were not all deleted: %v", e.Env, e.Err)
}
func (e *StoreError) Unwrap() error { return e.Err }

// PutSettings sets the non-zero fields of s in [settings].
func (c *ConfigFile) PutSettings(ctx context.Context, who manager.Reader, s config.Settings) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, err := c.read()
	if err != nil {
		return err
	}
	return c.writeAndApply(f, f.Config.WithSettings(s))
}

// read reads the file as it is now. c.mu is held.
func (c *ConfigFile) read() (*config.File, error) {
	f, err := config.ReadFile(c.path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// writeAndApply writes cfg into the file f and runs the engine with
// what it reads back, hand edits still held kept back. The environments
// named in confirmed were asked about already (or needed no question):
// they apply as written. c.mu is held.
func (c *ConfigFile) writeAndApply(f *config.File, cfg *config.Config, confirmed ...string) error {
	next, err := f.With(cfg)
	if err != nil {
		return err
	}
	if err := next.Save(); err != nil {
		return err
	}
	c.last = next
	for _, name := range confirmed {
		c.allow(name)
	}
	return c.apply(next.Config)
}

// allow lets the file's version of name (or its removal) apply at the
// next apply without a question. c.mu is held.
func (c *ConfigFile) allow(name string) {
	c.allowed[name] = nil
	if e, inFile := c.last.Config.Environment(name); inFile {
		c.allowed[name] = &e
	}
}

// reload applies the file as the watcher found it, unless it is what this
// service wrote last. An edit that does not load is logged with every
// problem and the running config is kept.
func (c *ConfigFile) reload() {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, err := config.ReadFile(c.path)
	if err != nil {
		if _, statErr := os.Stat(c.path); errors.Is(statErr, os.ErrNotExist) {
			// Gone (an editor between delete and write, or removed by
			// hand): keep running with what was read last.
			c.log.Warn("the config file is gone; the running config is kept", "path", c.path)
			return
		}
		problems := config.ConfigErrors(err)
		if len(problems) == 0 {
			c.log.Warn("the edited config file does not load; the running config is kept", "path", c.path, "error", err)
		}
		for _, p := range problems {
			c.log.Warn("the edited config file does not load; the running config is kept", "problem", p.Error())
		}
		return
	}
	if f.Same(c.last) {
		return // our own write, or a change of nothing
	}
	c.last = f
	if err := c.apply(f.Config); err != nil {
		c.log.Warn("could not apply the edited config file; the running config is kept", "path", c.path, "error", err)
		return
	}
	c.log.Info("applied the edited config file", "path", c.path, "environments", len(f.Config.Environments))
}

// apply runs the engine with cfg, except for hand edits that lower or
// move a guarded environment: those keep the running entry and wait for
// the user. c.mu is held.
func (c *ConfigFile) apply(cfg *config.Config) error {
	running := c.m.Config()
	run := *cfg
	run.Environments = slices.Clone(cfg.Environments)
	holds := map[string]string{}
	for _, old := range running.Environments {
		if !old.Guarded() {
			continue
		}
		next, inFile := cfg.Environment(old.Name)
		change := "remove it from the config file"
		if inFile {
			change = config.GuardChange(old, next)
		}
		if a, ok := c.allowed[old.Name]; ok && (heldEdit{proposed: a}).same(envOrNil(next, inFile)) {
			change = "" // the user said yes to exactly this
		}
		delete(c.allowed, old.Name)
		if change == "" {
			delete(c.held, old.Name)
			continue
		}
		// Keep running the entry as it was.
		if i := slices.IndexFunc(run.Environments, func(e config.Environment) bool { return e.Name == old.Name }); i >= 0 {
			run.Environments[i] = old
		} else {
			run.Environments = append(run.Environments, old)
		}
		holds[old.Name] = change
	}
	if err := c.run(&run); err != nil {
		return err
	}
	for name := range c.held {
		if _, still := holds[name]; !still {
			delete(c.held, name)
			c.m.Hold(name, "")
		}
	}
	for name, change := range holds {
		var proposed *config.Environment
		if e, inFile := cfg.Environment(name); inFile {
			proposed = &e
		}
		if h, known := c.held[name]; known && h.same(proposed) {
			continue // asked already: the answer stands until this entry changes again
		}
		c.held[name] = heldEdit{proposed: proposed, change: change}
		reason := fmt.Sprintf("a hand edit of the config file would %s; it waits for your answer", holdWords(change))
		c.log.Warn("a hand edit of a guarded environment is held back until you allow it", "env", name, "change", change)
		c.m.Hold(name, reason)
		c.ask(name, c.held[name])
	}
	return nil
}

// run makes the engine, and then whoever listens (OnApply), run cfg.
// c.mu is held.
func (c *ConfigFile) run(cfg *config.Config) error {
	if err := c.m.SetConfig(cfg); err != nil {
		return err
	}
	if c.applied != nil {
		c.applied(*cfg)
	}
	return nil
}

// holdWords words a GuardChange for "a hand edit would ...".
func holdWords(change string) string {
	if change == "remove it from the config file" {
		return change
	}
	return "change " + change
}

// ask asks the user about the held hand edit h of name in the
// background: allowed, it is applied from the file as it is then.
func (c *ConfigFile) ask(name string, h heldEdit) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		q := manager.Question{Env: name, Action: manager.ActionEdit, Detail: h.change}
		if h.proposed == nil {
			q.Action, q.Detail = manager.ActionDelete, "a hand edit removed it from the config file"
		}
		err := c.m.Confirm(c.ctx, q)
		c.mu.Lock()
		defer c.mu.Unlock()
		if now, ok := c.held[name]; !ok || !now.same(h.proposed) {
			return // the entry changed meanwhile: that change asks for itself
		}
		if err != nil {
			h.denied = true
			c.held[name] = h
			c.m.Hold(name, fmt.Sprintf("a hand edit of the config file would %s; not applied: %v", holdWords(h.change), err))
			c.log.Warn("a hand edit of a guarded environment stays held back", "env", name, "reason", err)
			return
		}
		delete(c.held, name)
		c.allow(name)
		c.m.Hold(name, "")
		if err := c.apply(c.last.Config); err != nil {
			c.log.Warn("could not apply the allowed hand edit", "env", name, "error", err)
		}
	}()
}

// Watch applies hand edits of the file until the returned function is
// called. A missing folder is made (0700), so that the first hand edit of
// a first start applies at once like every later one.
func (c *ConfigFile) Watch() (stop func()) {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		c.log.Warn("hand edits of the config file will apply at the next start", "error", err)
	}
	w, err := watchFile(c.path, c.log, c.reload)
	if err != nil {
		c.log.Warn("hand edits of the config file will apply at the next start", "error", err)
		return c.Close
	}
	return func() {
		w.Close()
		c.Close()
	}
}

// Close ends the questions still open about hand edits.
func (c *ConfigFile) Close() {
	c.cancel()
	c.wg.Wait()
}

// envOrNil is &e when the file has it, nil when not.
func envOrNil(e config.Environment, inFile bool) *config.Environment {
	if !inFile {
		return nil
	}
	return &e
}
