package server

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

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
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
	// OpenAddForm opens the window on the Add environment form (POST
	// /v1/window {"form":"add"}).
	OpenAddForm func() error
	// Autostart reads (on == nil) or sets whether tokentray starts at
	// login, and returns the state after the call.
	Autostart func(on *bool) (bool, error)
	// Tray is true when the host shows a tray icon.
	Tray bool
}

// ConfigEditor changes the config file and applies it: the host's one
// path for config edits (host/config_file.go). who is the caller, for the
// guard: a change that lowers or moves a guarded environment is asked
// first, and refused with a *manager.DeniedError.
type ConfigEditor interface {
	Path() string
	PutEnvironment(ctx context.Context, who manager.Reader, e config.Environment) error
	DeleteEnvironment(ctx context.Context, who manager.Reader, name string) error
	PutSettings(ctx context.Context, who manager.Reader, s config.Settings) error
}

// hostState is what the host tells the server before Serve.
type hostState struct {
	mu       sync.Mutex
	hooks    HostHooks
	editor   ConfigEditor
	unlock   func(passphrase []byte) error
	handover func() error
}

// SetHandover lets a daemon hand over to a desktop start (POST
// /v1/handover): handover makes it stop serving and exit, everything
// saved, so the desktop app can take the socket.
func (s *Server) SetHandover(handover func() error) {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	s.host.handover = handover
}

// handoverTo is POST /v1/handover.
func (s *Server) handoverTo(w http.ResponseWriter, r *http.Request) {
	s.host.mu.Lock()
	handover := s.host.handover
	s.host.mu.Unlock()
	if handover == nil {
		WriteError(w, http.StatusConflict, socket.CodeNoHandover, "this tokentray does not hand over: it is the desktop app, or it keeps tokens in memory only (they would be lost)")
		return
	}
	if err := handover(); err != nil {
		WriteError(w, http.StatusConflict, socket.CodeNoHandover, printableErr(err))
		return
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}

// SetHostHooks gives the server what only the host has. Call it before
// Serve; without it the server is a daemon's (no clipboard, no window).
func (s *Server) SetHostHooks(h HostHooks) {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	s.host.hooks = h
}

// SetConfigEditor gives the server the config file's editor for PUT and
// DELETE of an environment and PUT /v1/settings. Call it before Serve;
// without it those answer 409 no_config_file.
func (s *Server) SetConfigEditor(ed ConfigEditor) {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	s.host.editor = ed
}

func (s *Server) hooks() HostHooks {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	return s.host.hooks
}

func (s *Server) editor() ConfigEditor {
	s.host.mu.Lock()
	defer s.host.mu.Unlock()
	return s.host.editor
}

func (s *Server) hostInfo(w http.ResponseWriter, r *http.Request) {
	h := s.hooks()
	// The store is the engine's; every environment's status says whether
	// it persists. With none configured, say what a status would say.
	keychain := true
	if envs := s.m.Environments(); len(envs) > 0 {
		keychain = envs[0].Persistent
	}
	writeJSON(w, http.StatusOK, socket.HostInfo{
		Clipboard:  h.Copy != nil,
		Tray:       h.Tray,
		Window:     h.OpenWindow != nil,
		Keychain:   keychain,
		ConfigPath: configPathOf(s.editor()),
	})
}

func configPathOf(ed ConfigEditor) string {
	if ed == nil {
		return ""
	}
	return ed.Path()
}

func (s *Server) openWindow(w http.ResponseWriter, r *http.Request) {
	var body socket.WindowRequest
	if !readOptionalJSON(w, r, &body) {
		return
	}
	h := s.hooks()
	open := h.OpenWindow
	switch body.Form {
	case "":
	case socket.WindowFormAdd:
		open = h.OpenAddForm
	default:
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, fmt.Sprintf("form %q: the window opens on no such form; %q is the one it has", printable(body.Form), socket.WindowFormAdd))
		return
	}
	if open == nil {
		WriteError(w, http.StatusConflict, socket.CodeNoWindow, "this tokentray has no window (it runs as `tokentray daemon`); start `tokentray` on the desktop for one")
		return
	}
	if err := open(); err != nil {
		s.log.Warn("open window", "error", err)
		WriteError(w, http.StatusInternalServerError, socket.CodeInternal, fmt.Sprintf("could not open the window: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// copyMinValid is how long a copied token stays valid at least.
const copyMinValid = time.Minute

func (s *Server) copyToken(w http.ResponseWriter, r *http.Request) {
	var body socket.CopyRequest
	if !readOptionalJSON(w, r, &body) {
		return
	}
	switch body.Format {
	case "", "raw", "header":
	default:
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, fmt.Sprintf("format %q is not raw or header", printable(body.Format)))
		return
	}
	name := r.PathValue("name")
	if _, err := s.m.Status(name); err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	h := s.hooks()
	if h.Copy == nil {
		WriteError(w, http.StatusConflict, socket.CodeNoClipboard, "this tokentray has no clipboard (it runs as `tokentray daemon`); use `tokentray token "+name+"` instead")
		return
	}
	// The reader is whoever asked for the copy (the window).
	t, ok := s.readToken(w, r, name, manager.ReadRequest{Reader: callerOf(r), Via: manager.ViaCopy, MinValid: copyMinValid})
	if !ok {
		return
	}
	text := t.AccessToken.Reveal()
	if body.Format == "header" {
		text = socket.AuthorizationHeader(t.TokenType, text)
	}
	clearsIn, err := h.Copy(text)
	if err != nil {
		s.log.Warn("copy to the clipboard", "env", name, "error", err)
		WriteError(w, http.StatusInternalServerError, socket.CodeInternal, fmt.Sprintf("could not copy to the clipboard: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, socket.CopyAnswer{ClearsIn: int64((clearsIn + time.Second/2) / time.Second)})
}

// readBody reads a request body within MaxBodyBytes; on failure it has
// answered and returns false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			WriteError(w, http.StatusRequestEntityTooLarge, socket.CodeTooLarge,
				fmt.Sprintf("the request body is longer than %d bytes", tooBig.Limit))
			return nil, false
		}
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, "could not read the request body")
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
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, fmt.Sprintf("the request body is not the JSON object this endpoint takes: %s", printable(err.Error())))
		return false
	}
	if dec.More() {
		WriteError(w, http.StatusBadRequest, socket.CodeBadRequest, "the request body has more than one JSON value")
		return false
	}
	return true
}
