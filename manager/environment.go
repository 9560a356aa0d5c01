package manager

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tokentray/tokentray/config"
	"golang.org/x/sync/singleflight"
)

// tokenSet is what the engine holds for one environment.
type tokenSet struct {
	access    Secret
	refresh   Secret
	tokenType string
	issuedAt  time.Time
	expiresAt time.Time
	granted   []string // from the token response's "scope", when sent
	asked     []string // the scopes asked for when they were obtained; nil when unknown (loaded from the store)
	origin    string   // the token endpoint that issued them (origin.go)
	// expiryGuessed is set when the provider sent no expires_in.
	expiryGuessed bool
	dpop          *dpopKey // the DPoP key the tokens are bound to (dpop.go); nil: none
}

func (t *tokenSet) validFor(now time.Time, d time.Duration) bool {
	return t != nil && t.access != "" && usableUntil(t.expiresAt, now, d)
}

func (t *tokenSet) token() Token {
	return Token{AccessToken: t.access, TokenType: t.tokenType, ExpiresAt: t.expiresAt, dpop: t.dpop}
}

func (t *tokenSet) stored() StoredTokens {
	st := StoredTokens{
		RefreshToken: t.refresh.Reveal(),
		AccessToken:  t.access.Reveal(),
		TokenType:    t.tokenType,
		ExpiresAt:    t.expiresAt,
		IssuedAt:     t.issuedAt,
		Scopes:       t.granted,
		Origin:       t.origin,
	}
	if t.dpop != nil {
		st.DPoPKey = t.dpop.jwk()
	}
	return st
}

// environment is the state machine of one configured environment. Its
// goroutine (run) does the background work the manager's scheduler finds
// due; callers share refreshes through the manager's single-flight group.
type environment struct {
	m    *Manager
	cfg  config.Environment
	kick chan struct{} // the scheduler found work due (scheduler.go)
	// flights runs this environment's refreshes one at a time. It is the
	// environment's own, so a read of an environment a config change just
	// replaced never joins the old one's refresh (old endpoints).
	flights singleflight.Group

	ctx    context.Context // ends when the environment is stopped
	cancel context.CancelFunc

	loadOnce sync.Once

	// tokenWrite is held from deciding to replace the tokens until they
	// are in memory and written to the store (or deleted), so a sign-out
	// is never undone by a refresh or a retried save that read the tokens
	// before it. Taken before mu, never while mu is held.
	tokenWrite sync.Mutex

	mu           sync.Mutex
	loaded       bool // the store was read (load)
	secret       Secret
	secretOrigin string // the token endpoint origin secret was given for (origin.go)
	// secretRefused says why the secret is held back: the user did not
	// confirm sending it to a moved token endpoint. Cleared by a new secret.
	secretRefused string
	// secretUnfit says why the stored secret does not fit auth_style (a
	// client secret where a private key belongs, a key that does not
	// parse); "" when it fits (clientkey.go).
	secretUnfit string
	// certTransport presents the client certificate with certSecret, the
	// private key it was made with (tls_client_auth; clientauth.go).
	certTransport *http.Transport
	certSecret    Secret
	moved         string // why stored tokens were forgotten: the token endpoint moved
	held          string // why a change of this environment's config waits for the user (Manager.Hold)
	tok           *tokenSet
	gen           uint64  // bumped whenever tok changes
	flight        *flight // the refresh at the provider now, nil when none
	needsLogin    bool    // the provider rejected the refresh token
	loggedOut     bool    // forgotten by logout: not fetched again until a token is asked for
	interrupted   bool    // loaded with RefreshStarted set: the last run died mid-refresh
	fatal         string  // a final provider error (invalid_client, ...), shown as state error
	loadErr       error   // reading the store failed; retried, nothing deleted
	lastErr       string  // the last temporary failure, shown while retrying
	failures      int     // consecutive temporary failures
	failingFrom   time.Time
	retryAt       time.Time
	unreachable   bool // EventUnreachable sent for this run of failures
	refreshAt     time.Time
	unsaved       bool // the tokens in memory are not in the store yet
	saveErr       string
	saveTries     int
	saveAt        time.Time
	reloadAt      time.Time     // when a store read that failed is tried again
	session       *loginSession // a running authorization
	lastLogin     *loginSession // the one that ended last, for WaitLogin
	loginFailed   string        // why the last authorization ended without tokens (timeout); cleared by the next login
	// answer is the provider's answer to the token request that failed
	// last (provider_answer.go); nil after a success.
	answer *ProviderAnswer
}

