package manager

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// signedJWT builds a real HS256 JWT; parseClaims must read it without the key.
func signedJWT(t testing.TB, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "HS256", "typ": "at+jwt"}) + "." + enc(claims)
	mac := hmac.New(sha256.New, []byte("a key the engine never sees"))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestClaimsOfAJWTAccessToken(t *testing.T) {
	iat, exp := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   Claims
	}{
		{"RFC 9068 scope string, one audience", map[string]any{
			"sub": "user-1", "iss": "https://auth.example", "aud": "api", "scope": "read write",
			"iat": iat.Unix(), "exp": exp.Unix(),
		}, Claims{Subject: "user-1", Issuer: "https://auth.example", Audience: []string{"api"}, Scopes: []string{"read", "write"}, IssuedAt: iat, ExpiresAt: exp}},
		{"audience list, scp list (Okta)", map[string]any{
			"sub": "u", "aud": []string{"a", "b"}, "scp": []string{"openid", "email"}, "exp": exp.Unix(),
		}, Claims{Subject: "u", Audience: []string{"a", "b"}, Scopes: []string{"openid", "email"}, ExpiresAt: exp}},
		{"scp string (Microsoft)", map[string]any{"scp": "User.Read Mail.Read"},
			Claims{Scopes: []string{"User.Read", "Mail.Read"}}},
		{"fractional times", map[string]any{"iat": float64(iat.Unix()) + 0.75},
			Claims{IssuedAt: iat}},
		{"claims of the wrong type are left out", map[string]any{
			"sub": "u", "aud": 7, "scope": map[string]any{"x": 1}, "iat": "yesterday", "exp": -5,
		}, Claims{Subject: "u"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseClaims(signedJWT(t, tc.claims))
			if got == nil {
				t.Fatal("no claims")
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("claims\n got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestClaimsOfOpaqueOrBrokenTokensAreNil(t *testing.T) {
	jwt := signedJWT(t, map[string]any{"sub": "u"})
	parts := strings.Split(jwt, ".")
	for name, tok := range map[string]string{
		"empty":                   "",
		"opaque":                  "ZTk2NGIxYTgtNzM1Ny00OTNjLWE0ZGQtNjY1YjE0ZDAyMjQ2",
		"opaque with two dots":    "v1.abc.def",
		"JWE (five parts)":        jwt + ".x.y",
		"payload not base64":      parts[0] + ".%%%." + parts[2],
		"payload not JSON":        parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("hello")) + "." + parts[2],
		"payload a JSON array":    parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("[1,2]")) + "." + parts[2],
		"header without alg":      base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT"}`)) + "." + parts[1] + "." + parts[2],
		"oversized":               parts[0] + "." + strings.Repeat("A", maxJWTSize) + "." + parts[2],
		"dots only":               "..",
		"unicode in the segments": "é.ü.ß",
	} {
		if c := parseClaims(tok); c != nil {
			t.Errorf("%s: got claims %+v, want nil", name, c)
		}
	}
}

// FuzzParseClaims: whatever a provider hands out as an access token, the
// status snapshot must not panic on it.
func FuzzParseClaims(f *testing.F) {
	f.Add(signedJWT(f, map[string]any{"sub": "u", "aud": []string{"a"}, "scope": "r w", "iat": 1, "exp": 2}))
	f.Add(signedJWT(f, map[string]any{"scp": "a b", "exp": 1e300}))
	f.Add(signedJWT(f, map[string]any{"aud": []any{1, "x", nil}, "iat": -1}))
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("opaque-token")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		c := parseClaims(tok)
		if c != nil && len(tok) > maxJWTSize {
			t.Errorf("claims from a token over the size limit")
		}
	})
}
