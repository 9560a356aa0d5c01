package ui

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

func TestCardSaysWhatAHangingRefreshWaitsFor(t *testing.T) {
	s := validStatus("zepto-sandbox")
	s.State = socket.StateRefreshing
	s.Waiting = &socket.Waiting{Host: "go.sandbox.zeptopayments.com", Since: now.Add(-12 * time.Second), Timeout: 30}
	c, _ := newTestCard(t, s)
	if text := shownText(c.root); !strings.Contains(text, "Waiting for go.sandbox.zeptopayments.com — 12 s (gives up after 30 s)") {
		t.Errorf("a hanging refresh's card shows:\n%s", text)
	}
	c.tick(now.Add(5 * time.Second))
	if text := shownText(c.root); !strings.Contains(text, "Waiting for go.sandbox.zeptopayments.com — 17 s (gives up after 30 s)") {
		t.Errorf("five seconds later the card shows:\n%s", text)
	}
}

func TestScopeChangeCardStaysValidAndSaysWhatSigningInAgainDoes(t *testing.T) {
	s := validStatus("local")
	s.Scopes, s.GrantedScopes, s.MissingScopes = []string{"read", "write"}, []string{"read"}, []string{"write"}
	s.Next = &socket.Next{Action: socket.NextReauthorize, Scopes: []string{"write"}}
	c, calls := newTestCard(t, s)
	text := shownText(c.root)
	for _, want := range []string{"VALID", "expires in 1h 52m",
		"The config now asks for write, which the current token was not issued with.",
		"Next: sign in again with Authorize to get write; the current token keeps working until then"} {
		if !strings.Contains(text, want) {
			t.Errorf("card shows:\n%s\nwant it to contain %q", text, want)
		}
	}
	if strings.Contains(text, "NEEDS LOGIN") || strings.Contains(text, "Not granted") {
		t.Errorf("card shows:\n%s\nwant the token's state, not a login demand", text)
	}
	if got, want := buttons(c.root), []string{labelCopyToken, labelCopyHeader, labelAuthorize, labelRefresh, labelSignOut, labelEdit, labelDetails}; !slices.Equal(got, want) {
		t.Errorf("buttons = %q, want %q", got, want)
	}
	test.Tap(button(t, c.root, labelAuthorize))
	if !slices.Equal(*calls, []string{"authorize local"}) {
		t.Errorf("tapping Authorize called %q", *calls)
	}

	// Client credentials get theirs with Refresh.
	s.Flow = config.FlowClientCredentials
	c, _ = newTestCard(t, s)
	if text := shownText(c.root); !strings.Contains(text, "Next: choose Refresh to get write; the current token keeps working until then") {
		t.Errorf("client-credentials card shows:\n%s", text)
	}
	if slices.Contains(buttons(c.root), labelAuthorize) {
		t.Errorf("client-credentials card offers Authorize: %q", buttons(c.root))
	}
}

func TestProviderAnswerIsBehindDetails(t *testing.T) {
	s := validStatus("cf-test")
	s.State, s.Error = socket.StateError, "provider answered invalid_scope (HTTP 400): write is not allowed"
	s.ProviderError = &socket.ProviderAnswer{Status: 400, Error: "invalid_scope", Description: "write is not allowed", Host: "api.example.com", Time: now}
	c, _ := newTestCard(t, s)
	if strings.Contains(shownText(c.root), "Provider's answer") {
		t.Error("the provider's answer shows before Details is opened")
	}
	test.Tap(button(t, c.root, labelDetails))
	want := "Provider's answer: api.example.com answered HTTP 400 invalid_scope at " + now.Local().Format("15:04:05") + ": write is not allowed"
	if text := shownText(c.root); !strings.Contains(text, want) {
		t.Errorf("after Details the card shows:\n%s\nwant %q", text, want)
	}
}

func TestFailedActionNamesTheEnvironmentOnce(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("local") != "" })
	h.oauth.Hook(oauthserver.Respond(http.StatusServiceUnavailable, `{"error":"temporarily_unavailable"}`))
	w.refreshToken("local")
	w.until(t, "the error", func() bool { return strings.Contains(w.dialogText(), "503") })
	// The dialog's title names it; the host's summary does not again.
	if text := w.dialogText(); !strings.Contains(text, "local: provider answered temporarily_unavailable (HTTP 503)") || strings.Count(text, "local") != 1 {
		t.Errorf("the error reads %q; want the environment named once", text)
	}
}
