package oauthserver

import (
	"net/http"

	"github.com/go-oauth2/oauth2/v4"
	lib "github.com/go-oauth2/oauth2/v4/server"
)

// handleAuthorize checks client and redirect URI before the library runs:
// go-oauth2 checks the redirect URI only after approval and redirects its
// errors there, while RFC 6749 §4.1.2.1 forbids redirecting to an
// unregistered URI. Errors the library returns unwritten (missing PKCE, bad
// response_type) are redirected to the app with the state, as RFC 7636 §4.4.1
// asks.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "authorize takes GET or POST", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid_request: unreadable query", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.authorizeRequests++
	s.mu.Unlock()

	c, ok := s.clients[r.Form.Get("client_id")]
	if !ok {
		http.Error(w, "invalid_client: unknown client_id", http.StatusBadRequest)
		return
	}
	redirect := r.Form.Get("redirect_uri")
	if redirect == "" || validateRedirectURI(c.model().Domain, redirect) != nil {
		http.Error(w, "invalid_request: redirect_uri missing or not registered for this client", http.StatusBadRequest)
		return
	}
	req := &lib.AuthorizeRequest{RedirectURI: redirect, State: r.Form.Get("state"), ResponseType: oauth2.Code}

	if r.Form.Get("code_challenge") != "" && r.Form.Get("code_challenge_method") != string(oauth2.CodeChallengeS256) {
		s.redirectError(w, req, "invalid_request", "code_challenge_method must be S256")
		return
	}
	if err := s.lib.HandleAuthorizeRequest(w, r); err != nil {
		data, _, _ := s.lib.GetErrorData(err)
		s.redirectTo(w, req, data)
	}
}

func (s *Server) redirectError(w http.ResponseWriter, req *lib.AuthorizeRequest, code, description string) {
	s.redirectTo(w, req, map[string]interface{}{"error": code, "error_description": description})
}

func (s *Server) redirectTo(w http.ResponseWriter, req *lib.AuthorizeRequest, data map[string]interface{}) {
	uri, err := s.lib.GetRedirectURI(req, data)
	if err != nil {
		http.Error(w, "invalid_request: bad redirect_uri", http.StatusBadRequest)
		return
	}
	w.Header().Set("Location", uri)
	w.WriteHeader(http.StatusFound)
}

// AuthorizeRequests counts requests to /authorize.
func (s *Server) AuthorizeRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorizeRequests
}
