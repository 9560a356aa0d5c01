package socket

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"
)

// CodeDenied is the error code of a read of a guarded environment
// (guard = "confirm") that the user did not allow: HTTP 403.
const CodeDenied = "denied"

// Reader is the process behind a token read, from the kernel's peer
// credentials of its connection and /proc (Exe is "" where the platform
// does not say).
type Reader struct {
	PID     int32
	UID     uint32
	Exe     string
	Cmdline string
}

// String names the reader for people: "curl (pid 4242)".
func (r Reader) String() string {
	name := "an unknown program"
	if r.Exe != "" {
		name = filepath.Base(r.Exe)
	}
	if r.PID > 0 {
		return fmt.Sprintf("%s (pid %d)", name, r.PID)
	}
	return name
}

// DeniedError is why a read of a guarded environment was not allowed.
// Reason is said to the reader as it is (one sentence, no period).
type DeniedError struct {
	Env    string
	Reader Reader
	Reason string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("%s was denied a token of %s: %s", e.Reader, e.Env, e.Reason)
}

// NoOneToAsk is the reason a host without notifications (a daemon) gives.
const NoOneToAsk = "it is guarded (guard = \"confirm\") and there is no one to ask: tokentray runs as a daemon without notifications"

// checkGuard lets a token, refresh or copy request of env through when
// env is not guarded or the host's Confirm allows the reader; otherwise
// it answers 403 denied and returns false. Nothing in the request can
// approve it: only Confirm (the user, in a notification) can.
func (s *Server) checkGuard(w http.ResponseWriter, r *http.Request, env string) bool {
	if !s.m.Guarded(env) {
		return true // unguarded, or unknown: the engine answers 404
	}
	rd := readerOf(r)
	reader := Reader{PID: rd.PID, UID: rd.UID, Exe: rd.Exe, Cmdline: rd.Cmdline}
	confirm := s.hooks().Confirm
	if confirm == nil {
		s.deny(w, &DeniedError{Env: env, Reader: reader, Reason: NoOneToAsk})
		return false
	}
	// The user may take up to a minute to answer: lift the server's
	// read deadline (which would cancel the request) and write deadline
	// while Confirm waits, then give the engine call its usual time.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	err := confirm(r.Context(), env, reader)
	_ = rc.SetWriteDeadline(time.Now().Add(s.limits.WriteTimeout))
	if err == nil {
		return true
	}
	var de *DeniedError
	if !errors.As(err, &de) {
		de = &DeniedError{Env: env, Reader: reader, Reason: "could not ask: " + printable(err.Error())}
	}
	s.deny(w, de)
	return false
}

func (s *Server) deny(w http.ResponseWriter, e *DeniedError) {
	s.log.Info("guarded read denied", "env", e.Env, "pid", e.Reader.PID, "exe", e.Reader.Exe, "reason", e.Reason)
	writeError(w, http.StatusForbidden, CodeDenied, e.Error())
}
