package oauthserver

import (
	"net/http"

	"github.com/go-oauth2/oauth2/v4"
)

// TokenBinding is what an issued token is bound to (its cnf claim); the zero
// value is a plain bearer token.
type TokenBinding struct {
	JKT     string // DPoP key thumbprint, RFC 9449 cnf.jkt
	X5tS256 string // client certificate thumbprint, RFC 8705 cnf.x5t#S256
}

// boundWriter carries the binding of the tokens about to be issued through
// go-oauth2 to writeToken, which sees the answer but not the request.
type boundWriter struct {
	http.ResponseWriter
	binding TokenBinding
}

// tokenProof verifies the DPoP proof of a /token request, when DPoP is on,
// and records it. It answers a refused proof itself (false); the returned
// thumbprint is "" when no proof came.
func (s *Server) tokenProof(w http.ResponseWriter, r *http.Request, grant string) (string, bool) {
	if !s.opts.DPoP {
		return "", true
	}
	rec, derr := s.verifyDPoP(r, "", s.opts.DPoPNonce)
	rec.Endpoint, rec.Grant = "token", grant
	if derr != nil {
		rec.Error = derr.code
	}
	s.recordDPoP(rec)
	if s.opts.DPoPNonce {
		w.Header().Set("DPoP-Nonce", s.CurrentDPoPNonce())
	}
	if derr != nil {
		writeOAuthError(w, http.StatusBadRequest, derr.code, derr.description)
		return "", false
	}
	if !rec.Proof {
		return "", true
	}
	return rec.JKT, true
}

// checkTokenDPoP refuses a token request without the proof it needs: one
// the server or client requires, and for a DPoP-bound refresh token one
// with that same key (RFC 9449 §5). False means it answered.
func (s *Server) checkTokenDPoP(w http.ResponseWriter, r *http.Request, clientID, grant, jkt string) bool {
	if jkt == "" && (s.opts.RequireDPoP || s.clients[clientID].RequireDPoP) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "a DPoP proof is required")
		return false
	}
	if grant != string(oauth2.Refreshing) {
		return true
	}
	bound := s.Binding(r.PostForm.Get("refresh_token")).JKT
	switch {
	case bound == "" || bound == jkt:
		return true
	case jkt == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "the refresh token is DPoP-bound: send a proof made with its key")
	default:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is bound to another DPoP key")
	}
	return false
}

// tokenBinding is what tokens issued for this request are bound to: the
// proof's key and the TLS client certificate, if any.
func tokenBinding(r *http.Request, jkt string) TokenBinding {
	b := TokenBinding{JKT: jkt}
	if cert := peerCert(r); cert != nil {
		b.X5tS256 = CertThumbprint(cert)
	}
	return b
}

// bind remembers the binding of the tokens in a successful answer and says
// "DPoP" as their token_type when they are DPoP-bound.
func (s *Server) bind(data map[string]interface{}, b TokenBinding) {
	if b == (TokenBinding{}) {
		return
	}
	if b.JKT != "" {
		data["token_type"] = "DPoP"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{"access_token", "refresh_token"} {
		if token, ok := data[k].(string); ok && token != "" {
			s.bindings[token] = b
		}
	}
}

// Binding is what an access or refresh token issued by this server is bound
// to; zero for a bearer token (or one it never issued).
func (s *Server) Binding(token string) TokenBinding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bindings[token]
}
