package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// settingsAnswer is what GET and PUT /v1/settings answer.
func (s *Server) settingsAnswer() (socket.Settings, error) {
	cur := config.WithDefaults(s.m.Config().Settings)
	out := socket.Settings{
		ClipboardClear: config.FormatDuration(cur.ClipboardClear),
		RefreshMargin:  config.FormatDuration(cur.RefreshMargin),
		GuardWindow:    config.FormatDuration(cur.GuardWindow),
		Theme:          cmp.Or(cur.Theme, config.ThemeSystem),
	}
	if h := s.hooks(); h.Autostart != nil {
		on, err := h.Autostart(nil)
		if err != nil {
			return out, err
		}
		out.StartAtLogin = &on
	}
	return out, nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	out, err := s.settingsAnswer()
	if err != nil {
		s.log.Warn("read start at login", "error", err)
	}
	writeJSON(w, http.StatusOK, out)
}

// parseSettingsBody reads PUT /v1/settings strictly, with every problem.
func parseSettingsBody(data []byte) (config.Settings, *bool, []socket.Problem) {
	var set config.Settings
	var problems []socket.Problem
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fields); err != nil || fields == nil || dec.More() {
		return set, nil, []socket.Problem{{Message: "the body must be one JSON object such as {\"clipboard_clear\": \"45s\", \"refresh_margin\": \"5m\", \"guard_window\": \"10m\", \"theme\": \"dark\", \"start_at_login\": true}"}}
	}
	var startAtLogin *bool
	duration := func(key string, raw json.RawMessage, dst *time.Duration) {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			problems = append(problems, socket.Problem{Key: key, Message: "must be a duration string such as \"5m\" or \"45s\""})
			return
		}
		d, err := config.ParseSetting(key, v) // the file's rules and bounds
		if err != nil {
			problems = append(problems, socket.Problem{Key: key, Message: err.Error()})
			return
		}
		*dst = d
	}
	for key, raw := range fields {
		switch key {
		case "clipboard_clear":
			duration(key, raw, &set.ClipboardClear)
		case "refresh_margin":
			duration(key, raw, &set.RefreshMargin)
		case "guard_window":
			duration(key, raw, &set.GuardWindow)
		case "theme":
			var v string
			if json.Unmarshal(raw, &v) != nil {
				problems = append(problems, socket.Problem{Key: key, Message: "must be a string: \"system\", \"light\" or \"dark\""})
				continue
			}
			if err := config.CheckTextSetting(key, v); err != nil {
				problems = append(problems, socket.Problem{Key: key, Message: err.Error()})
				continue
			}
			set.Theme = v
		case "start_at_login":
			var v bool
			if json.Unmarshal(raw, &v) != nil {
				problems = append(problems, socket.Problem{Key: key, Message: "must be true or false"})
				continue
			}
			startAtLogin = &v
		default:
			problems = append(problems, socket.Problem{Key: printable(key), Message: "unknown key (known keys: clipboard_clear, refresh_margin, guard_window, theme, start_at_login)"})
		}
	}
	sortProblems(problems)
	return set, startAtLogin, problems
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	set, startAtLogin, problems := parseSettingsBody(data)
	if len(problems) > 0 {
		writeProblems(w, "settings", problems)
		return
	}
	h := s.hooks()
	if startAtLogin != nil && h.Autostart == nil {
		WriteError(w, http.StatusConflict, socket.CodeNoAutostart, "this tokentray runs as `tokentray daemon` and cannot start at login; use your service manager (e.g. a systemd user unit)")
		return
	}
	if set != (config.Settings{}) {
		ed, ok := s.editorOrRefuse(w)
		if !ok {
			return
		}
		if err := ed.PutSettings(r.Context(), callerOf(r), set); err != nil {
			s.editFailed(w, r, err)
			return
		}
	}
	if startAtLogin != nil {
		if _, err := h.Autostart(startAtLogin); err != nil {
			s.log.Warn("set start at login", "error", err)
			WriteError(w, http.StatusInternalServerError, socket.CodeInternal, fmt.Sprintf("could not change start at login: %s", printableErr(err)))
			return
		}
	}
	out, err := s.settingsAnswer()
	if err != nil {
		s.log.Warn("read start at login", "error", err)
	}
	writeJSON(w, http.StatusOK, out)
}

// sortProblems orders problems by key, so a map's order never shows.
func sortProblems(p []socket.Problem) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Key < p[j-1].Key; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}
