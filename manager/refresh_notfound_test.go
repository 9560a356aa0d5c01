package manager_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// A CampaignFlow token URL is derived, not documented: a 404 from it says
// to ask CampaignFlow for the token URL, in the error and in the status.
func TestCampaignFlowTokenURLNotFoundSaysAskCampaignFlow(t *testing.T) {
	for _, preset := range []string{"campaignflow-test", "campaignflow-prod", "campaignflow"} {
		t.Run(preset, func(t *testing.T) {
			srv := oauthserver.Start(t, oauthserver.Options{})
			// A wrong path answers as a web server does: a bare 404 page.
			srv.Hook(func(w http.ResponseWriter, r *http.Request) bool {
				http.NotFound(w, r)
				return true
			})
			env := ccEnv(srv)
			env.Preset = preset // token_url overrides the preset's, as the config allows
			r := newRig(t, srv, nil, env)

			_, err := r.m.Token(context.Background(), "shared", 0)
			var pe *manager.ProviderError
			if !errors.As(err, &pe) || pe.StatusCode != http.StatusNotFound {
				t.Fatalf("err = %v, want a ProviderError with HTTP 404", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "HTTP 404") || !strings.Contains(msg, "ask CampaignFlow for your token URL") {
				t.Errorf("error %q lacks the hint", msg)
			}
			st, _ := r.m.Status("shared")
			if st.State != manager.StateError || !strings.Contains(st.Error, "ask CampaignFlow for your token URL") {
				t.Errorf("status %s %q lacks the hint", st.State, st.Error)
			}
		})
	}
}

func TestNotFoundWithoutPresetHintIsPlain(t *testing.T) {
	// Enough failures for the engine's own first fetch at start and this
	// read, whichever comes first.
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.FailNext(5, http.StatusNotFound)
	r := newRig(t, srv, nil, ccEnv(srv))
	_, err := r.m.Token(context.Background(), "shared", 0)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || strings.Contains(err.Error(), "CampaignFlow") {
		t.Errorf("err = %v", err)
	}
	// And a CampaignFlow environment's other failures carry no hint.
	srv2 := oauthserver.Start(t, oauthserver.Options{})
	srv2.FailNext(5, http.StatusUnauthorized)
	env := ccEnv(srv2)
	env.Preset = "campaignflow-test"
	r2 := newRig(t, srv2, nil, env)
	_, err = r2.m.Token(context.Background(), "shared", 0)
	if err == nil || strings.Contains(err.Error(), "CampaignFlow") {
		t.Errorf("401: err = %v", err)
	}
}
