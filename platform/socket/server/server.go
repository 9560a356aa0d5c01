package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// Limits bound what one client can cost the server, so junk, huge
// headers or a slow client cannot stall or crash it.
type Limits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	// WriteTimeout must outlast RequestTimeout: a token read may wait for
	// a refresh at the provider. /v1/events uses EventWriteTimeout instead.
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	RequestTimeout time.Duration // how long an engine call may take before 504 timeout
	MaxHeaderBytes int
	MaxBodyBytes   int64
	KeepAlive      time.Duration // comment lines on /v1/events
	// EventWriteTimeout bounds each write of /v1/events: a subscriber
	// that stops reading is dropped once its socket buffer is full.
	EventWriteTimeout time.Duration
	MaxConns          int // open connections; see connCap
	MaxSubscribers    int // concurrent /v1/events streams; more get 503
}

// DefaultLimits are used for every zero field.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       10 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       2 * time.Minute,
	RequestTimeout:    45 * time.Second,
	MaxHeaderBytes:    16 << 10,
	MaxBodyBytes:      64 << 10,
	KeepAlive:         15 * time.Second,
	EventWriteTimeout: 10 * time.Second,
	MaxConns:          256,
	MaxSubscribers:    64,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	pick(&l.ReadTimeout, d.ReadTimeout)
	pick(&l.WriteTimeout, d.WriteTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	pick(&l.RequestTimeout, d.RequestTimeout)
	pick(&l.KeepAlive, d.KeepAlive)
	pick(&l.EventWriteTimeout, d.EventWriteTimeout)
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	if l.MaxSubscribers <= 0 {
		l.MaxSubscribers = d.MaxSubscribers
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	return l
}

// Server is the engine's HTTP API on the local socket (DESIGN.md,
// "Socket"). It only reads engine state and calls engine methods.
type Server struct {
	m      *manager.Manager
	log    *slog.Logger
	limits Limits
	srv    *http.Server
	// capped is the listener of Serve, counting connections; nil before.
	capped      atomic.Pointer[connCap]
	subscribers atomic.Int64 // open /v1/events streams
	// stop ends /v1/events streams on Shutdown, which would otherwise wait
	// for them forever.
	stop    context.Context
	stopAll context.CancelFunc

	// host is what only the host process has (clipboard, window,
	// autostart) and where its config file is; see host.go.
	host hostState
	// proxied are the programs `tokentray proxy` processes were found
	// to read for (proxied.go).
	proxied proxiedReaders
}

// NewServer serves m. A nil logger means slog.Default().
func NewServer(m *manager.Manager, log *slog.Logger, limits Limits) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{m: m, log: log, limits: limits.withDefaults()}
	s.stop, s.stopAll = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		ReadTimeout:       s.limits.ReadTimeout,
		WriteTimeout:      s.limits.WriteTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		MaxHeaderBytes:    s.limits.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext:       connContext, // who is on each connection (reads.go)
		ConnState: func(c net.Conn, st http.ConnState) {
			if cc, ok := c.(*cappedConn); ok {
				cc.owner.connState(c, st)
			}
		},
	}
	s.srv.RegisterOnShutdown(s.stopAll)
	return s
}

