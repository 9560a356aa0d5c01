package socket

import "testing"

func TestTokenTypeDefaultsToBearer(t *testing.T) {
	for typ, want := range map[string]string{"": "Bearer", "Bearer": "Bearer", "bearer": "bearer", "DPoP": "DPoP"} {
		if got := TokenTypeOrDefault(typ); got != want {
			t.Errorf("TokenTypeOrDefault(%q) = %q, want %q", typ, got, want)
		}
	}
	for typ, want := range map[string]string{
		"":       "Authorization: Bearer tok",
		"bearer": "Authorization: Bearer tok",
		"BEARER": "Authorization: Bearer tok",
		"DPoP":   "Authorization: DPoP tok",
	} {
		if got := AuthorizationHeader(typ, "tok"); got != want {
			t.Errorf("AuthorizationHeader(%q) = %q, want %q", typ, got, want)
		}
	}
}
