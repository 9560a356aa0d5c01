package oauthserver

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/errors"
)

// recordState is what the server saw at /token and /revoke (guarded by Server.mu).
type recordState struct {
	tokenRequests     int
	authorizeRequests int
	byGrant           map[string]int
	lastForm          url.Values
	lastAuth          string
	refreshSeen       []string
	revoked           []string
}

// handleToken counts the request, applies faults, checks the DPoP proof and
// the client methods go-oauth2 does not know, then lets go-oauth2 answer.
// The proof comes before client authentication so that a use_dpop_nonce
// answer does not use up a client assertion's jti.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if !readPostForm(w, r, "token") {
		return
	}
	s.recordToken(r)
	if !s.applyFaults(w, r) {
		return
	}
	grant := r.PostForm.Get("grant_type")
	switch grant {
	case string(oauth2.AuthorizationCode), string(oauth2.Refreshing), string(oauth2.ClientCredentials):
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code, refresh_token or client_credentials")
		return
	}
	jkt, ok := s.tokenProof(w, r, grant)
	if !ok {
		return
	}
	r, clientID, ok := s.authenticateClient(w, r, "token", grant)
	if !ok {
		return
	}
	if !s.checkTokenDPoP(w, r, clientID, grant, jkt) {
		return
	}
	if grant == string(oauth2.Refreshing) && !s.authenticate(r) {
		// go-oauth2 does not check a confidential client's secret on the
		// refresh grant; a real provider does (RFC 6749 §6).
		if id, _, err := s.clientInfo(r); err == nil && s.clients[id].Secret != "" {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return
		}
	}
	if grant == string(oauth2.Refreshing) {
		// go-oauth2 loads, rotates and removes a refresh token in separate
		// steps; one at a time makes a concurrent reuse fail as at a real
		// provider instead of both callers winning.
		s.refreshMu.Lock()
		defer s.refreshMu.Unlock()
	}
	bw := &boundWriter{ResponseWriter: w, binding: tokenBinding(r, jkt)}
	_ = s.lib.HandleTokenRequest(bw, r) // the answer is written; an error here is a gone client
}

// readPostForm refuses anything but a POST with a readable form body,
// answering as the named endpoint would; false means it answered.
func readPostForm(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	if r.Method != http.MethodPost {
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "the "+endpoint+" endpoint takes POST")
		return false
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "unreadable form body")
		return false
	}
	return true
}

func (s *Server) recordToken(r *http.Request) {
	grant := r.PostForm.Get("grant_type")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRequests++
	if s.byGrant == nil {
		s.byGrant = map[string]int{}
	}
	s.byGrant[grant]++
	s.lastForm = cloneValues(r.PostForm)
	s.lastAuth = clientAuthStyle(r)
	if grant == string(oauth2.Refreshing) {
		s.refreshSeen = append(s.refreshSeen, r.PostForm.Get("refresh_token"))
	}
}

// clientInfo is the library's ClientInfoHandler, honouring Options.ClientAuth.
// RFC 6749 §2.3.1 form-encodes id and secret inside the Basic header.
// A client authenticated by assertion or certificate gets its own secret
// back, which is what the library checks.
func (s *Server) clientInfo(r *http.Request) (string, string, error) {
	if id, ok := verifiedClient(r); ok {
		return id, s.clients[id].Secret, nil
	}
	if user, pass, ok := r.BasicAuth(); ok {
		if s.opts.ClientAuth == "form" {
			return "", "", errors.ErrInvalidClient
		}
		return unescape(user), unescape(pass), nil
	}
	id := r.PostForm.Get("client_id")
	if id == "" || s.opts.ClientAuth == "header" {
		return "", "", errors.ErrInvalidClient
	}
	return id, r.PostForm.Get("client_secret"), nil
}

// authenticate checks client credentials outside the library (for /revoke
// and the refresh grant).
func (s *Server) authenticate(r *http.Request) bool {
	id, secret, err := s.clientInfo(r)
	if err != nil {
		return false
	}
	c, ok := s.clients[id]
	return ok && c.Secret == secret
}

// approveUser is the library's UserAuthorizationHandler: no login form, the
// fixed user approves unless DenyAuthorization is on.
func (s *Server) approveUser(http.ResponseWriter, *http.Request) (string, error) {
	s.mu.Lock()
	deny := s.deny
	s.mu.Unlock()
	if deny {
		return "", errors.ErrAccessDenied
	}
	return DefaultUserID, nil
}

// writeToken replaces the library's writer so faults can alter a real answer.
func (s *Server) writeToken(w http.ResponseWriter, data map[string]interface{}, header http.Header, status ...int) error {
	code := http.StatusOK
	if len(status) > 0 && status[0] > 0 {
		code = status[0]
	}
	s.mu.Lock()
	omit := s.omitExpiresIn
	s.mu.Unlock()
	if omit && code == http.StatusOK {
		delete(data, "expires_in")
	}
	if bw, ok := w.(*boundWriter); ok && code == http.StatusOK {
		s.bind(data, bw.binding)
	}
	for k := range header {
		w.Header().Set(k, header.Get(k))
	}
	return writeJSON(w, code, data)
}

// internalError maps library errors that have no OAuth code (and would be a
// 500 server_error) to the code RFC 6749 §5.2 asks for.
func internalError(err error) *errors.Response {
	switch err {
	case errors.ErrInvalidRedirectURI, errors.ErrMissingCodeVerifier, errors.ErrInvalidAuthorizeCode,
		errors.ErrInvalidRefreshToken, errors.ErrExpiredRefreshToken, errors.ErrInvalidCodeChallenge:
		return &errors.Response{Error: errors.ErrInvalidGrant, Description: errors.Descriptions[errors.ErrInvalidGrant], StatusCode: http.StatusBadRequest}
	}
	return nil
}

// rfcStatus fixes the library's statuses: RFC 6749 §5.2 answers 400 for
// every error but invalid_client, which is 401 with WWW-Authenticate.
func rfcStatus(re *errors.Response) {
	if re.Error == nil {
		return
	}
	switch re.Error.Error() {
	case "invalid_client":
		re.StatusCode = http.StatusUnauthorized
		re.SetHeader("WWW-Authenticate", `Basic realm="oauthserver"`)
	case "invalid_request", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope":
		re.StatusCode = http.StatusBadRequest
	}
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	_ = writeJSON(w, status, map[string]interface{}{"error": code, "error_description": description})
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) error {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func clientAuthStyle(r *http.Request) string {
	if _, _, ok := r.BasicAuth(); ok {
		return "header"
	}
	if r.PostForm.Has("client_id") || r.PostForm.Has("client_secret") {
		return "form"
	}
	return "none"
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TokenRequests is the number of POST /token requests received, every grant,
// including those answered by a fault.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// TokenRequestsByGrant counts POST /token requests with this grant_type.
func (s *Server) TokenRequestsByGrant(grant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byGrant[grant]
}

// LastTokenRequest is a copy of the last /token request's form body (nil before any).
func (s *Server) LastTokenRequest() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastForm == nil {
		return nil
	}
	return cloneValues(s.lastForm)
}

// LastClientAuth says how the last /token request authenticated the client:
// "header" (Basic), "form" (client_id in the body) or "none".
func (s *Server) LastClientAuth() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuth
}

// RefreshTokensSeen lists every refresh_token presented to /token, in order.
func (s *Server) RefreshTokensSeen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refreshSeen...)
}
