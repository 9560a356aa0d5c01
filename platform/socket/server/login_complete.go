package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// completeLogin finishes a running authorization code login with the URL
// the user pasted (the only way to finish one whose redirect_uri is not
// loopback). It answers the environment's status once the tokens are
// stored. A wrong state or unusable text is 400 and leaves the login
// running; a pasted error response (access_denied) ends it: 502.
func (s *Server) completeLogin(w http.ResponseWriter, r *http.Request) {
	var body socket.CompleteLoginRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			WriteError(w, http.StatusRequestEntityTooLarge, socket.CodeTooLarge,
				fmt.Sprintf("the request body is longer than %d bytes", tooBig.Limit))
			return
		}
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, `the request body must be JSON: {"url": "<the URL the browser ended on, or the code>"}`)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.limits.RequestTimeout)
	defer cancel()
	name := r.PathValue("name")
	if err := s.m.CompleteLogin(ctx, name, body.URL); err != nil {
		switch {
		case errors.Is(err, manager.ErrStateMismatch):
			WriteError(w, http.StatusBadRequest, socket.CodeStateMismatch, err.Error())
		case errors.Is(err, manager.ErrUnusablePaste):
			WriteError(w, http.StatusBadRequest, socket.CodeInvalidPaste, err.Error())
		case errors.Is(err, manager.ErrNoLoginRunning):
			WriteError(w, http.StatusConflict, socket.CodeNoLoginRunning, err.Error())
		default:
			s.writeEngineError(w, r, err)
		}
		return
	}
	s.writeStatus(w, r, name)
}
