package oauthserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/oauth2"
)

// TestFollowAndCallbackReachesTheAppListener plays the browser up to the
// app's own loopback listener, as the e2e tests do with tokentray login.
func TestFollowAndCallbackReachesTheAppListener(t *testing.T) {
	s := Start(t, Options{})
	codes := make(chan string, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		codes <- r.URL.Query().Get("code")
		fmt.Fprint(w, "signed in, you can close this window")
	}))
	defer app.Close()

	cfg := appConfig(s)
	cfg.RedirectURL = app.URL + "/callback"
	verifier := oauth2.GenerateVerifier()
	status, body, err := FollowAndCallback(context.Background(), cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil || status != http.StatusOK || body != "signed in, you can close this window" {
		t.Fatalf("callback page: HTTP %d %q, err %v", status, body, err)
	}
	if _, err := cfg.Exchange(context.Background(), <-codes, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("exchange the code the app received: %v", err)
	}
}

func TestFollowReportsAPageThatIsNoRedirect(t *testing.T) {
	s := Start(t, Options{})
	if _, err := Follow(context.Background(), s.MetadataURL()); err == nil {
		t.Fatal("a 200 page is not the end of an authorization")
	}
}
