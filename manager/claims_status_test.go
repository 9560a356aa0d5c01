package manager_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/internal/oidcserver"
	"github.com/tokentray/tokentray/manager"
)

func TestClaimsOfADeviceLoginJWTInStatus(t *testing.T) {
	srv := oidcserver.Start(t, oidcserver.Options{JWTAccessTokens: true})
	r := newDeviceRig(t, srv, deviceEnv(srv))
	ctx := context.Background()
	info, err := r.m.Login(ctx, "box")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ApproveDevice(ctx, info.UserCode); err != nil {
		t.Fatal(err)
	}
	r.drive(time.Second, "login to end", r.loginEnded("box"))
	if err := r.m.WaitLogin(ctx, "box"); err != nil {
		t.Fatal(err)
	}
	st, _ := r.m.Status("box")
	c := st.Claims
	if c == nil {
		t.Fatal("no claims shown for a JWT access token")
	}
	if c.Subject != "id1" || c.Issuer != srv.Issuer || !slices.Contains(c.Audience, oidcserver.DeviceClientID) {
		t.Errorf("claims %+v: want sub id1, iss %s, aud with %s", c, srv.Issuer, oidcserver.DeviceClientID)
	}
	// The provider stamps its own (real) clock; the example storage's tokens last 5 minutes.
	if since := time.Since(c.IssuedAt); since < -time.Minute || since > time.Minute {
		t.Errorf("iat %s is not about now", c.IssuedAt)
	}
	if life := c.ExpiresAt.Sub(c.IssuedAt); life != 5*time.Minute {
		t.Errorf("exp - iat = %s, want 5m", life)
	}
	tok, _ := r.m.Token(ctx, "box", 0)
	if out := fmt.Sprintf("%+v %+v", st, *st.Claims); strings.Contains(out, tok.AccessToken.Reveal()) {
		t.Errorf("the status carries the token itself: %s", out)
	}
}

// hs256 builds a signed JWT the engine has no key for.
func hs256(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "HS256", "typ": "at+jwt"}) + "." + enc(claims)
	mac := hmac.New(sha256.New, []byte("provider key"))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestClaimsShowScopesOfAJWTFromTheProvider(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	jwt := hs256(t, map[string]any{
		"sub": "svc-7", "aud": []string{"campaigns", "reports"}, "scope": "campaigns:read reports:read",
		"iat": epoch.Unix(), "exp": epoch.Add(time.Hour).Unix(),
	})
	body, _ := json.Marshal(map[string]any{"access_token": jwt, "token_type": "Bearer", "expires_in": 3600})
	srv.Hook(oauthserver.Respond(http.StatusOK, string(body)))
	r := newRig(t, srv, nil, ccEnv(srv))
	if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatal(err)
	}
	st, _ := r.m.Status("shared")
	want := manager.Claims{Subject: "svc-7", Audience: []string{"campaigns", "reports"},
		Scopes: []string{"campaigns:read", "reports:read"}, IssuedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}
	if st.Claims == nil || !equalClaims(*st.Claims, want) {
		t.Errorf("claims %+v, want %+v", st.Claims, want)
	}
}

func equalClaims(a, b manager.Claims) bool {
	return a.Subject == b.Subject && a.Issuer == b.Issuer && slices.Equal(a.Audience, b.Audience) &&
		slices.Equal(a.Scopes, b.Scopes) && a.IssuedAt.Equal(b.IssuedAt) && a.ExpiresAt.Equal(b.ExpiresAt)
}

// narrowScopes makes the server grant only keep of what is asked, as a
// provider does when the application may not have the rest.
func narrowScopes(keep ...string) oauthserver.HookFunc {
	return func(_ http.ResponseWriter, r *http.Request) bool {
		var granted []string
		for _, s := range strings.Fields(r.PostForm.Get("scope")) {
			if slices.Contains(keep, s) {
				granted = append(granted, s)
			}
		}
		r.PostForm.Set("scope", strings.Join(granted, " "))
		r.Form.Set("scope", strings.Join(granted, " "))
		return false // the library answers, with the narrowed scope
	}
}

func TestScopesAskedForButNotGrantedAreFlagged(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.Hook(narrowScopes("read"))
	env := ccEnv(srv)
	env.Scopes = []string{"read", "write"}
	store := manager.NewMemoryStore()
	r := newRig(t, srv, store, env)
	if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatal(err)
	}
	st, _ := r.m.Status("shared")
	if !slices.Equal(st.GrantedScopes, []string{"read"}) || !slices.Equal(st.MissingScopes, []string{"write"}) {
		t.Errorf("granted %v, missing %v; want [read], [write]", st.GrantedScopes, st.MissingScopes)
	}
	if st.State != manager.StateValid {
		t.Errorf("state %s: fewer scopes are worth a flag, not an error", st.State)
	}

	// The granted scopes are stored with the tokens: a restart still knows.
	r.m.Close()
	r2 := newRig(t, srv, store, env)
	eventually(t, "missing scopes after a restart", func() bool {
		st, _ := r2.m.Status("shared")
		return slices.Equal(st.MissingScopes, []string{"write"})
	})
}

func TestScopesAllGrantedFlagNothing(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := ccEnv(srv)
	env.Scopes = []string{"read", "write"}
	r := newRig(t, srv, nil, env)
	if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatal(err)
	}
	st, _ := r.m.Status("shared")
	if !slices.Equal(st.GrantedScopes, []string{"read", "write"}) || len(st.MissingScopes) != 0 {
		t.Errorf("granted %v, missing %v", st.GrantedScopes, st.MissingScopes)
	}
}

func TestScopesNotEchoedByTheProviderFlagNothing(t *testing.T) {
	// RFC 6749 §5.1: scope may be left out when it is what was asked for.
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.Hook(oauthserver.Respond(http.StatusOK, `{"access_token":"opaque-1","token_type":"bearer","expires_in":7200}`))
	env := ccEnv(srv)
	env.Scopes = []string{"read", "write"}
	r := newRig(t, srv, nil, env)
	if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatal(err)
	}
	st, _ := r.m.Status("shared")
	if len(st.GrantedScopes) != 0 || len(st.MissingScopes) != 0 || st.Claims != nil {
		t.Errorf("granted %v, missing %v, claims %+v; want nothing flagged", st.GrantedScopes, st.MissingScopes, st.Claims)
	}
}
