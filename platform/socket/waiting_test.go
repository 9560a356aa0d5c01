package socket

import (
	"strings"
	"testing"
	"time"
)

func TestWaitingTextCountsSecondsAndSaysWhenItGivesUp(t *testing.T) {
	since := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	w := &Waiting{Host: "go.sandbox.zeptopayments.com", Since: since, Timeout: 30}
	for _, tc := range []struct {
		w    *Waiting
		at   time.Duration
		want string
	}{
		{nil, 0, ""},
		{w, 12*time.Second + 900*time.Millisecond, "waiting for go.sandbox.zeptopayments.com — 12 s (gives up after 30 s)"},
		{&Waiting{Host: "h", Since: since, Timeout: 60}, 75 * time.Second, "waiting for h — 1m 15s (gives up after 1m)"},
		{&Waiting{Host: "h", Since: since}, 4 * time.Second, "waiting for h — 4 s"},
	} {
		if got := WaitingText(tc.w, since.Add(tc.at)); got != tc.want {
			t.Errorf("WaitingText(%+v, +%v) = %q, want %q", tc.w, tc.at, got, tc.want)
		}
	}
}

func TestProviderAnswerTextQuotesTheProvider(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		a    *ProviderAnswer
		want string
	}{
		{nil, ""},
		{&ProviderAnswer{Status: 400, Error: "invalid_scope", Description: "write is not allowed", Host: "go.example.com", Time: at},
			"go.example.com answered HTTP 400 invalid_scope at 09:00:00: write is not allowed"},
		{&ProviderAnswer{Status: 502, Body: "<h1>Bad Gateway</h1>"}, "the provider answered HTTP 502: <h1>Bad Gateway</h1>"},
	} {
		if got := ProviderAnswerText(tc.a); got != tc.want {
			t.Errorf("ProviderAnswerText(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}

func TestScopeListReadsLikeASentence(t *testing.T) {
	for scopes, want := range map[string]string{"": "the new scopes", "write": "write", "write admin": "write and admin", "a b c": "a, b and c"} {
		var list []string
		if scopes != "" {
			list = strings.Fields(scopes)
		}
		if got := ScopeList(list); got != want {
			t.Errorf("ScopeList(%q) = %q, want %q", scopes, got, want)
		}
	}
}