// Serve answers on l (from Listen) until Shutdown; then it returns nil.
// At most MaxConns connections are open at once (see connCap).
func (s *Server) Serve(l net.Listener) error {
	capped := newConnCap(l, s.limits.MaxConns, s.limits.MaxHeaderBytes, s.log)
	s.capped.Store(capped)
	err := s.srv.Serve(capped)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, ends event streams and waits for running
// requests until ctx ends. The listener's socket file is removed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopAll()
	return s.srv.Shutdown(ctx)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// The path without a method catches every method not registered for
	// it, so a 405 is JSON like every other error.
	notAllowed := func(pattern, allow, use string) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			WriteError(w, http.StatusMethodNotAllowed, socket.CodeMethodNotAllowed,
				fmt.Sprintf("%s %s is not supported; use %s", r.Method, r.URL.Path, use))
		})
	}
	handle := func(method, pattern string, h http.HandlerFunc) {
		mux.HandleFunc(method+" "+pattern, h)
		allow := method
		if method == http.MethodGet {
			allow = "GET, HEAD"
		}
		notAllowed(pattern, allow, method)
	}
	handle("GET", "/v1/environments", s.listEnvironments)
	mux.HandleFunc("GET /v1/environments/{name}", s.getEnvironment)
	mux.HandleFunc("PUT /v1/environments/{name}", s.putEnvironment)
	mux.HandleFunc("DELETE /v1/environments/{name}", s.deleteEnvironment)
	notAllowed("/v1/environments/{name}", "GET, HEAD, PUT, DELETE", "GET, PUT or DELETE")
	handle("GET", "/v1/environments/{name}/config", s.environmentConfig)
	handle("POST", "/v1/environments/{name}/copy", s.copyToken)
	handle("GET", "/v1/presets", s.presets)
	mux.HandleFunc("GET /v1/settings", s.getSettings)
	mux.HandleFunc("PUT /v1/settings", s.putSettings)
	notAllowed("/v1/settings", "GET, HEAD, PUT", "GET or PUT")
	handle("POST", "/v1/window", s.openWindow)
	handle("GET", "/v1/host", s.hostInfo)
	handle("POST", "/v1/unlock", s.unlock)       // unlock.go
	handle("POST", "/v1/handover", s.handoverTo) // host.go
	handle("GET", "/v1/environments/{name}/token", s.token)
	handle("GET", "/v1/environments/{name}/reads", s.reads) // reads.go
	handle("POST", "/v1/environments/{name}/refresh", s.refresh)
	handle("POST", "/v1/environments/{name}/logout", s.logout)
	handle("PUT", "/v1/environments/{name}/secret", s.setSecret)
	handle("GET", "/v1/events", s.events)
	// login: POST starts it, DELETE cancels it (the CLI on Ctrl-C).
	mux.HandleFunc("POST /v1/environments/{name}/login", s.login)
	mux.HandleFunc("DELETE /v1/environments/{name}/login", s.cancelLogin)
	notAllowed("/v1/environments/{name}/login", "POST, DELETE", "POST or DELETE")
	handle("POST", "/v1/environments/{name}/login/complete", s.completeLogin) // login_complete.go
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, socket.CodeNotFound, fmt.Sprintf("no such endpoint: %s", r.URL.Path))
	})
	return s.middleware(mux)
}

// middleware caps request bodies and, at debug level, logs each request:
// method, path and status only, never a query value or a body. Token reads
// are the hot path, so it costs nothing more when debug is off.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, s.limits.MaxBodyBytes)
		}
		if r.URL.Path == "" || r.URL.Path[0] != '/' {
			// "GET *" and the like: ServeMux would answer a bare-text 400.
			WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, "the request target must be a path such as /v1/environments")
			return
		}
		if clean := cleanPath(r.URL.Path); clean != r.URL.Path {
			// ServeMux would answer an HTML redirect to the clean path.
			WriteError(w, http.StatusBadRequest, socket.CodeBadRequest,
				fmt.Sprintf("the path %s has '..', '.' or '//' in it; use %s", config.Printable(r.URL.Path, 0), config.Printable(clean, 0)))
			return
		}
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.log.Debug("socket request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
	})
}

// cleanPath is the path ServeMux would redirect p to: path.Clean, keeping
// a trailing slash.
func cleanPath(p string) string {
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, WireStatuses(s.m.Environments()))
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request) {
	st, err := s.m.Status(r.PathValue("name"))
	if err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, WireStatus(st))
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	minValid, err := parseMinValid(q.Get("min_valid"))
	if err != nil {
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, err.Error())
		return
	}
	s.readWith(w, r, q, manager.ReadRequest{MinValid: minValid})
}

// readWith answers a token read (GET token, POST refresh) through the
// engine's one read path (guard, token, read log), with what its query q
// adds to req: the request a DPoP proof is for, and the connection a proxy
// reads for (the reader is then the program the proxy reads for, else the
// caller).
func (s *Server) readWith(w http.ResponseWriter, r *http.Request, q url.Values, req manager.ReadRequest) {
	proof, err := proofRequest(q)
	if err != nil {
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, err.Error())
		return
	}
	proxied, err := proxiedConn(q) // proxied.go
	if err != nil {
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, err.Error())
		return
	}
	req.Proof = proof
	req.Reader = callerOf(r)
	if proxied != nil {
		req.Via = manager.ViaProxy
		if req.Reader, err = s.proxiedReader(callerConn(r), *proxied); err != nil {
			WriteError(w, http.StatusForbidden, socket.CodeUnverifiedCaller, err.Error())
			return
		}
	}
	if t, ok := s.readToken(w, r, r.PathValue("name"), req); ok {
		writeJSON(w, http.StatusOK, WireToken(t, time.Now()).WireJSON())
	}
}

