package oauthserver

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// verifiedClientKey marks a request whose client this package authenticated
// (assertion or certificate); its value is the client_id.
type verifiedClientKey struct{}

func verifiedClient(r *http.Request) (string, bool) {
	id, ok := r.Context().Value(verifiedClientKey{}).(string)
	return id, ok
}

// authenticateClient runs the client authentication go-oauth2 does not know,
// a JWT assertion or a TLS client certificate, at endpoint "token" or "revoke".
// It answers a failure itself (false). On success it marks the request so
// that clientInfo hands the library the client's own secret. A request with
// a secret, or none, only gets refused here for a client that must use
// another method; the secret is checked where it always was (the library,
// authenticate). The returned id is the client the request names.
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request, endpoint, grant string) (*http.Request, string, bool) {
	form := r.PostForm
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		s.setLastMethod(assertionMethod(r))
		if hasSecret(r) {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "more than one client authentication method: a client_assertion and a client secret")
			return r, "", false
		}
		endpointURL := s.TokenURL()
		if endpoint == "revoke" {
			endpointURL = s.RevokeURL()
		}
		c, a, err := s.verifyAssertion(r, endpointURL)
		if err != nil {
			writeInvalidClient(w, err.Error())
			return r, "", false
		}
		a.Endpoint, a.Grant = endpoint, grant
		s.recordAssertion(a)
		return markVerified(r, c.ID), c.ID, true
	}

	id := namedClient(r)
	c, known := s.clients[id]
	if known && c.TLSClientAuth {
		s.setLastMethod("tls_client_auth")
		if hasSecret(r) {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "more than one client authentication method: a certificate and a client secret")
			return r, "", false
		}
		if err := s.checkClientCert(r, c); err != nil {
			writeInvalidClient(w, err.Error())
			return r, "", false
		}
		return markVerified(r, c.ID), c.ID, true
	}

	s.setLastMethod(secretMethod(r))
	if known && !c.secretAllowed() {
		writeInvalidClient(w, fmt.Sprintf("client %s must authenticate with %s", id, c.methodsHint()))
		return r, "", false
	}
	return r, id, true
}

func markVerified(r *http.Request, id string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), verifiedClientKey{}, id))
}

// namedClient is the client_id a request names in the body or, failing
// that, as the Basic user name.
func namedClient(r *http.Request) string {
	if id := r.PostForm.Get("client_id"); id != "" {
		return id
	}
	if user, _, ok := r.BasicAuth(); ok {
		return unescape(user)
	}
	return ""
}

// hasSecret says whether a request also carries a client secret. A Basic
// header with an empty password, as x/oauth2 sends for a client without
// secret, only names the client.
func hasSecret(r *http.Request) bool {
	if _, pass, ok := r.BasicAuth(); ok && pass != "" {
		return true
	}
	return r.PostForm.Get("client_secret") != ""
}

// assertionMethod guesses from the unverified alg which JWT method a
// request tries, for LastAuthMethod.
func assertionMethod(r *http.Request) string {
	if alg, ok := unverifiedAlg(r.PostForm.Get("client_assertion")); ok && alg == "HS256" {
		return "client_secret_jwt"
	}
	return "private_key_jwt"
}

// unverifiedAlg reads the alg header of a compact JWS without checking it.
func unverifiedAlg(compact string) (string, bool) {
	jws, err := jose.ParseSignedCompact(compact, assertionAlgs)
	if err != nil {
		return "", false
	}
	return jws.Signatures[0].Header.Algorithm, true
}

func secretMethod(r *http.Request) string {
	switch {
	case r.PostForm.Get("client_secret") != "":
		return "client_secret_post"
	case hasSecret(r):
		return "client_secret_basic"
	}
	return "none"
}

// methodsHint names what a client that may not use a secret must use.
func (c Client) methodsHint() string {
	if c.TLSClientAuth {
		return "tls_client_auth (its certificate on the TLS connection)"
	}
	if c.PublicKey != nil {
		return "private_key_jwt"
	}
	return "client_secret_jwt"
}

// checkClientCert is RFC 8705 §2.1: the registered certificate exactly or,
// with only a subject DN registered, one from the server's CA with that
// subject.
func (s *Server) checkClientCert(r *http.Request, c Client) error {
	cert := peerCert(r)
	if cert == nil {
		return errors.New("no client certificate on the TLS connection (tls_client_auth)")
	}
	if c.Certificate != nil {
		if !bytes.Equal(cert.Raw, c.Certificate.Raw) {
			return fmt.Errorf("the TLS client certificate is not client %s's registered certificate", c.ID)
		}
		return nil
	}
	opts := x509.VerifyOptions{Roots: s.ca.pool, Intermediates: x509.NewCertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	for _, ic := range r.TLS.PeerCertificates[1:] {
		opts.Intermediates.AddCert(ic)
	}
	if _, err := cert.Verify(opts); err != nil {
		return fmt.Errorf("the TLS client certificate is not from the server's CA: %v", err)
	}
	if got := cert.Subject.String(); got != c.TLSSubjectDN {
		return fmt.Errorf("the TLS client certificate's subject %q is not %q", got, c.TLSSubjectDN)
	}
	return nil
}

// peerCert is the client certificate on the request's TLS connection, or nil.
func peerCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0]
}

func writeInvalidClient(w http.ResponseWriter, description string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="oauthserver"`)
	writeOAuthError(w, http.StatusUnauthorized, "invalid_client", description)
}

func (s *Server) setLastMethod(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastMethod = method
}

// LastAuthMethod names, as RFC 8414 metadata does, the client
// authentication the last /token or /revoke request tried:
// "client_secret_basic", "client_secret_post", "none", "private_key_jwt",
// "client_secret_jwt" or "tls_client_auth" ("" before any).
func (s *Server) LastAuthMethod() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastMethod
}

// authMethodsSupported is token_endpoint_auth_methods_supported: the
// secret styles Options.ClientAuth allows, then the JWT methods when a
// client uses them and tls_client_auth on a TLS server.
func (s *Server) authMethodsSupported() []string {
	methods := []string{"client_secret_basic", "client_secret_post"}
	switch s.opts.ClientAuth {
	case "form":
		methods = []string{"client_secret_post"}
	case "header":
		methods = []string{"client_secret_basic"}
	}
	if s.jwtAuthInUse() {
		methods = append(methods, "private_key_jwt", "client_secret_jwt")
	}
	if s.ca != nil {
		methods = append(methods, "tls_client_auth")
	}
	return methods
}

// jwtAuthInUse says whether some client is registered for assertions;
// only then does the metadata advertise them (the server always accepts them).
func (s *Server) jwtAuthInUse() bool {
	return slices.ContainsFunc(s.opts.Clients, func(c Client) bool { return c.PublicKey != nil || c.RequireAssertion })
}
