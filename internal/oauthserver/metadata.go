package oauthserver

import "net/http"

// Metadata is the RFC 8414 authorization server metadata document.
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethods     []string `json:"revocation_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported,omitempty"`

	// TokenEndpointAuthSigningAlgs are the assertion algorithms, listed when
	// private_key_jwt and client_secret_jwt are advertised.
	TokenEndpointAuthSigningAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	// DPoPSigningAlgs are the DPoP proof algorithms, listed when DPoP is on.
	DPoPSigningAlgs []string `json:"dpop_signing_alg_values_supported,omitempty"`
	// CertificateBoundAccessTokens is RFC 8705 §3.3, true on a TLS server.
	CertificateBoundAccessTokens bool `json:"tls_client_certificate_bound_access_tokens,omitempty"`
}

// SetIssuer overrides the issuer in the metadata (default: URL), e.g. to
// test a client that checks it.
func (s *Server) SetIssuer(issuer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issuer = issuer
}

// issuerURL is the issuer: SetIssuer's value, else URL.
func (s *Server) issuerURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.issuer == "" {
		return s.URL
	}
	return s.issuer
}

// Metadata is the document served at MetadataURL.
func (s *Server) Metadata() Metadata {
	auth := s.authMethodsSupported()
	m := Metadata{
		Issuer:                            s.issuerURL(),
		AuthorizationEndpoint:             s.AuthURL(),
		TokenEndpoint:                     s.TokenURL(),
		RevocationEndpoint:                s.RevokeURL(),
		ResponseTypesSupported:            []string{"code"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token", "client_credentials"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: auth,
		RevocationEndpointAuthMethods:     auth,
		ScopesSupported:                   s.opts.Scopes,
		CertificateBoundAccessTokens:      s.ca != nil,
	}
	if s.jwtAuthInUse() {
		m.TokenEndpointAuthSigningAlgs = algNames(assertionAlgs)
	}
	if s.opts.DPoP {
		m.DPoPSigningAlgs = algNames(asymmetricAlgs)
	}
	return m
}

func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "metadata takes GET", http.StatusMethodNotAllowed)
		return
	}
	_ = writeJSON(w, http.StatusOK, s.Metadata())
}