// withFlow is cfg as the engine runs it: the authorization code flow when
// it names none.
func withFlow(cfg config.Environment) config.Environment {
	if cfg.Flow == "" {
		cfg.Flow = config.FlowAuthorizationCode
	}
	return cfg
}

func newEnvironment(m *Manager, cfg config.Environment) *environment {
	cfg = withFlow(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	e := &environment{
		m:      m,
		cfg:    cfg,
		kick:   make(chan struct{}, 1),
		ctx:    ctx,
		cancel: cancel,
	}
	return e
}

func (e *environment) start() {
	e.m.wg.Add(1)
	go func() {
		defer e.m.wg.Done()
		e.run()
	}()
}

// stop ends the environment's goroutine and any running authorization;
// Manager.Close waits for their goroutines.
func (e *environment) stop() {
	e.cancel()
	e.cancelLogin(ErrLoginCanceled)
	e.mu.Lock()
	if e.certTransport != nil {
		e.certTransport.CloseIdleConnections()
	}
	e.mu.Unlock()
}

// ensureLoaded reads the client secret and tokens from the store once;
// callers wait for it. While the engine is locked there is no store to
// read: the error says to unlock.
func (e *environment) ensureLoaded() error {
	if e.m.Locked() {
		return &ActionError{Env: e.cfg.Name, Err: fmt.Errorf("%s: %w", e.cfg.Name, ErrLocked), Next: Next{Action: NextUnlock}}
	}
	e.loadOnce.Do(func() { e.load() })
	return nil
}

// load reads the store. A failed read is logged and shown, and treated as
// "no tokens": it never deletes anything, and is tried again later.
func (e *environment) load() {
	name := e.cfg.Name
	release := e.m.storeSlot()
	secret, secretErr := e.m.store.LoadSecret(name)
	stored, tokErr := e.m.store.LoadTokens(name)
	release()
	now := e.m.clock.Now()
	if from, to := storedOrigin(stored), e.configuredOrigin(); tokErr == nil && from != "" && to != "" && from != to && e.cfg.Issuer == "" {
		// Tokens of an endpoint the config no longer names: never sent there.
		e.forgetMovedTokens(from, to)
		stored = nil
	}
	var key *dpopKey
	if tokErr == nil && stored != nil && stored.DPoPKey != nil {
		if !e.cfg.DPoP {
			// Bound to a key the config no longer sends proofs with.
			e.forgetTokens(dpopTurnedOff)
			stored = nil
		} else if key, tokErr = parseDPoPKey(stored.DPoPKey); tokErr != nil {
			tokErr = fmt.Errorf("the DPoP key kept with the tokens is %w", tokErr) // left as is, like any unreadable item
			stored = nil
		}
	}

	e.mu.Lock()
	e.loaded = true
	if secretErr == nil && secret.Value != "" && e.secret == "" {
		e.secret, e.secretOrigin = secret.Value, secret.Origin
		e.secretUnfit = secretProblem(e.cfg, e.secret)
	}
	e.loadErr = nil
	if secretErr != nil {
		e.loadErr = fmt.Errorf("read client secret: %w", secretErr)
	}
	if tokErr != nil {
		e.loadErr = fmt.Errorf("read saved tokens: %w", tokErr)
	}
	e.reloadAt = now.Add(reloadEvery)
	if tokErr == nil && stored != nil && e.tok == nil {
		e.tok = &tokenSet{
			access:    Secret(stored.AccessToken),
			refresh:   Secret(stored.RefreshToken),
			tokenType: stored.TokenType,
			expiresAt: stored.ExpiresAt,
			issuedAt:  stored.IssuedAt,
			granted:   stored.Scopes,
			origin:    stored.Origin,
			dpop:      key,
		}
		if !stored.RefreshStarted.IsZero() && stored.RefreshToken != "" {
			// The last run died while a refresh was at the provider, which
			// may have replaced both tokens. Without the access token the
			// scheduler asks with the refresh token at once: it either still
			// works, or the user is told to log in.
			e.tok.access = ""
			e.interrupted = true
		}
		e.gen++
		e.planRefresh(now)
	}
	loadErr, interrupted := e.loadErr, e.interrupted
	e.mu.Unlock()

	if interrupted {
		e.m.log.Warn("the last run stopped during a refresh; checking the saved refresh token now", "env", name)
	}
	if loadErr != nil {
		e.m.log.Warn("keychain read failed; treating as signed out, nothing deleted", "env", name, "err", loadErr)
	}
	e.changed(EventState, "")
}

// storedOrigin is the origin stored tokens belong to, "" for none.
func storedOrigin(t *StoredTokens) string {
	if t == nil {
		return ""
	}
	return t.Origin
}

// interruptedRefresh explains a refresh token lost to a crash mid-refresh.
const interruptedRefresh = "tokentray stopped during a refresh after the provider had replaced the refresh token, so the new one was never saved"

// refreshTokenRejected explains an invalid_grant answer to a refresh.
const refreshTokenRejected = "the provider rejected the refresh token (revoked or expired)"

// changed publishes the environment's new status. What changed may move
// when background work is due, so the scheduler looks again too.
func (e *environment) changed(kind EventKind, msg string) {
	st := e.status(e.m.clock.Now())
	e.m.emit(Event{Kind: kind, Env: e.cfg.Name, Status: &st, Message: msg})
	e.m.reschedule()
}

// unconfigured reports what is missing, or "". e.mu must be held.
func (e *environment) unconfigured() string {
	switch {
	case e.cfg.ClientID == "":
		return "no client_id in the config"
	case e.cfg.NeedsSecret() && e.secret == "" && e.cfg.SecretIsPrivateKey():
		return fmt.Sprintf("no private key (auth_style = %q)", e.cfg.AuthStyle)
	case e.cfg.NeedsSecret() && e.secret == "":
		return "no client secret"
	case e.secretUnfit != "":
		return "the stored secret does not fit: " + e.secretUnfit
	case e.secretRefused != "":
		return e.secretRefused
	}
	return ""
}

// unconfiguredError is the error Token, Refresh and Login return while
// something is missing, with the step that fixes it; nil when configured.
// e.mu must be held.
func (e *environment) unconfiguredError() error {
	what := e.unconfigured()
	if what == "" {
		return nil
	}
	_, next := e.explain(StateUnconfigured)
	return &ActionError{Env: e.cfg.Name, Err: fmt.Errorf("%s: %w (%s)", e.cfg.Name, ErrUnconfigured, what), Next: *next}
}

// state derives the State. e.mu must be held.
func (e *environment) state(now time.Time) State {
	switch {
	case !e.loaded && e.m.Locked():
		return StateLocked
	case !e.loaded:
		// Not "unconfigured": the secret may well be in the store still
		// being read, and saying it is missing invites pasting it again.
		return StateLoading
	case e.unconfigured() != "":
		return StateUnconfigured
	case e.session != nil:
		return StateAuthorizing
	case e.flight != nil:
		return StateRefreshing
	case e.fatal != "":
		return StateError
	case e.needsLogin && e.cfg.Flow != config.FlowClientCredentials:
		// The refresh token is dead: the user must act even while the
		// access token lasts (Token still hands it out until then).
		return StateNeedsLogin
	case e.tok.validFor(now, 0):
		return StateValid
	case e.cfg.Flow == config.FlowClientCredentials:
		return StateExpired // fetched again on demand or by the scheduler
	case e.needsLogin || e.tok == nil || e.tok.refresh == "":
		return StateNeedsLogin
	default:
		return StateExpired
	}
}

// status builds the snapshot views read; it never copies a secret.
func (e *environment) status(now time.Time) Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := Status{
		Name:       e.cfg.Name,
		Preset:     e.cfg.Preset,
		Flow:       e.cfg.Flow,
		State:      e.state(now),
		Scopes:     slices.Clone(e.cfg.Scopes),
		Persistent: e.m.opts.StoreKind != "memory",
		Store:      e.m.opts.StoreKind,
		LastRead:   e.m.reads.last(e.cfg.Name),
		Guarded:    e.cfg.Guarded(),
		Held:       e.held,
		Proxy:      e.m.proxies.get(e.cfg.Name),
	}
	if st.Scopes == nil {
		st.Scopes = []string{}
	}
	if t := e.tok; t != nil {
		st.HasRefresh = t.refresh != ""
		if t.access != "" {
			st.TokenType = cmp.Or(t.tokenType, "Bearer")
		}
		if t.access != "" && !t.expiresAt.IsZero() {
			exp := t.expiresAt
			st.ExpiresAt = &exp
			if left := exp.Sub(now); left > 0 {
				st.ExpiresIn = int64(left / time.Second)
			}
			if !t.issuedAt.IsZero() {
				iss := t.issuedAt
				st.IssuedAt = &iss
			}
			st.Claims = parseClaims(t.access.Reveal())
		}
		if len(t.granted) > 0 {
			st.GrantedScopes = slices.Clone(t.granted)
			st.MissingScopes = e.missingScopes()
		}
	}
	if e.session != nil {
		info := e.session.info
		st.Login = &info
	}
	st.Error, st.Next = e.explain(st.State)
	st.Warning = e.warning()
	st.Waiting = e.waitingAt(now)
	if e.answer != nil {
		a := *e.answer
		st.ProviderAnswer = &a
	}
	st.RefreshFailing = st.State == StateValid && st.Next != nil && st.Next.Action == NextRetry
	return st
}