// proofRequest reads ?htm=METHOD&htu=URL[&dpop_nonce=N]: the request a
// DPoP-bound token is for, whose proof the answer carries; nil without.
func proofRequest(q url.Values) (*manager.ProofRequest, error) {
	htm, htu, nonce := q.Get("htm"), q.Get("htu"), q.Get("dpop_nonce")
	if htm == "" && htu == "" && nonce == "" {
		return nil, nil
	}
	if htm == "" || htu == "" {
		return nil, errors.New("htm and htu go together: ?htm=GET&htu=https://api.example.com/v1/things names the request the DPoP proof is for")
	}
	p := &manager.ProofRequest{Method: htm, URL: htu, Nonce: nonce}
	return p, p.Check()
}

// readToken reads name's token for req.Reader; on failure it has
// answered and returns false. A guarded read may wait up to a minute for
// the user's answer, so the server's deadlines are lifted for the engine
// call (the read deadline would cancel the request) and the write
// deadline set again after it.
func (s *Server) readToken(w http.ResponseWriter, r *http.Request, name string, req manager.ReadRequest) (manager.Token, bool) {
	restore := liftDeadlines(w)
	req.Timeout = s.limits.RequestTimeout
	t, err := s.m.Read(r.Context(), name, req)
	restore(s.limits.WriteTimeout)
	if err != nil {
		s.writeEngineError(w, r, err)
		return manager.Token{}, false
	}
	return t, true
}

// guardAnswerTime is how long the user may take to answer a question of
// the guard (the host's guard gives up after a minute).
const guardAnswerTime = time.Minute

// liftDeadlines lifts the server's read and write deadlines of w's
// connection while a handler may wait for the user's answer to a guarded
// request (the read deadline would cancel the request); restore sets the
// write deadline again for the answer.
func liftDeadlines(w http.ResponseWriter) (restore func(write time.Duration)) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	return func(write time.Duration) { _ = rc.SetWriteDeadline(time.Now().Add(write)) }
}

// maxMinValid is the longest min_valid a read may ask for.
const maxMinValid = 24 * time.Hour

// parseMinValid reads min_valid: a Go duration ("30s", "5m") or whole seconds.
func parseMinValid(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	shown := config.Printable(v, 40)
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, serr := strconv.ParseInt(v, 10, 64)
		if serr != nil {
			return 0, fmt.Errorf("min_valid %q is not a duration such as 30s or 5m", shown)
		}
		// Compare in seconds: converting first would overflow
		// (18446744074 seconds wraps to about 0.3 s).
		if secs > int64(maxMinValid/time.Second) {
			return 0, fmt.Errorf("min_valid %q is longer than a day", shown)
		}
		d = time.Duration(secs) * time.Second
	}
	if d < 0 {
		return 0, fmt.Errorf("min_valid %q is negative", shown)
	}
	if d > maxMinValid {
		return 0, fmt.Errorf("min_valid %q is longer than a day", shown)
	}
	return d, nil
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	s.readWith(w, r, r.URL.Query(), manager.ReadRequest{Force: true})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var body socket.LoginRequest
	if !readOptionalJSON(w, r, &body) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.limits.RequestTimeout)
	defer cancel()
	login := s.m.Login
	if body.OpenBrowser {
		login = s.m.Authorize
	}
	info, err := login(ctx, r.PathValue("name"))
	if err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireLogin(info))
}

func (s *Server) cancelLogin(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := s.m.Status(name); err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	s.m.CancelLogin(name)
	s.writeStatus(w, r, name)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	restore := liftDeadlines(w)
	ctx, cancel := context.WithTimeout(r.Context(), s.limits.RequestTimeout+guardAnswerTime)
	defer cancel()
	var err error
	if s.m.Guarded(name) {
		err = s.m.Confirm(ctx, manager.Question{Env: name, Reader: callerOf(r), Action: manager.ActionSignOut,
			Detail: "its tokens are revoked and forgotten"})
	}
	if err == nil {
		err = s.m.Logout(ctx, name)
	}
	restore(s.limits.WriteTimeout)
	if err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	s.writeStatus(w, r, name)
}

// setSecret takes the client secret as the raw request body, so that
// `tokentray secret set` takes effect at once in the running app.
func (s *Server) setSecret(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			WriteError(w, http.StatusRequestEntityTooLarge, socket.CodeTooLarge,
				fmt.Sprintf("the secret is longer than %d bytes", tooBig.Limit))
			return
		}
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, "could not read the request body")
		return
	}
	if len(body) == 0 {
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, "the request body (the client secret) is empty")
		return
	}
	name := r.PathValue("name")
	if err := s.m.SetSecret(name, manager.Secret(body)); err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	s.writeStatus(w, r, name)
}

