package oauthserver

import (
	"context"
	"net/http"
	"sync"

	"github.com/go-oauth2/oauth2/v4"
)

// trackingStore is the memory token store plus a list of live refresh
// tokens, which the store cannot enumerate, so RevokeAllRefreshTokens can
// remove them all.
type trackingStore struct {
	oauth2.TokenStore
	mu      sync.Mutex
	refresh map[string]struct{}
}

func newTrackingStore(ts oauth2.TokenStore) *trackingStore {
	return &trackingStore{TokenStore: ts, refresh: map[string]struct{}{}}
}

func (t *trackingStore) Create(ctx context.Context, info oauth2.TokenInfo) error {
	if err := t.TokenStore.Create(ctx, info); err != nil {
		return err
	}
	if rt := info.GetRefresh(); rt != "" && info.GetCode() == "" {
		t.mu.Lock()
		t.refresh[rt] = struct{}{}
		t.mu.Unlock()
	}
	return nil
}

func (t *trackingStore) RemoveByRefresh(ctx context.Context, refresh string) error {
	t.mu.Lock()
	delete(t.refresh, refresh)
	t.mu.Unlock()
	return t.TokenStore.RemoveByRefresh(ctx, refresh)
}

// revoke removes a refresh token together with its access token (RFC 7009
// §2.1 SHOULD), or just an access token.
func (t *trackingStore) revoke(ctx context.Context, token string) error {
	ti, err := t.GetByRefresh(ctx, token)
	if err != nil {
		return err
	}
	if ti != nil && ti.GetRefresh() == token {
		if err := t.RemoveByAccess(ctx, ti.GetAccess()); err != nil {
			return err
		}
		return t.RemoveByRefresh(ctx, token)
	}
	return t.RemoveByAccess(ctx, token)
}

// handleRevoke is the RFC 7009 endpoint: client authentication as at
// /token, 200 for any token, known or not.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if !readPostForm(w, r, "revocation") {
		return
	}
	token := r.PostForm.Get("token")
	s.mu.Lock()
	s.revoked = append(s.revoked, token)
	s.mu.Unlock()

	if !s.authenticate(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauthserver"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	if token == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	if err := s.tokens.revoke(r.Context(), token); err != nil {
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "token store failed")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Revoked lists the token values posted to /revoke, in order.
func (s *Server) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.revoked...)
}

// RevokeAllRefreshTokens invalidates every refresh token issued so far; the
// next refresh with any of them gets invalid_grant. Access tokens stay valid.
func (s *Server) RevokeAllRefreshTokens() {
	t := s.tokens
	t.mu.Lock()
	live := make([]string, 0, len(t.refresh))
	for rt := range t.refresh {
		live = append(live, rt)
	}
	t.mu.Unlock()
	for _, rt := range live {
		_ = t.RemoveByRefresh(context.Background(), rt) // the memory store only fails on a closed db
	}
}

// handleResource is a protected resource: 200 with who the token is for,
// 401 with WWW-Authenticate for a missing, unknown or expired token.
func (s *Server) handleResource(w http.ResponseWriter, r *http.Request) {
	ti, err := s.lib.ValidationBearerToken(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_token", "the access token is missing, unknown or expired")
		return
	}
	_ = writeJSON(w, http.StatusOK, map[string]interface{}{
		"client_id": ti.GetClientID(),
		"user_id":   ti.GetUserID(),
		"scope":     ti.GetScope(),
	})
}
