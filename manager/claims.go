package manager

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// maxJWTSize bounds what parseClaims decodes; access tokens are a few
// kilobytes at most, and the status snapshot calls it often.
const maxJWTSize = 64 << 10

// parseClaims decodes the payload of a JWT access token for display. The
// signature is not checked: the claims are shown, never trusted. Opaque
// tokens, encrypted ones (JWE, five parts) and anything unreadable give nil.
func parseClaims(token string) *Claims {
	if len(token) > maxJWTSize {
		return nil
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	// A JWS header is a JSON object naming its algorithm; checking it keeps
	// an opaque token that happens to hold two dots from passing as a JWT.
	var header struct {
		Alg string `json:"alg"`
	}
	if decodeSegment(parts[0], &header) != nil || header.Alg == "" {
		return nil
	}
	var p struct {
		Sub   string          `json:"sub"`
		Iss   string          `json:"iss"`
		Aud   json.RawMessage `json:"aud"`
		Scope json.RawMessage `json:"scope"` // RFC 9068, space-separated; some send a list
		Scp   json.RawMessage `json:"scp"`   // Okta (list), Microsoft (space-separated)
		Iat   json.RawMessage `json:"iat"`
		Exp   json.RawMessage `json:"exp"`
	}
	if decodeSegment(parts[1], &p) != nil {
		return nil
	}
	c := &Claims{
		Subject:   p.Sub,
		Issuer:    p.Iss,
		Audience:  stringOrList(p.Aud),
		Scopes:    scopeList(p.Scope),
		IssuedAt:  numericDate(p.Iat),
		ExpiresAt: numericDate(p.Exp),
	}
	if len(c.Scopes) == 0 {
		c.Scopes = scopeList(p.Scp)
	}
	return c
}

// decodeSegment reads one base64url JSON segment of a JWT.
func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// scopeList reads scopes given as "a b" or ["a", "b"].
func scopeList(raw json.RawMessage) []string {
	var out []string
	for _, s := range stringOrList(raw) {
		out = append(out, strings.Fields(s)...)
	}
	return out
}

// stringOrList reads a JSON value that is either "a" or ["a", "b"];
// anything else gives nil.
func stringOrList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil
		}
		return []string{one}
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	return list
}

// numericDate reads a JWT NumericDate (seconds since the epoch). Missing, non-numeric or absurd values give the zero time.
func numericDate(raw json.RawMessage) time.Time {
	var f float64
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || f <= 0 || f > math.MaxInt32*100 {
		return time.Time{}
	}
	return time.Unix(int64(f), 0).UTC() // whole seconds: shown, not compared
}