func (s *Server) writeStatus(w http.ResponseWriter, r *http.Request, name string) {
	st, err := s.m.Status(name)
	if err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, WireStatus(st))
}

// events streams engine events as server-sent events:
// "event: <kind>\ndata: <json>\n\n", with a comment line every KeepAlive.
// ?env=NAME keeps only that environment's events.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	// Each stream holds a goroutine, buffers and a queue: cap them.
	defer s.subscribers.Add(-1)
	if n := s.subscribers.Add(1); n > int64(s.limits.MaxSubscribers) {
		w.Header().Set("Connection", "close")
		WriteError(w, http.StatusServiceUnavailable, socket.CodeTooManySubscribers,
			fmt.Sprintf("too many event streams are open (at most %d); close one and try again", s.limits.MaxSubscribers))
		return
	}

	rc := http.NewResponseController(w)
	// A stream outlives the server's read and write timeouts: lift both
	// (the read deadline, left alone, would cancel the request), and
	// bound each write (EventWriteTimeout) so a reader that stops
	// reading is dropped.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	only := r.URL.Query().Get("env")

	ch, unsubscribe := s.m.Subscribe()
	defer unsubscribe()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	write := func(chunk string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.limits.EventWriteTimeout))
		if _, err := io.WriteString(w, chunk); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The first comment tells the client it is subscribed: nothing that
	// happens after this can be missed.
	if !write(": subscribed\n\n") {
		return
	}
	keepAlive := time.NewTicker(s.limits.KeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.stop.Done():
			return
		case <-keepAlive.C:
			if !write(": keep-alive\n\n") {
				return
			}
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if only != "" && ev.Env != only {
				continue
			}
			data, err := json.Marshal(wireEvent(ev))
			if err != nil {
				s.log.Error("encode event", "kind", ev.Kind, "env", ev.Env, "error", err)
				continue
			}
			if !write("event: " + sseField(string(ev.Kind)) + "\ndata: " + string(data) + "\n\n") {
				return
			}
		}
	}
}

// sseField keeps a value on one line of the event stream.
func sseField(v string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(v)
}

// writeEngineError maps engine errors to the socket's error codes.
func (s *Server) writeEngineError(w http.ResponseWriter, r *http.Request, err error) {
	a := APIErrorOf(err)
	if a.Status >= 500 {
		// Engine errors name environments and providers, never tokens.
		s.log.Warn("socket request failed", "method", r.Method, "path", r.URL.Path, "code", a.Code, "error", err)
	}
	writeJSON(w, a.Status, a)
}

// APIErrorOf is the engine's err as the socket answers it: the host's
// local proxies answer their callers with it, as `tokentray proxy` does
// with what the socket said.
func APIErrorOf(err error) *socket.APIError {
	status, code := engineErrorStatus(err)
	out := &socket.APIError{Status: status, Code: code, Message: engineErrorMessage(err)}
	var pe *manager.ProviderError
	if code == socket.CodeProviderError && errors.As(err, &pe) {
		out.Summary = pe.Summary()
	}
	return out
}

func engineErrorStatus(err error) (int, string) {
	var pe *manager.ProviderError
	switch {
	case errors.Is(err, manager.ErrUnknownEnvironment):
		return http.StatusNotFound, socket.CodeUnknownEnvironment
	case errors.Is(err, manager.ErrDenied):
		return http.StatusForbidden, socket.CodeDenied
	case errors.Is(err, manager.ErrNeedsLogin):
		return http.StatusConflict, socket.CodeNeedsLogin
	case errors.Is(err, manager.ErrInvalidSecret) && !errors.Is(err, manager.ErrUnconfigured):
		return http.StatusBadRequest, socket.CodeInvalidSecret // refused by SetSecret: nothing stored
	case errors.Is(err, manager.ErrUnconfigured):
		return http.StatusConflict, socket.CodeUnconfigured
	case errors.Is(err, manager.ErrLoginInProgress):
		return http.StatusConflict, socket.CodeLoginInProgress
	case errors.Is(err, manager.ErrLoginCanceled):
		return http.StatusConflict, socket.CodeLoginCanceled
	case errors.Is(err, manager.ErrLocked):
		return http.StatusConflict, socket.CodeLocked
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, socket.CodeTimeout
	case errors.As(err, &pe):
		return http.StatusBadGateway, socket.CodeProviderError
	default:
		return http.StatusInternalServerError, socket.CodeInternal
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, socket.CodeInternal, "could not encode the answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// WriteError answers as the socket does: {"error": code, "message": msg}
// (the local proxy answers its own errors the same way).
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, socket.APIError{Code: code, Message: msg})
}
