package manager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tokentray/tokentray/config"
)

// Options are what the engine is given from outside. Zero values work.
type Options struct {
	Store        Store  // default: a memory store
	StoreKind    string // where Store keeps things, for the status: "keychain", "file" or "memory" (the default)
	StoreProblem string // why Store is memory-only (shown in status), "" when it is not
	// Locked starts the engine without its store: every environment is
	// locked until Unlock gives it one (the file store's passphrase).
	Locked     bool
	Clock      Clock        // default: SystemClock
	Logger     *slog.Logger // default: slog.Default()
	HTTPClient *http.Client // for provider calls; default: 30s timeout
	// OpenBrowser opens the authorization URL for Authorize; Login never opens it.
	OpenBrowser func(url string) error
	// Jitter returns a number in [0,1); default math/rand/v2.
	Jitter func() float64
	// LoginTimeout ends an authorization the user never finishes. Default 5m.
	LoginTimeout time.Duration
	// Checkpoint, when set, is called at each step of a refresh
	// (StepBeforeRequest, StepAfterResponse, StepAfterSave) so crash tests
	// can stop the process exactly there. Nil in normal use.
	Checkpoint func(env string, step RefreshStep)
	// Confirm asks the user a Question: a read of a guarded environment,
	// the client secret to a moved token endpoint, ... nil = allowed, a
	// *DeniedError otherwise. Nil: nobody can be asked (a daemon), and
	// every question is denied.
	Confirm func(ctx context.Context, q Question) error
	// CallbackPeerUID tells which user owns the other end of a connection
	// to the sign-in (callback) listener: another user's is refused, and so
	// is one whose owner cannot be told. Nil: no check, for a platform that
	// cannot tell; the listener still binds loopback only, with state and
	// PKCE, like other RFC 8252 clients.
	CallbackPeerUID func(net.Conn) (int, error)
}

// RefreshStep names a point in a refresh for Options.Checkpoint.
type RefreshStep string

const (
	StepBeforeRequest RefreshStep = "before_request"
	StepAfterResponse RefreshStep = "after_response" // provider answered, nothing saved yet
	StepAfterSave     RefreshStep = "after_save"
)

func (m *Manager) checkpoint(env string, step RefreshStep) {
	if m.opts.Checkpoint != nil {
		m.opts.Checkpoint(env, step)
	}
}

// Manager is the token engine: one state machine per environment, a
// single-flight refresh, a background scheduler and an event stream.
type Manager struct {
	opts    Options
	store   Store
	clock   Clock
	log     *slog.Logger
	http    *http.Client
	jitter  func() float64
	events  broadcaster
	meta    metadataCache
	nonces  dpopNonces    // the latest DPoP-Nonce of each server (dpop.go)
	reads   readLog       // who read which token (readlog.go)
	proxies proxyStatuses // the host's local proxies (proxy_status.go)

	// storeSlots bounds concurrent Store reads: every environment loads
	// its tokens when it starts, and a config with a thousand of them must
	// not open a thousand keychain calls at once.
	storeSlots chan struct{}
	// unlocked is closed once the store is there (at New, unless
	// Options.Locked; else at Unlock).
	unlocked chan struct{}

	resched chan struct{} // due times may have moved (scheduler.go)
	quit    chan struct{} // closed by Close: the scheduler ends

	mu      sync.Mutex
	cfg     config.Config
	envs    map[string]*environment
	started bool
	closed  bool
	wg      sync.WaitGroup // the scheduler, environment goroutines and login listeners
}

// New builds an engine for cfg. Nothing runs until Start.
func New(cfg *config.Config, opts Options) (*Manager, error) {
	if cfg == nil {
		cfg = &config.Config{}
	}
	if opts.Store == nil && !opts.Locked {
		opts.Store = NewMemoryStore()
	}
	if opts.StoreKind == "" {
		opts.StoreKind = "memory"
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	if opts.LoginTimeout == 0 {
		opts.LoginTimeout = 5 * time.Minute
	}
	m := &Manager{
		opts:   opts,
		store:  opts.Store,
		clock:  opts.Clock,
		log:    opts.Logger,
		http:   opts.HTTPClient,
		jitter: opts.Jitter,
		envs:   map[string]*environment{},

		resched: make(chan struct{}, 1),
		quit:    make(chan struct{}),

		storeSlots: make(chan struct{}, maxStoreReads),
		unlocked:   make(chan struct{}),
	}
	if !opts.Locked {
		close(m.unlocked)
	}
	m.cfg = normalizedConfig(*cfg)
	if err := checkNames(m.cfg); err != nil {
		return nil, err
	}
	for _, ec := range m.cfg.Environments {
		m.envs[ec.Name] = newEnvironment(m, ec)
	}
	return m, nil
}

// Unlock gives a locked engine its store (kind as Options.StoreKind): the
// environments load from it and run. It is an error when the engine is
// not locked.
func (m *Manager) Unlock(store Store, kind string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.unlocked:
		return errors.New("the store is open already")
	default:
	}
	m.store, m.opts.StoreKind = store, kind
	close(m.unlocked)
	return nil
}