// explain says what went wrong and what the user can do, as a typed step
// each view words itself. e.mu must be held.
func (e *environment) explain(s State) (problem string, next *Next) {
	retryAt := func() *time.Time {
		t := e.retryAt
		return &t
	}
	switch s {
	case StateUnconfigured:
		what := e.unconfigured()
		if e.cfg.ClientID == "" {
			return what, &Next{Action: NextEditConfig, Key: "client_id"}
		}
		if e.cfg.SecretIsPrivateKey() {
			return what, &Next{Action: NextSetSecret, Key: "private_key"}
		}
		return what, &Next{Action: NextSetSecret}
	case StateNeedsLogin:
		if e.needsLogin {
			problem = refreshTokenRejected
			if e.interrupted {
				problem = interruptedRefresh
			}
		}
		if problem == "" {
			problem = e.loginFailed // said until the next login starts
		}
		if problem == "" {
			problem = e.moved // said until the next login
		}
		return problem, &Next{Action: NextLogin}
	case StateError:
		return e.fatal, &Next{Action: NextCheckCredentials}
	case StateExpired:
		if e.lastErr != "" {
			return e.lastErr, &Next{Action: NextCheckNetwork, RetryAt: retryAt()}
		}
		return "", &Next{Action: NextRefresh}
	case StateValid:
		if e.lastErr != "" {
			return e.lastErr, &Next{Action: NextRetry, RetryAt: retryAt()}
		}
		if more := e.scopesToAskFor(); len(more) > 0 {
			return "", &Next{Action: NextReauthorize, Scopes: more}
		}
	case StateAuthorizing:
		return "", &Next{Action: NextWaitForBrowser}
	case StateLocked:
		return "the file store is locked", &Next{Action: NextUnlock}
	case StateLoading:
		return "reading its secret and tokens from the store", nil
	}
	return "", nil
}

// warning collects what the user should know even when things work. e.mu must be held.
func (e *environment) warning() string {
	var parts []string
	if e.m.opts.StoreProblem != "" {
		parts = append(parts, e.m.opts.StoreProblem)
	}
	if e.loadErr != nil {
		parts = append(parts, fmt.Sprintf("could not read the keychain (%v); treated as signed out, nothing was deleted", e.loadErr))
	}
	if e.unsaved && e.saveErr != "" {
		parts = append(parts, fmt.Sprintf("could not save tokens to the keychain (%s); they are kept in memory and the save is retried", e.saveErr))
	}
	if e.tok != nil && e.tok.expiryGuessed {
		parts = append(parts, "the provider did not say when the token expires; assuming one hour")
	}
	return strings.Join(parts, "; ")
}
