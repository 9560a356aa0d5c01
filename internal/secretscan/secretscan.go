// Package secretscan checks that no secret a test saw issued ends up in a
// log line or an error string. A Scanner learns the secrets from the
// traffic itself (it wraps the engine's HTTP transport and reads every
// token request and answer), collects what the code under test writes or
// returns, and reports every place a secret shows up.
package secretscan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
)

// minLen is the shortest value treated as a secret: shorter ones (a
// "Bearer", an expires_in) would match by accident.
const minLen = 8

// Scanner collects secrets and text. The zero value is not usable; use New.
type Scanner struct {
	mu      sync.Mutex
	secrets map[string]string // value -> what it is
	texts   []text
	partial []byte // log output after the last newline
}

type text struct{ where, s string }

// Leak is a secret found in collected text.
type Leak struct {
	Kind  string // what the secret was ("access_token", "client_secret", ...)
	Where string // which text held it
}

func New() *Scanner { return &Scanner{secrets: map[string]string{}} }

// Secret registers value as a secret of kind. Short values are ignored.
func (s *Scanner) Secret(kind, value string) {
	if len(value) < minLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[value] = kind
}

// PrivateKey registers key material: PEM text (the whole of it and each
// line of its body, so a partial leak is caught too) or a private JSON
// web key (its private parameters).
func (s *Scanner) PrivateKey(kind, text string) {
	s.Secret(kind, text)
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); !strings.HasPrefix(line, "-----") {
			s.Secret(kind, line)
		}
	}
	var jwk map[string]any
	if json.Unmarshal([]byte(text), &jwk) == nil {
		for _, k := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if v, ok := jwk[k].(string); ok {
				s.Secret(kind, v)
			}
		}
	}
}

// Write collects log output line by line: use the Scanner as an slog
// handler's writer, or a process's stderr.
func (s *Scanner) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		s.texts = append(s.texts, text{"log line", string(s.partial[:i])})
		s.partial = s.partial[i+1:]
	}
	return len(p), nil
}

// Text collects one string (a page, a command's output) under a label.
func (s *Scanner) Text(where, str string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, text{where, str})
}

// Error collects an error's message; nil is ignored.
func (s *Scanner) Error(where string, err error) {
	if err != nil {
		s.Text(where, err.Error())
	}
}

// Counts says how many secrets are known and how many texts were collected.
func (s *Scanner) Counts() (secrets, texts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.secrets), len(s.texts) + min(len(s.partial), 1)
}

// Leaks lists every secret found in the collected texts.
func (s *Scanner) Leaks() []Leak {
	s.mu.Lock()
	defer s.mu.Unlock()
	texts := s.texts
	if len(s.partial) > 0 {
		texts = append(texts[:len(texts):len(texts)], text{"log line", string(s.partial)})
	}
	var leaks []Leak
	for value, kind := range s.secrets {
		forms := []string{value, url.QueryEscape(value)}
		for _, t := range texts {
			for _, f := range forms {
				if strings.Contains(t.s, f) {
					leaks = append(leaks, Leak{Kind: kind, Where: t.where + ": " + redact(t.s, f)})
					break
				}
			}
		}
	}
	sort.Slice(leaks, func(i, j int) bool { return leaks[i].Where < leaks[j].Where })
	return leaks
}

// redact shows where the secret was without printing it.
func redact(s, secret string) string {
	s = strings.ReplaceAll(s, secret, "<"+fmt.Sprint(len(secret))+"-byte secret>")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// Check fails t for every leak and logs what was scanned.
func (s *Scanner) Check(t testing.TB) {
	t.Helper()
	secrets, texts := s.Counts()
	if secrets == 0 {
		t.Errorf("secretscan: no secrets were registered; the scan proves nothing")
	}
	for _, l := range s.Leaks() {
		t.Errorf("secretscan: a %s appears in a %s", l.Kind, l.Where)
	}
	t.Logf("secretscan: %d secrets checked against %d log lines and error strings", secrets, texts)
}

// Transport wraps base (nil: http.DefaultTransport) so that every secret
// sent to or issued by a provider is registered: client secrets (form or
// Basic header), client assertions, DPoP proofs, authorization codes,
// PKCE verifiers, refresh tokens and the access and refresh tokens in
// every JSON answer.
func (s *Scanner) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &learning{s: s, base: base}
}

// Client is an *http.Client with the learning transport.
func (s *Scanner) Client(base *http.Client) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	c.Transport = s.Transport(c.Transport)
	return c
}

type learning struct {
	s    *Scanner
	base http.RoundTripper
}

var formSecrets = []string{"client_secret", "client_assertion", "code", "code_verifier", "refresh_token", "token", "device_code"}

func (l *learning) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, pass, ok := req.BasicAuth(); ok {
		l.s.Secret("client_secret", pass)
		if unescaped, err := url.QueryUnescape(pass); err == nil {
			l.s.Secret("client_secret", unescaped)
		}
		auth := req.Header.Get("Authorization")
		l.s.Secret("basic_credentials", strings.TrimPrefix(auth, "Basic "))
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic ")); err == nil {
			l.s.Secret("basic_credentials", string(raw))
		}
	}
	for _, proof := range req.Header.Values("DPoP") {
		l.s.Secret("dpop_proof", proof)
	}
	if req.Body != nil && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(body)
			body.Close()
			if form, err := url.ParseQuery(string(data)); err == nil {
				for _, k := range formSecrets {
					l.s.Secret(k, form.Get(k))
				}
			}
		}
	}
	resp, err := l.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if readErr == nil {
		var answer map[string]any
		if json.Unmarshal(data, &answer) == nil {
			for _, k := range []string{"access_token", "refresh_token", "id_token", "device_code"} {
				if v, ok := answer[k].(string); ok {
					l.s.Secret(k, v)
				}
			}
		}
	}
	return resp, nil
}
