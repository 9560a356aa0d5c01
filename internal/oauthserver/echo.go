package oauthserver

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-oauth2/oauth2/v4"
)

// streamChunk is how much /resource/stream writes and flushes at a time.
const streamChunk = 32 << 10

// EchoURL is a protected resource that takes any method and any path
// below it (EchoURL()+"/a/b"): 200 with an Echo of the request for a token
// used as its binding demands, 401 with WWW-Authenticate otherwise.
func (s *Server) EchoURL() string { return s.URL + "/resource" }

// StreamURL is a protected resource that streams n bytes, byte i being
// byte(i), chunked and flushed every 32 KiB, with no Content-Length.
func (s *Server) StreamURL(n int64) string {
	return s.URL + "/resource/stream?bytes=" + strconv.FormatInt(n, 10)
}

// EventsURL is a protected resource that sends n server-sent events
// ("event: tick", "id: i", "data: {"n":i}"), the first at once and the
// others interval apart, each flushed.
func (s *Server) EventsURL(n int, interval time.Duration) string {
	return s.URL + "/resource/events?" + url.Values{"n": {strconv.Itoa(n)}, "interval": {interval.String()}}.Encode()
}

// Echo is the answer of EchoURL.
type Echo struct {
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Query     string            `json:"query"` // raw, as sent
	Host      string            `json:"host"`
	BodyBytes int64             `json:"body_bytes"`
	Headers   map[string]string `json:"headers"` // all but Authorization and DPoP, values joined by ", "
	TokenType string            `json:"token_type"`
	Sub       string            `json:"sub"` // the user, or the client for client_credentials
	ClientID  string            `json:"client_id"`
	Scope     string            `json:"scope"`
}

// handleEcho answers EchoURL.
func (s *Server) handleEcho(w http.ResponseWriter, r *http.Request) {
	ti, tokenType, ok := s.authorize(w, r)
	if !ok {
		return
	}
	n, _ := io.Copy(io.Discard, r.Body) // a short body is still an echo
	headers := map[string]string{}
	for k, v := range r.Header {
		if k != "Authorization" && k != http.CanonicalHeaderKey("DPoP") {
			headers[k] = strings.Join(v, ", ")
		}
	}
	_ = writeJSON(w, http.StatusOK, Echo{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host,
		BodyBytes: n, Headers: headers, TokenType: tokenType,
		Sub: subject(ti), ClientID: ti.GetClientID(), Scope: ti.GetScope(),
	})
}

// authorize is authorizeResource for the token in the Authorization header.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (oauth2.TokenInfo, string, bool) {
	scheme, token := authorizationToken(r)
	return s.authorizeResource(w, r, scheme, token)
}

func subject(ti oauth2.TokenInfo) string {
	if u := ti.GetUserID(); u != "" {
		return u
	}
	return ti.GetClientID()
}

// handleStream answers StreamURL.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.authorize(w, r); !ok {
		return
	}
	n, err := strconv.ParseInt(r.URL.Query().Get("bytes"), 10, 64)
	if err != nil || n < 0 {
		http.Error(w, "bytes must be a count of bytes", http.StatusBadRequest)
		return
	}
	chunk := make([]byte, streamChunk) // a multiple of 256, so byte i is byte(i) across chunks
	for i := range chunk {
		chunk[i] = byte(i)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil { // headers now, and never a Content-Length
		return
	}
	for sent := int64(0); sent < n; {
		part := chunk[:min(n-sent, streamChunk)]
		if _, err := w.Write(part); err != nil {
			return // the client went away
		}
		if err := rc.Flush(); err != nil {
			return
		}
		sent += int64(len(part))
	}
}

// handleEvents answers EventsURL (defaults: 3 events, 100ms apart).
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.authorize(w, r); !ok {
		return
	}
	q := r.URL.Query()
	n, interval := 3, 100*time.Millisecond
	var err error
	if v := q.Get("n"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			http.Error(w, "n must be a count of events", http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("interval"); v != "" {
		if interval, err = time.ParseDuration(v); err != nil || interval < 0 {
			http.Error(w, "interval must be a duration such as 100ms", http.StatusBadRequest)
			return
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	for i := 1; i <= n; i++ {
		if i > 1 && !s.wait(r, interval) {
			return
		}
		if _, err := fmt.Fprintf(w, "event: tick\nid: %d\ndata: {\"n\":%d}\n\n", i, i); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// wait sleeps d unless the client goes away or the server closes first.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}