// Locked reports whether the engine waits for Unlock.
func (m *Manager) Locked() bool {
	select {
	case <-m.unlocked:
		return false
	default:
		return true
	}
}

// maxStoreReads is how many environments read the Store at once.
const maxStoreReads = 4

// storeSlot waits for a turn to read the Store; call release when done.
func (m *Manager) storeSlot() (release func()) {
	m.storeSlots <- struct{}{}
	return func() { <-m.storeSlots }
}

func normalizedConfig(cfg config.Config) config.Config {
	cfg.Settings = config.WithDefaults(cfg.Settings)
	cfg.Environments = slices.Clone(cfg.Environments)
	return cfg
}

func checkNames(cfg config.Config) error {
	dups := config.DuplicateNames(cfg.Names())
	for i, e := range cfg.Environments {
		if e.Name == "" {
			return errors.New("an environment has no name")
		}
		if _, dup := dups[i]; dup {
			return fmt.Errorf("environment %q appears twice", e.Name)
		}
	}
	return nil
}

// Start loads stored secrets and tokens and starts the background refresh.
func (m *Manager) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.closed {
		return
	}
	m.started = true
	for _, ec := range m.cfg.Environments {
		m.envs[ec.Name].start()
	}
	m.wg.Go(m.schedule)
}

// Close stops every goroutine the engine owns and cancels open logins.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	envs := m.envList()
	m.mu.Unlock()
	close(m.quit)
	for _, e := range envs {
		e.stop()
	}
	m.wg.Wait()
	m.events.closeAll()
}

// envList returns the environments in config order; m.mu must be held.
func (m *Manager) envList() []*environment {
	list := make([]*environment, 0, len(m.cfg.Environments))
	for _, ec := range m.cfg.Environments {
		list = append(list, m.envs[ec.Name])
	}
	return list
}

// Config returns the config the engine runs with.
func (m *Manager) Config() config.Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	cfg := m.cfg
	cfg.Environments = slices.Clone(cfg.Environments)
	return cfg
}

func (m *Manager) settings() config.Settings {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg.Settings
}

// SetConfig replaces the environments (after the window's edit form). Unchanged
// environments keep their tokens; removed ones are forgotten in memory only.
func (m *Manager) SetConfig(cfg *config.Config) error {
	next := normalizedConfig(*cfg)
	if err := checkNames(next); err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errors.New("engine is closed")
	}
	var stopped, started []*environment
	envs := map[string]*environment{}
	for _, ec := range next.Environments {
		if old, ok := m.envs[ec.Name]; ok && old.cfg.Equal(withFlow(ec)) {
			envs[ec.Name] = old
			continue
		}
		e := newEnvironment(m, ec)
		envs[ec.Name] = e
		started = append(started, e)
	}
	for name, old := range m.envs {
		if envs[name] != old {
			stopped = append(stopped, old)
		}
	}
	m.envs = envs
	m.cfg = next
	running := m.started
	if running {
		for _, e := range started {
			e.start()
		}
	}
	m.mu.Unlock()
	for _, e := range stopped {
		e.stop()
	}
	m.emit(Event{Kind: EventConfig})
	return nil
}

// env finds an environment by name.
func (m *Manager) env(name string) (*environment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.envs[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownEnvironment, name)
	}
	return e, nil
}

// Guarded reports whether name is guarded (guard = "confirm"): reads and
// changes wait for the user's yes. False for an unknown name.
func (m *Manager) Guarded(name string) bool {
	e, err := m.env(name)
	return err == nil && e.cfg.Guarded()
}

