package manager

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// parseClaims decodes the payload of a JWT access token for display. The
// signature is not checked: the claims are shown, never trusted. Opaque
// tokens give nil.
func parseClaims(token string) *Claims {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var p struct {
		Sub   string          `json:"sub"`
		Iss   string          `json:"iss"`
		Aud   json.RawMessage `json:"aud"`
		Scope json.RawMessage `json:"scope"`
		Scp   []string        `json:"scp"`
		Iat   float64         `json:"iat"`
		Exp   float64         `json:"exp"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil
	}
	c := &Claims{Subject: p.Sub, Issuer: p.Iss, Audience: stringOrList(p.Aud), Scopes: stringOrList(p.Scope)}
	if len(c.Scopes) == 1 {
		c.Scopes = strings.Fields(c.Scopes[0])
	}
	if len(c.Scopes) == 0 {
		c.Scopes = p.Scp
	}
	if p.Iat > 0 {
		c.IssuedAt = time.Unix(int64(p.Iat), 0).UTC()
	}
	if p.Exp > 0 {
		c.ExpiresAt = time.Unix(int64(p.Exp), 0).UTC()
	}
	return c
}

// stringOrList reads a JSON value that is either "a" or ["a", "b"].
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
	_ = json.Unmarshal(raw, &list)
	return list
}
