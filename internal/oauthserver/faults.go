package oauthserver

import (
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// HookFunc sees a /token request before the library does (r.PostForm is
// already parsed). Returning true means the hook wrote the answer (or
// dropped the connection) and the request is done.
type HookFunc func(w http.ResponseWriter, r *http.Request) bool

// faultState holds the injected faults (guarded by Server.mu).
type faultState struct {
	failN         int
	failStatus    int
	delay         time.Duration
	hook          HookFunc
	deny          bool
	omitExpiresIn bool
}

// FailNext makes the next n /token requests answer status with an OAuth
// JSON error body, without reaching the library (so no code or refresh
// token is consumed).
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// SetTokenDelay delays every /token answer by d (0 turns it off). A client
// that gives up, or Close, ends the wait.
func (s *Server) SetTokenDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Hook puts fn in front of /token (after the delay, before FailNext and the
// library); nil removes it. See Times, ResetConnection, MalformedJSON, Respond.
func (s *Server) Hook(fn func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

// DenyAuthorization makes /authorize redirect with error=access_denied
// (and the state) as if the user clicked "deny".
func (s *Server) DenyAuthorization(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = deny
}

// OmitExpiresIn drops expires_in from successful token answers, like
// providers that leave it out.
func (s *Server) OmitExpiresIn(omit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.omitExpiresIn = omit
}

// applyFaults runs delay, hook and FailNext; false means the request is answered.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	delay, hook := s.delay, s.hook
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		case <-s.closing:
			writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "server closing")
			return false
		}
	}
	if hook != nil && hook(w, r) {
		return false
	}

	s.mu.Lock()
	status := 0
	if s.failN > 0 {
		s.failN--
		status = s.failStatus
	}
	s.mu.Unlock()
	if status != 0 {
		writeOAuthError(w, status, errorCodeFor(status), fmt.Sprintf("injected fault: HTTP %d", status))
		return false
	}
	return true
}

// errorCodeFor picks the OAuth error code a provider would send with status.
func errorCodeFor(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_client"
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request"
	}
}

// Times applies fn to the next n requests it sees, then lets requests pass.
func Times(n int, fn HookFunc) HookFunc {
	var seen atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) bool {
		if seen.Add(1) > int64(n) {
			return false
		}
		return fn(w, r)
	}
}

// ResetConnection drops the TCP connection with a reset and no answer.
func ResetConnection(w http.ResponseWriter, _ *http.Request) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "connection cannot be hijacked")
		return true
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return true
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // RST instead of FIN
	}
	_ = conn.Close()
	return true
}

// MalformedJSON answers 200 with a truncated JSON body.
func MalformedJSON(w http.ResponseWriter, _ *http.Request) bool {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"access_token":"truncated`))
	return true
}

// Respond answers with status, a JSON content type and body as given.
func Respond(status int, body string) HookFunc {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	}
}
