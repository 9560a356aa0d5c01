package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tokentray/tokentray/config"
)

// printable shortens text from a request for a message.
func printable(s string) string { return config.Printable(s, 80) }

func (s *Server) presets(w http.ResponseWriter, r *http.Request) {
	list := config.Presets()
	out := make([]PresetInfo, 0, len(list))
	for _, p := range list {
		out = append(out, presetInfo(p))
	}
	writeJSON(w, http.StatusOK, out)
}

// presetInfo says what p fills, as config keys, and which keys the user
// must still give ("client_secret" is the keychain item, never a key).
func presetInfo(p config.Preset) PresetInfo {
	fills, _ := config.ApplyPreset(config.Environment{Preset: p.Name})
	fills.Preset = ""
	return PresetInfo{
		Name: p.Name, Title: p.Description, Flow: p.Flow, Fills: fills, Needs: p.Needs(),
		ScopeChoices: p.ScopeChoices, Notes: p.Notes,
	}
}

func (s *Server) environmentConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cfg := s.m.Config()
	e, ok := cfg.Environment(name)
	if !ok {
		writeError(w, http.StatusNotFound, CodeUnknownEnvironment, fmt.Sprintf("unknown environment %q", printable(name)))
		return
	}
	writeJSON(w, http.StatusOK, config.AsWritten(e))
}

// envJSONKeys are the keys of an environment's JSON: the config file's.
var envJSONKeys = []string{
	"name", "preset", "flow", "issuer", "auth_url", "token_url", "revocation_url",
	"device_authorization_url", "client_id", "scopes", "redirect_uri", "auth_style", "guard",
}

