package server

import (
	"errors"
	"net/http"

	"github.com/tokentray/tokentray/platform/socket"
)

// Errors an unlocker returns (the host's, host/store.go).
var (
	ErrWrongPassphrase = errors.New("wrong passphrase")
	ErrNotLocked       = errors.New("nothing is locked")
)

// SetUnlocker gives the server what POST /v1/unlock calls with the
// passphrase: it opens the file store and hands it to the engine. Without
// one, nothing can be unlocked (409 not_locked).
func (s *Server) SetUnlocker(unlock func(passphrase []byte) error) {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	s.host.unlock = unlock
}

// unlock is POST /v1/unlock: the body is the file store's passphrase.
func (s *Server) unlock(w http.ResponseWriter, r *http.Request) {
	pass, ok := readBody(w, r)
	if !ok {
		return
	}
	defer clear(pass)
	if len(pass) == 0 {
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, "the request body (the passphrase) is empty")
		return
	}
	s.host.mu.Lock()
	unlock := s.host.unlock
	s.host.mu.Unlock()
	err := ErrNotLocked
	if unlock != nil {
		err = unlock(pass)
	}
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, struct{}{})
	case errors.Is(err, ErrNotLocked):
		WriteError(w, http.StatusConflict, socket.CodeNotLocked, "nothing is locked: this tokentray does not use the file store, or it is open already")
	case errors.Is(err, ErrWrongPassphrase):
		WriteError(w, http.StatusForbidden, socket.CodeWrongPassphrase, "the passphrase does not open the file store; nothing was changed")
	default:
		s.log.Warn("unlock the file store", "error", err)
		WriteError(w, http.StatusInternalServerError, socket.CodeInternal, printableErr(err))
	}
}
