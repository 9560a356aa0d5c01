package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/tokentray/tokentray/manager"
)

// HostHooks are what only the host process has: the clipboard, the
// window and autostart. A nil func means "this host has none" (a daemon):
// the endpoint answers 409 no_clipboard, no_window or no_autostart.
type HostHooks struct {
	// Copy puts text on the clipboard and clears it later; clearsIn is
	// how long it stays there.
	Copy func(text string) (clearsIn time.Duration, err error)
	// OpenWindow opens the window, or raises it when it is open.
	OpenWindow func() error
	// Autostart reads (on == nil) or sets whether tokentray starts at
	// login, and returns the state after the call.
	Autostart func(on *bool) (bool, error)
	// Tray is true when the host shows a tray icon.
	Tray bool
	// Confirm asks the user whether reader may read env's token (guard =
	// "confirm"): nil error = allowed, a *DeniedError otherwise. nil: no
	// one to ask (a daemon), guarded reads are denied. See guard.go.
	Confirm func(ctx context.Context, env string, reader Reader) error
}

// hostState is what the host tells the server before Serve.
type hostState struct {
	mu         sync.Mutex
	hooks      HostHooks
	configPath string
	// write serialises config file edits (PUT, DELETE, settings), so two
	// edits never read the same file and drop each other's change.
	write sync.Mutex
}

// SetHostHooks gives the server what only the host has. Call it before
// Serve; without it the server is a daemon's (no clipboard, no window).
func (s *Server) SetHostHooks(h HostHooks) {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	s.host.hooks = h
}

// SetConfigPath names the config file that PUT and DELETE of an
// environment and PUT /v1/settings edit. Call it before Serve; without it
// those answer 409 no_config_file.
func (s *Server) SetConfigPath(path string) {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	s.host.configPath = path
}

func (s *Server) hooks() HostHooks {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	return s.host.hooks
}

func (s *Server) configPath() string {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	return s.host.configPath
}

func (s *Server) hostInfo(w http.ResponseWriter, r *http.Request) {
	h := s.hooks()
	// The store is the engine's; every environment's status says whether
	// it persists. With none configured, say what a status would say.
	keychain := true
	if envs := s.m.Environments(); len(envs) > 0 {
		keychain = envs[0].Persistent
	}
	writeJSON(w, http.StatusOK, HostInfo{
		Clipboard:  h.Copy != nil,
		Tray:       h.Tray,
		Window:     h.OpenWindow != nil,
		Keychain:   keychain,
		ConfigPath: s.configPath(),
	})
}

func (s *Server) openWindow(w http.ResponseWriter, r *http.Request) {
	h := s.hooks()
	if h.OpenWindow == nil {
		writeError(w, http.StatusConflict, CodeNoWindow, "this tokentray has no window (it runs as `tokentray daemon`); start `tokentray` on the desktop for one")
		return
	}
	if err := h.OpenWindow(); err != nil {
		s.log.Warn("open window", "error", err)
		writeError(w, http.StatusInternalServerError, CodeInternal, fmt.Sprintf("could not open the window: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// copyBody is the body of POST .../copy.
type copyBody struct {
	Format string `json:"format"` // "raw" (default) or "header"
}

// copyMinValid is how long a copied token stays valid at least.
const copyMinValid = time.Minute

func (s *Server) copyToken(w http.ResponseWriter, r *http.Request) {
	var body copyBody
	if !readOptionalJSON(w, r, &body) {
		return
	}
	switch body.Format {
	case "", "raw", "header":
	default:
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("format %q is not raw or header", printable(body.Format)))
		return
	}
	name := r.PathValue("name")
	if _, err := s.m.Status(name); err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	h := s.hooks()
	if h.Copy == nil {
		writeError(w, http.StatusConflict, CodeNoClipboard, "this tokentray has no clipboard (it runs as `tokentray daemon`); use `tokentray token "+name+"` instead")
		return
	}
	if !s.checkGuard(w, r, name) { // guard.go
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.limits.RequestTimeout)
	defer cancel()
	t, refreshed, err := s.m.TokenRead(ctx, name, copyMinValid)
	if err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	s.recordRead(r, name, refreshed) // the reader is whoever asked for the copy (the window)
	text := t.AccessToken.Reveal()
	if body.Format == "header" {
		text = manager.AuthorizationHeader(t.TokenType, text)
	}
	clearsIn, err := h.Copy(text)
	if err != nil {
		s.log.Warn("copy to the clipboard", "env", name, "error", err)
		writeError(w, http.StatusInternalServerError, CodeInternal, fmt.Sprintf("could not copy to the clipboard: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, CopyAnswer{ClearsIn: int64((clearsIn + time.Second/2) / time.Second)})
}

// readBody reads a request body within MaxBodyBytes; on failure it has
// answered and returns false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge,
				fmt.Sprintf("the request body is longer than %d bytes", tooBig.Limit))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, CodeBadRequest, "could not read the request body")
		return nil, false
	}
	return data, true
}

// readOptionalJSON decodes a JSON object body into v, strictly (unknown
// fields are an error); an empty body leaves v as it is.
func readOptionalJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	data, ok := readBody(w, r)
	if !ok {
		return false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("the request body is not the JSON object this endpoint takes: %s", printable(err.Error())))
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "the request body has more than one JSON value")
		return false
	}
	return true
}
