package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

func TestProviderErrorIsInTheStatusAndTheErrorAnswer(t *testing.T) {
	r := newSocketRig(t, Limits{})
	r.oauth.Hook(oauthserver.Respond(http.StatusBadRequest, `{"error":"invalid_scope","error_description":"scope write is not allowed"}`))

	status, out, _ := r.raw("POST", "/v1/environments/"+ccName+"/refresh", nil)
	if status != http.StatusBadGateway || out["error"] != socket.CodeProviderError {
		t.Fatalf("refresh against a refusing provider = %d %v", status, out)
	}
	wantSummary := "provider answered invalid_scope (HTTP 400): scope write is not allowed"
	if out["message"] != ccName+": "+wantSummary || out["summary"] != wantSummary {
		t.Errorf("message %q, summary %q; want the environment named once in the message and not in the summary", out["message"], out["summary"])
	}

	_, st, _ := r.raw("GET", "/v1/environments/"+ccName, nil)
	pe, _ := st["provider_error"].(map[string]any)
	if pe["status"] != float64(400) || pe["error"] != "invalid_scope" || pe["description"] != "scope write is not allowed" ||
		pe["host"] != strings.TrimPrefix(r.oauth.URL, "http://") || pe["time"] == nil {
		t.Errorf("provider_error = %v", st["provider_error"])
	}
	env, err := r.client.Environment(context.Background(), ccName)
	if err != nil {
		t.Fatal(err)
	}
	if got := socket.ProviderAnswerText(env.ProviderError); !strings.Contains(got, "answered HTTP 400 invalid_scope at ") || !strings.HasSuffix(got, ": scope write is not allowed") {
		t.Errorf("ProviderAnswerText = %q", got)
	}

	// The client hands the summary to views that name the environment.
	_, err = r.client.Refresh(context.Background(), ccName)
	var api *socket.APIError
	if !errors.As(err, &api) || api.Summary != wantSummary {
		t.Errorf("client error %v; want its summary %q", err, wantSummary)
	}
}

func TestHangingRefreshIsInTheStatus(t *testing.T) {
	r := newSocketRig(t, Limits{})
	r.oauth.SetTokenDelay(4 * time.Second)
	started := time.Now()
	go func() { _, _ = r.client.Refresh(context.Background(), ccName) }()
	var env socket.Status
	r.waitFor("waiting in the status", func() bool {
		var err error
		env, err = r.client.Environment(context.Background(), ccName)
		return err == nil && env.Waiting != nil
	})
	w := env.Waiting
	if w.Host != strings.TrimPrefix(r.oauth.URL, "http://") || w.Timeout != 30 || w.Since.Before(started.Add(-time.Second)) {
		t.Errorf("waiting = %+v; want the provider's host, since the refresh began, 30 s", w)
	}
	if env.State != socket.StateRefreshing {
		t.Errorf("state %s while the refresh hangs, want refreshing", env.State)
	}
	text := socket.WaitingText(w, w.Since.Add(12*time.Second))
	if want := "waiting for " + w.Host + " — 12 s (gives up after 30 s)"; text != want {
		t.Errorf("WaitingText = %q, want %q", text, want)
	}
}