// parseEnvironmentBody reads the JSON body of PUT /v1/environments/{name}
// with the loader's rules, and returns every problem at once.
func (s *Server) parseEnvironmentBody(name string, data []byte) (config.Environment, []Problem) {
	e := config.Environment{Name: name}
	var problems []Problem
	bad := map[string]bool{} // keys that already have a problem
	fail := func(key, format string, args ...any) {
		problems = append(problems, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
		bad[key] = true
	}
	fields := map[string]*string{
		"preset": &e.Preset, "issuer": &e.Issuer, "auth_url": &e.AuthURL, "token_url": &e.TokenURL,
		"revocation_url": &e.RevokeURL, "device_authorization_url": &e.DeviceURL,
		"client_id": &e.ClientID, "redirect_uri": &e.RedirectURI, "auth_style": &e.AuthStyle,
		"guard": &e.Guard,
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return e, []Problem{{Message: "the body must be one JSON object with the config file's keys, e.g. {\"preset\": \"zepto-sandbox\", \"client_id\": \"...\"}"}}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, append(problems, Problem{Message: "the body is not valid JSON: " + printable(err.Error())})
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return e, append(problems, Problem{Key: printable(key), Message: "the body is not valid JSON: " + printable(err.Error())})
		}
		shown := printable(key)
		if seen[key] {
			fail(shown, "given twice; give each key once")
			continue
		}
		seen[key] = true
		switch key {
		case "client_secret":
			fail(key, "secrets never live in the config file; send it with PUT /v1/environments/%s/secret (`tokentray secret set %s` reads it from stdin into the keychain)", name, name)
		case "name":
			var v string
			if json.Unmarshal(raw, &v) != nil {
				fail(key, "must be a string")
			} else if v != name {
				cfg := s.m.Config()
				if _, exists := cfg.Environment(v); exists {
					fail(key, "duplicate name: an environment called %q already exists; to change it, PUT /v1/environments/%s", printable(v), printable(v))
				} else {
					fail(key, "must be the name in the path, %q (got %q); leave it out or send the same", name, printable(v))
				}
			}
		case "flow":
			var v string
			if json.Unmarshal(raw, &v) != nil {
				fail(key, "must be a string")
			} else {
				e.Flow = config.Flow(v)
			}
		case "scopes":
			var v []string
			if json.Unmarshal(raw, &v) != nil {
				fail(key, "must be a list of strings such as [\"read\", \"write\"]")
			} else if v != nil {
				e.Scopes = v
			}
		default:
			dst, known := fields[key]
			if !known {
				fail(shown, "unknown key (known keys: %s)", strings.Join(envJSONKeys, ", "))
				continue
			}
			var v string
			if json.Unmarshal(raw, &v) != nil {
				fail(key, "must be a string")
			} else {
				*dst = v
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return e, append(problems, Problem{Message: "the body is not valid JSON: " + printable(err.Error())})
	}
	if dec.More() {
		return e, append(problems, Problem{Message: "the body has more than one JSON value"})
	}
	for _, ce := range config.ConfigErrors(config.CheckEnvironment(e)) {
		if !bad[ce.Key] {
			problems = append(problems, Problem{Key: ce.Key, Message: ce.Msg})
		}
	}
	return e, problems
}

// writeProblems answers 400 invalid_config with every problem.
func writeProblems(w http.ResponseWriter, what string, problems []Problem) {
	msg := fmt.Sprintf("%s: %d problems, nothing written", what, len(problems))
	if len(problems) == 1 {
		msg = fmt.Sprintf("%s: nothing written: ", what)
		if problems[0].Key != "" {
			msg += fmt.Sprintf("key %q: ", problems[0].Key)
		}
		msg += problems[0].Message
	}
	writeJSON(w, http.StatusBadRequest, APIError{Code: CodeInvalidConfig, Message: msg, Problems: problems})
}

// configWriteFailed answers for an error of a config file edit: a file
// that does not load is 400 invalid_config with its problems (as
// file:line messages); anything else is 500.
func (s *Server) configWriteFailed(w http.ResponseWriter, r *http.Request, err error) {
	if ces := config.ConfigErrors(err); len(ces) > 0 {
		problems := make([]Problem, 0, len(ces))
		for _, ce := range ces {
			msg := ce.Msg
			if ce.File != "" {
				msg = ce.Error() // a problem in the file itself: say where
			}
			problems = append(problems, Problem{Key: ce.Key, Message: msg})
		}
		writeProblems(w, "the config file", problems)
		return
	}
	s.log.Warn("config write failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, CodeInternal, printableErr(err))
}

func printableErr(err error) string { return config.Printable(err.Error(), 500) }

// applyConfigFile loads what the file says now and runs the engine with it.
func (s *Server) applyConfigFile(path string) error {
	cfg, err := config.LoadConfig(path)
	if err != nil {
		return err
	}
	return s.m.SetConfig(cfg)
}

// editablePath answers 409 when the host has no config file to edit.
func (s *Server) editablePath(w http.ResponseWriter) (string, bool) {
	path := s.configPath()
	if path == "" {
		writeError(w, http.StatusConflict, CodeNoConfigFile, "this tokentray runs without a config file to write")
		return "", false
	}
	return path, true
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
	path, ok := s.editablePath(w)
	if !ok {
		return
	}
	s.host.write.Lock()
	defer s.host.write.Unlock()
	if err := config.PutEnvironmentInFile(path, e); err != nil {
		s.configWriteFailed(w, r, err)
		return
	}
	if err := s.applyConfigFile(path); err != nil {
		s.configWriteFailed(w, r, fmt.Errorf("written to %s, but not applied: %w", path, err))
		return
	}
	s.writeStatus(w, r, name)
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := s.m.Status(name); err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	path, ok := s.editablePath(w)
	if !ok {
		return
	}
	s.host.write.Lock()
	defer s.host.write.Unlock()
	// Revoke and forget the tokens while the engine still knows where.
	ctx, cancel := context.WithTimeout(r.Context(), s.limits.RequestTimeout)
	defer cancel()
	var keychainErrs []error
	if err := s.m.Logout(ctx, name); err != nil {
		keychainErrs = append(keychainErrs, err)
	}
	err := config.RemoveEnvironmentFromFile(path, name)
	switch {
	case errors.Is(err, config.ErrNotInFile):
		// Running but no longer in the file (a hand edit not applied
		// yet): take it out of the engine only.
		cfg := s.m.Config()
		kept := cfg.Environments[:0]
		for _, e := range cfg.Environments {
			if e.Name != name {
				kept = append(kept, e)
			}
		}
		cfg.Environments = kept
		err = s.m.SetConfig(&cfg)
	case err == nil:
		err = s.applyConfigFile(path)
	}
	if err != nil {
		s.configWriteFailed(w, r, err)
		return
	}
	if err := s.m.DeleteSecret(name); err != nil {
		keychainErrs = append(keychainErrs, err)
	}
	if err := errors.Join(keychainErrs...); err != nil {
		s.log.Warn("environment removed, but its keychain items were not all deleted", "env", name, "error", err)
		writeError(w, http.StatusInternalServerError, CodeInternal,
			fmt.Sprintf("%s was removed from the config, but its keychain items were not all deleted: %s", name, printableErr(err)))
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}
