package oauthserver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-oauth2/oauth2/v4"
)

// resourceState counts protected resource requests (guarded by Server.mu).
type resourceState struct {
	resourceRequests     int
	resourceUnauthorized int
}

// resourceDenial is why a resource answers 401: the challenge's scheme and
// its RFC 6750 / RFC 9449 error.
type resourceDenial struct{ scheme, code, description string }

func deny(scheme, code, description string) *resourceDenial {
	return &resourceDenial{scheme, code, description}
}

// challenge is the WWW-Authenticate value for the denial.
func (d *resourceDenial) challenge() string {
	c := fmt.Sprintf(`%s error="%s", error_description="%s"`, d.scheme, d.code, quoteParam(d.description))
	if d.scheme == "DPoP" {
		c += fmt.Sprintf(`, algs="%s"`, strings.Join(algNames(asymmetricAlgs), " "))
	}
	return c
}

// quoteParam escapes text for an auth-param quoted-string (RFC 9110 §5.6.4).
func quoteParam(text string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(text)
}

// authorizationToken splits an Authorization header of the Bearer or DPoP
// scheme (any case) into scheme and token; "" for anything else.
func authorizationToken(r *http.Request) (scheme, token string) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !(strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "DPoP")) {
		return "", ""
	}
	return scheme, strings.TrimSpace(token)
}

// authorizeResource lets a resource request through with a valid access
// token used as its binding demands, or answers 401 (false). It returns the
// token and "Bearer" or "DPoP", the way it was accepted.
func (s *Server) authorizeResource(w http.ResponseWriter, r *http.Request, scheme, token string) (oauth2.TokenInfo, string, bool) {
	ti, tokenType, denial := s.resourceAccess(r, scheme, token)
	s.mu.Lock()
	s.resourceRequests++
	if denial != nil {
		s.resourceUnauthorized++
	}
	s.mu.Unlock()
	if s.opts.DPoPResourceNonce {
		w.Header().Set("DPoP-Nonce", s.CurrentDPoPNonce())
	}
	if denial != nil {
		w.Header().Set("WWW-Authenticate", denial.challenge())
		writeOAuthError(w, http.StatusUnauthorized, denial.code, denial.description)
		return nil, "", false
	}
	return ti, tokenType, true
}

// resourceAccess checks the token, then what it is bound to: the TLS client
// certificate (RFC 8705 §3) and the DPoP key with a proof for this very
// request (RFC 9449 §7).
func (s *Server) resourceAccess(r *http.Request, scheme, token string) (oauth2.TokenInfo, string, *resourceDenial) {
	challenge := "Bearer"
	if strings.EqualFold(scheme, "DPoP") {
		challenge = "DPoP"
	}
	ti, err := s.manager.LoadAccessToken(r.Context(), token)
	if err != nil {
		return nil, "", deny(challenge, "invalid_token", "the access token is missing, unknown or expired")
	}
	b := s.Binding(token)
	if b.X5tS256 != "" {
		if cert := peerCert(r); cert == nil || CertThumbprint(cert) != b.X5tS256 {
			return nil, "", deny(challenge, "invalid_token", "the token is bound to a client certificate this connection did not present")
		}
	}
	if b.JKT == "" {
		if challenge == "DPoP" {
			return nil, "", deny("DPoP", "invalid_token", "the token is not DPoP-bound: send it as Bearer")
		}
		return ti, "Bearer", nil
	}
	if challenge != "DPoP" {
		return nil, "", deny("DPoP", "invalid_token", "the token is DPoP-bound: send it with the DPoP scheme and a proof")
	}
	rec, derr := s.verifyDPoP(r, token, s.opts.DPoPResourceNonce)
	switch {
	case derr != nil:
	case !rec.Proof:
		derr = invalidProof("a DPoP proof is required")
	case rec.JKT != b.JKT:
		derr = invalidProof("the proof's key is not the one the token is bound to")
	}
	rec.Endpoint = "resource"
	if derr != nil {
		rec.Error = derr.code
	}
	s.recordDPoP(rec)
	if derr != nil {
		return nil, "", deny("DPoP", derr.code, derr.description)
	}
	return ti, "DPoP", nil
}

// ResourceRequests counts requests to the protected resources (ResourceURL,
// EchoURL, StreamURL, EventsURL), answered or refused.
func (s *Server) ResourceRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resourceRequests
}

// ResourceUnauthorized counts the 401 answers among ResourceRequests.
func (s *Server) ResourceUnauthorized() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resourceUnauthorized
}

// handleResource (/api/me) answers who the token is for. Besides the
// Authorization header it takes access_token from the query or form body
// (RFC 6750 §2.2-2.3), as go-oauth2's resolver did.
func (s *Server) handleResource(w http.ResponseWriter, r *http.Request) {
	scheme, token := authorizationToken(r)
	if scheme == "" {
		scheme, token = "Bearer", r.FormValue("access_token")
	}
	ti, _, ok := s.authorizeResource(w, r, scheme, token)
	if !ok {
		return
	}
	_ = writeJSON(w, http.StatusOK, map[string]interface{}{
		"client_id": ti.GetClientID(),
		"user_id":   ti.GetUserID(),
		"scope":     ti.GetScope(),
	})
}
