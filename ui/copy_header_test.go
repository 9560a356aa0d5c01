package ui

import (
	"testing"

	"github.com/tokentray/tokentray/manager"
)

// Copy header writes the token's own type, not always "Bearer".
func TestCopyHeaderUsesTheTokensRealType(t *testing.T) {
	for _, c := range []struct {
		typ, want string
	}{
		{"DPoP", "Authorization: DPoP tok-1"},
		{"bearer", "Authorization: Bearer tok-1"},
		{"", "Authorization: Bearer tok-1"},
	} {
		tok := manager.Token{AccessToken: "tok-1", TokenType: c.typ}
		if what, got := copyText(tok, true); got != c.want || what != "Authorization header" {
			t.Errorf("type %q: copied %s %q, want %q", c.typ, what, got, c.want)
		}
	}
	if _, got := copyText(manager.Token{AccessToken: "tok-1", TokenType: "DPoP"}, false); got != "tok-1" {
		t.Errorf("Copy token copied %q, want the bare token", got)
	}
}
