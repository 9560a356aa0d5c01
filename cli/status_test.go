package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestStatusTableSaysTimeLeftAndWhatToDoNext(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour + 52*time.Minute)
	old := now.Add(-3 * time.Minute)
	noKeychain := "no Secret Service on the session bus: tokens are kept in memory only"
	var out bytes.Buffer
	writeStatusTable(&out, []socket.Status{
		{Name: "zepto-sandbox", State: socket.StateValid, ExpiresAt: &exp, Warning: noKeychain},
		{Name: "campaignflow", State: socket.StateNeedsLogin, Next: &socket.Next{Action: socket.NextLogin}, Warning: noKeychain},
		// No typed next: the text of an older daemon is shown as it came.
		{Name: "cf-test", State: socket.StateExpired, ExpiresAt: &old, Error: "provider unreachable", NextStep: "retrying", Warning: noKeychain},
	}, now)
	want := "zepto-sandbox  valid        expires in 1h 52m\n" +
		"campaignflow   needs_login  no token           run `tokentray login campaignflow`\n" +
		"cf-test        expired      expired 3m ago     provider unreachable; retrying\n" +
		"warning: " + noKeychain + "\n"
	if out.String() != want {
		t.Errorf("status table:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestStatusSaysWhatAHangingRefreshWaitsForAndWhatAScopeChangeNeeds(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour + 58*time.Minute)
	var out bytes.Buffer
	writeStatusTable(&out, []socket.Status{
		{Name: "zepto-sandbox", State: socket.StateRefreshing, ExpiresAt: &exp,
			Waiting: &socket.Waiting{Host: "go.sandbox.zeptopayments.com", Since: now.Add(-12 * time.Second), Timeout: 30}},
		{Name: "local", State: socket.StateValid, ExpiresAt: &exp,
			Next: &socket.Next{Action: socket.NextReauthorize, Scopes: []string{"write"}}},
	}, now)
	want := "zepto-sandbox  refreshing  expires in 1h 58m  waiting for go.sandbox.zeptopayments.com — 12 s (gives up after 30 s)\n" +
		"local          valid       expires in 1h 58m  run `tokentray login local` to get write; the current token keeps working until then\n"
	if out.String() != want {
		t.Errorf("status table:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestVerboseStatusQuotesTheProvidersAnswer(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.Local)
	var out bytes.Buffer
	writeStatusDetails(&out, []socket.Status{
		{Name: "cf-test", ProviderError: &socket.ProviderAnswer{Status: 400, Error: "invalid_scope", Description: "write is not allowed", Host: "api.example.com", Time: at},
			GrantedScopes: []string{"read"}},
		{Name: "quiet"},
	})
	want := "cf-test: api.example.com answered HTTP 400 invalid_scope at 09:00:00: write is not allowed\n" +
		"cf-test: granted scopes: read\n"
	if out.String() != want {
		t.Errorf("details:\n%s\nwant:\n%s", out.String(), want)
	}
}