// Hold shows why a change of name's config is held back: a hand edit that
// lowers or moves a guarded environment waits for the user's answer, and
// the environment runs as it was until then. "" clears it.
func (m *Manager) Hold(name, reason string) {
	e, err := m.env(name)
	if err != nil {
		return
	}
	e.mu.Lock()
	same := e.held == reason
	e.held = reason
	e.mu.Unlock()
	if !same {
		e.changed(EventState, "")
	}
}

// Environments returns a snapshot of every environment, in config order.
func (m *Manager) Environments() []Status {
	m.mu.Lock()
	envs := m.envList()
	m.mu.Unlock()
	now := m.clock.Now()
	list := make([]Status, 0, len(envs))
	for _, e := range envs {
		list = append(list, e.status(now))
	}
	return list
}

// Status returns one environment's snapshot, or ErrUnknownEnvironment.
func (m *Manager) Status(name string) (Status, error) {
	e, err := m.env(name)
	if err != nil {
		return Status{}, err
	}
	return e.status(m.clock.Now()), nil
}

// Token returns an access token valid for at least minValid, refreshing
// first (single flight) when needed.
func (m *Manager) Token(ctx context.Context, name string, minValid time.Duration) (Token, error) {
	e, err := m.env(name)
	if err != nil {
		return Token{}, err
	}
	return e.token(ctx, minValid)
}

// Refresh forces a refresh (single flight) and returns the new token.
func (m *Manager) Refresh(ctx context.Context, name string) (Token, error) {
	e, err := m.env(name)
	if err != nil {
		return Token{}, err
	}
	return e.refreshShared(ctx)
}

// Login starts authorization and returns where the user goes. It finishes
// in the background; watch for EventLoginDone / EventLoginFailed or call
// WaitLogin. For client credentials it fetches a token before returning.
// Login never opens a browser; Authorize does.
func (m *Manager) Login(ctx context.Context, name string) (LoginInfo, error) {
	e, err := m.env(name)
	if err != nil {
		return LoginInfo{}, err
	}
	return e.login(ctx)
}

// Authorize is Login followed by opening the authorization URL in the
// browser (Options.OpenBrowser): what the window's and tray's button do.
func (m *Manager) Authorize(ctx context.Context, name string) (LoginInfo, error) {
	info, err := m.Login(ctx, name)
	if err != nil || info.AuthorizationURL == "" || m.opts.OpenBrowser == nil {
		return info, err
	}
	target := info.AuthorizationURL
	if info.VerificationURIComplete != "" {
		target = info.VerificationURIComplete
	}
	if err := m.opts.OpenBrowser(target); err != nil {
		m.log.Warn("could not open the browser", "env", name, "err", err)
	}
	return info, nil
}

// CancelLogin ends a running authorization.
func (m *Manager) CancelLogin(name string) {
	if e, err := m.env(name); err == nil {
		e.cancelLogin(ErrLoginCanceled)
	}
}

// Logout revokes the refresh token where the provider supports it and
// forgets the tokens (memory and store).
func (m *Manager) Logout(ctx context.Context, name string) error {
	e, err := m.env(name)
	if err != nil {
		return err
	}
	return e.logout(ctx)
}

// SetSecret stores the client secret (for private_key_jwt and
// tls_client_auth: the PEM private key) and uses it from now on. A
// secret that does not fit the environment's auth_style is refused with
// a *SecretError (ErrInvalidSecret) and nothing is stored.
func (m *Manager) SetSecret(name string, secret Secret) error {
	e, err := m.env(name)
	if err != nil {
		return err
	}
	return e.setSecret(secret)
}

// DeleteSecret removes the stored client secret of name, which need not be
// configured any more (the window's Remove deletes it after the config).
func (m *Manager) DeleteSecret(name string) error {
	if m.Locked() {
		return fmt.Errorf("delete client secret of %s: %w", name, ErrLocked)
	}
	if e, err := m.env(name); err == nil {
		e.mu.Lock()
		e.secret, e.secretUnfit = "", ""
		e.mu.Unlock()
		defer e.changed(EventState, "")
	}
	if err := m.store.DeleteSecret(name); err != nil {
		return fmt.Errorf("delete client secret of %s: %w", name, err)
	}
	return nil
}

// Subscribe returns a stream of events and a function that ends it.
// A subscriber that falls behind misses events, never blocks the engine.
func (m *Manager) Subscribe() (<-chan Event, func()) {
	return m.events.subscribe()
}

func (m *Manager) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = m.clock.Now()
	}
	m.events.publish(ev)
}
