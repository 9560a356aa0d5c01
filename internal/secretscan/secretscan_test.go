package secretscan

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The scanner itself must catch what it is there to catch.
func TestScannerFindsSecretsInLogsAndErrors(t *testing.T) {
	s := New()
	s.Secret("refresh_token", "rt-0123456789abcdef")
	s.Secret("access_token", "a/b+c=d&e-0123")
	s.Secret("short", "abc") // too short to mean anything: ignored
	log := slog.New(slog.NewTextHandler(s, nil))
	log.Info("refresh failed", "body", "refresh_token=rt-0123456789abcdef")
	log.Info("fine", "env", "local")
	s.Error("error", fmt.Errorf("sent %s", "a%2Fb%2Bc%3Dd%26e-0123"))
	s.Error("nil", nil)
	s.Text("page", "no secret here: abc")
	leaks := s.Leaks()
	if len(leaks) != 2 || leaks[0].Kind != "access_token" || leaks[1].Kind != "refresh_token" {
		t.Fatalf("leaks = %+v; want the refresh token in the log and the escaped access token in the error", leaks)
	}
	for _, l := range leaks {
		if contains(l.Where, "rt-0123456789abcdef") || contains(l.Where, "a%2Fb") {
			t.Errorf("the leak report prints the secret: %s", l.Where)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestScannerKnowsKeyMaterial(t *testing.T) {
	s := New()
	pemText := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\nZmFrZSBrZXkgbGluZSB0d28gZm9yIHRoZSBzY2FubmVy\n-----END PRIVATE KEY-----\n"
	s.PrivateKey("private_key", pemText)
	s.PrivateKey("dpop_key", `{"kty":"EC","crv":"P-256","x":"public-x-0123","y":"public-y-0123","d":"private-d-0123456789"}`)
	s.Text("error", "a key line: ZmFrZSBrZXkgbGluZSB0d28gZm9yIHRoZSBzY2FubmVy")
	s.Text("log", "the key's d is private-d-0123456789")
	s.Text("log", "public parts are fine: public-x-0123 -----BEGIN PRIVATE KEY-----")
	if leaks := s.Leaks(); len(leaks) != 2 {
		t.Errorf("leaks = %+v; want the PEM line and the JWK's d", leaks)
	}
}
