package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// printable shortens text from a request for a message.
func printable(s string) string { return config.Printable(s, 80) }

func (s *Server) presets(w http.ResponseWriter, r *http.Request) {
	list := config.Presets()
	out := make([]socket.PresetInfo, 0, len(list))
	for _, p := range list {
		out = append(out, presetInfo(p))
	}
	writeJSON(w, http.StatusOK, out)
}

// presetInfo says what p fills, as config keys, and which keys the user
// must still give ("client_secret" is the keychain item, never a key).
func presetInfo(p config.Preset) socket.PresetInfo {
	fills, _ := config.ApplyPreset(config.Environment{Preset: p.Name})
	fills.Preset = ""
	return socket.PresetInfo{
		Name: p.Name, Title: p.Description, Flow: p.Flow, Fills: fills, Needs: p.Needs(),
		ScopeChoices: p.ScopeChoices, Notes: p.Notes,
	}
}

func (s *Server) environmentConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cfg := s.m.Config()
	e, ok := cfg.Environment(name)
	if !ok {
		WriteError(w, http.StatusNotFound, socket.CodeUnknownEnvironment, fmt.Sprintf("unknown environment %q", printable(name)))
		return
	}
	writeJSON(w, http.StatusOK, config.AsWritten(e))
}

// parseEnvironmentBody reads the JSON body of PUT /v1/environments/{name}
// with the loader's rules (config.ParseEnvironmentJSON), and returns every
// problem at once.
func (s *Server) parseEnvironmentBody(name string, data []byte) (config.Environment, []socket.Problem) {
	exists := func(other string) bool {
		cfg := s.m.Config()
		_, ok := cfg.Environment(other)
		return ok
	}
	e, errs := config.ParseEnvironmentJSON(name, data, exists)
	problems := make([]socket.Problem, 0, len(errs))
	for _, ce := range errs {
		problems = append(problems, socket.Problem{Key: ce.Key, Message: ce.Msg})
	}
	return e, problems
}

// writeProblems answers 400 invalid_config with every problem.
func writeProblems(w http.ResponseWriter, what string, problems []socket.Problem) {
	msg := fmt.Sprintf("%s: %d problems, nothing written", what, len(problems))
	if len(problems) == 1 {
		msg = fmt.Sprintf("%s: nothing written: ", what)
		if problems[0].Key != "" {
			msg += fmt.Sprintf("key %q: ", problems[0].Key)
		}
		msg += problems[0].Message
	}
	writeJSON(w, http.StatusBadRequest, socket.APIError{Code: socket.CodeInvalidConfig, Message: msg, Problems: problems})
}

// configWriteFailed answers for an error of a config file edit: a file
// that does not load is 400 invalid_config with its problems (as
// file:line messages); anything else is 500.
func (s *Server) configWriteFailed(w http.ResponseWriter, r *http.Request, err error) {
	if ces := config.ConfigErrors(err); len(ces) > 0 {
		problems := make([]socket.Problem, 0, len(ces))
		for _, ce := range ces {
			msg := ce.Msg
			if ce.File != "" {
				msg = ce.Error() // a problem in the file itself: say where
			}
			problems = append(problems, socket.Problem{Key: ce.Key, Message: msg})
		}
		writeProblems(w, "the config file", problems)
		return
	}
	s.log.Warn("config write failed", "method", r.Method, "path", r.URL.Path, "error", err)
	WriteError(w, http.StatusInternalServerError, socket.CodeInternal, printableErr(err))
}

func printableErr(err error) string { return config.Printable(err.Error(), 500) }

// editorOrRefuse answers 409 when the host has no config file to edit.
func (s *Server) editorOrRefuse(w http.ResponseWriter) (ConfigEditor, bool) {
	ed := s.editor()
	if ed == nil {
		WriteError(w, http.StatusConflict, socket.CodeNoConfigFile, "this tokentray runs without a config file to write")
		return nil, false
	}
	return ed, true
}

// editFailed answers for an error of a config edit: a change the user did
// not allow is 403 denied, an unknown environment 404, a file that does
// not load 400 invalid_config (configWriteFailed).
func (s *Server) editFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, manager.ErrDenied) || errors.Is(err, manager.ErrUnknownEnvironment) {
		s.writeEngineError(w, r, err)
		return
	}
	s.configWriteFailed(w, r, err)
}

func (s *Server) putEnvironment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	e, problems := s.parseEnvironmentBody(name, data)
	if len(problems) > 0 {
		writeProblems(w, fmt.Sprintf("environment %q", printable(name)), problems)
		return
	}
	ed, ok := s.editorOrRefuse(w)
	if !ok {
		return
	}
	restore := liftDeadlines(w) // a guarded environment asks the user first
	err := ed.PutEnvironment(r.Context(), callerOf(r), e)
	restore(s.limits.WriteTimeout)
	if err != nil {
		s.editFailed(w, r, err)
		return
	}
	s.writeStatus(w, r, name)
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) {
	ed, ok := s.editorOrRefuse(w)
	if !ok {
		return
	}
	restore := liftDeadlines(w)
	ctx, cancel := context.WithTimeout(r.Context(), s.limits.RequestTimeout+guardAnswerTime)
	defer cancel()
	err := ed.DeleteEnvironment(ctx, callerOf(r), r.PathValue("name"))
	restore(s.limits.WriteTimeout)
	if err != nil {
		s.editFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}
