package oauthserver

import (
	"context"
	"net/http"
	"sync"

	"github.com/go-oauth2/oauth2/v4"
)

// trackingStore is the memory token store plus lists of live refresh and
// access tokens, which the store cannot enumerate, so
// RevokeAllRefreshTokens and DropAccessTokens can remove them all.
type trackingStore struct {
	oauth2.TokenStore
	mu      sync.Mutex
	refresh map[string]struct{}
	access  map[string]struct{}
}

func newTrackingStore(ts oauth2.TokenStore) *trackingStore {
	return &trackingStore{TokenStore: ts, refresh: map[string]struct{}{}, access: map[string]struct{}{}}
}

func (t *trackingStore) Create(ctx context.Context, info oauth2.TokenInfo) error {
	if err := t.TokenStore.Create(ctx, info); err != nil {
		return err
	}
	if info.GetCode() != "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if rt := info.GetRefresh(); rt != "" {
		t.refresh[rt] = struct{}{}
	}
	if at := info.GetAccess(); at != "" {
		t.access[at] = struct{}{}
	}
	return nil
}

func (t *trackingStore) RemoveByAccess(ctx context.Context, access string) error {
	t.mu.Lock()
	delete(t.access, access)
	t.mu.Unlock()
	return t.TokenStore.RemoveByAccess(ctx, access)
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

	r, _, ok := s.authenticateClient(w, r, "revoke", "")
	if !ok {
		return
	}
	if !s.authenticate(r) {
		writeInvalidClient(w, "Client authentication failed")
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

// DropAccessTokens invalidates every access token issued so far, as if the
// provider had dropped them: the next resource request with any of them
// gets 401 and a refresh is needed. Refresh tokens stay valid.
func (s *Server) DropAccessTokens() {
	t := s.tokens
	t.mu.Lock()
	live := make([]string, 0, len(t.access))
	for at := range t.access {
		live = append(live, at)
	}
	t.mu.Unlock()
	for _, at := range live {
		s.DropAccessToken(at)
	}
}

// DropAccessToken invalidates one access token (see DropAccessTokens).
func (s *Server) DropAccessToken(token string) {
	_ = s.tokens.RemoveByAccess(context.Background(), token) // the memory store only fails on a closed db
}
