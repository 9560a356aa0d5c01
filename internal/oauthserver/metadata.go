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
}

// SetIssuer overrides the issuer in the metadata (default: URL), e.g. to
// test a client that checks it.
func (s *Server) SetIssuer(issuer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issuer = issuer
}

// Metadata is the document served at MetadataURL.
func (s *Server) Metadata() Metadata {
	s.mu.Lock()
	issuer := s.issuer
	s.mu.Unlock()
	if issuer == "" {
		issuer = s.URL
	}
	auth := []string{"client_secret_basic", "client_secret_post"}
	switch s.opts.ClientAuth {
	case "form":
		auth = []string{"client_secret_post"}
	case "header":
		auth = []string{"client_secret_basic"}
	}
	return Metadata{
		Issuer:                            issuer,
		AuthorizationEndpoint:             s.AuthURL(),
		TokenEndpoint:                     s.TokenURL(),
		RevocationEndpoint:                s.RevokeURL(),
		ResponseTypesSupported:            []string{"code"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token", "client_credentials"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		TokenEndpointAuthMethodsSupported: auth,
		RevocationEndpointAuthMethods:     auth,
		ScopesSupported:                   s.opts.Scopes,
	}
}

func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "metadata takes GET", http.StatusMethodNotAllowed)
		return
	}
	_ = writeJSON(w, http.StatusOK, s.Metadata())
}
