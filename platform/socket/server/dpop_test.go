package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// dpopSocketRig serves an engine whose "bound" environment gets DPoP-bound
// tokens from a server that demands nonces at its token endpoint and at
// its resources, next to "bearer", a plain one, and "keyed", which signs
// assertions with a private key it does not have yet.
var bg = context.Background()

func dpopSocketRig(t *testing.T) *socketRig {
	t.Helper()
	oauth := oauthserver.Start(t, oauthserver.Options{DPoPNonce: true, DPoPResourceNonce: true})
	store := manager.NewMemoryStore()
	for _, env := range []string{"bound", "bearer"} {
		if err := store.SaveSecret(env, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
			t.Fatal(err)
		}
	}
	env := func(name string) config.Environment {
		return config.Environment{Name: name, Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID}
	}
	bound, keyed := env("bound"), env("keyed")
	bound.DPoP = true
	keyed.AuthStyle = config.AuthStylePrivateKeyJWT
	logs := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := manager.New(&config.Config{Environments: []config.Environment{bound, env("bearer"), keyed}}, manager.Options{Store: store, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	return serveForTest(t, oauth, m, NewServer(m, log, Limits{}), logs)
}

func TestTokenReadWithARequestCarriesAProofTheResourceTakes(t *testing.T) {
	r := dpopSocketRig(t)
	target := r.oauth.EchoURL() + "/things?page=2"
	ans, err := r.client.TokenWith(bg, "bound", socket.TokenOptions{HTM: "GET", HTU: target})
	if err != nil {
		t.Fatal(err)
	}
	if ans.TokenType != "DPoP" || ans.DPoP == "" {
		t.Fatalf("answer of type %q with proof %v; want DPoP and a proof", ans.TokenType, ans.DPoP != "")
	}
	use := func(a socket.TokenAnswer, method string) int {
		req, _ := http.NewRequest(method, target, nil)
		req.Header.Set("Authorization", "DPoP "+a.AccessToken.Reveal())
		req.Header.Set("DPoP", a.DPoP.Reveal())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The resource shares the token endpoint's origin and nonce: the
	// engine proves with the nonce it heard there.
	if got := use(ans, http.MethodGet); got != http.StatusOK {
		t.Fatalf("the resource answered %d, want 200", got)
	}
	// A nonce handed in (from the resource's DPoP-Nonce) is used and kept.
	nonce := r.oauth.RotateDPoPNonce()
	ans, err = r.client.TokenWith(bg, "bound", socket.TokenOptions{HTM: "GET", HTU: target, DPoPNonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	if got := use(ans, http.MethodGet); got != http.StatusOK {
		t.Fatalf("with the nonce handed in the resource answered %d, want 200", got)
	}
	if got := socket.TokenAnswer(ans).DPoPHeaders(); got != "Authorization: DPoP "+ans.AccessToken.Reveal()+"\nDPoP: "+ans.DPoP.Reveal() {
		t.Errorf("DPoPHeaders = %q", got)
	}
	if status, out, _ := r.raw("GET", "/v1/environments/bound", nil); status != 200 || out["token_type"] != "DPoP" {
		t.Errorf("status %d %v; want token_type DPoP", status, out)
	}
	if strings.Contains(r.logs.String(), ans.DPoP.Reveal()) || strings.Contains(r.logs.String(), "htu=") {
		t.Error("the log holds the proof or a query value")
	}

	// A Bearer token comes without a proof, asked or not.
	plain, err := r.client.TokenWith(bg, "bearer", socket.TokenOptions{HTM: "GET", HTU: target})
	if err != nil || plain.DPoP != "" || plain.TokenType != "Bearer" {
		t.Errorf("bearer: %v, %+v", err, plain)
	}
	// The plain read is as before.
	if _, err := r.client.Token(bg, "bound", time.Minute); err != nil {
		t.Error(err)
	}
}

func TestTokenReadWithABadRequestIsRefused(t *testing.T) {
	r := dpopSocketRig(t)
	target := url.QueryEscape(r.oauth.EchoURL())
	for _, q := range []string{
		"htm=GET",
		"htu=" + target,
		"dpop_nonce=abc",
		"htm=GE%20T&htu=" + target,
		"htm=GET&htu=%2Frelative",
		"htm=GET&htu=ftp%3A%2F%2Fa.example%2F",
		"htm=GET&htu=" + target + "&dpop_nonce=" + strings.Repeat("n", 2000),
	} {
		r.wantError("GET", "/v1/environments/bound/token?"+q, nil, http.StatusBadRequest, socket.CodeBadRequest)
	}
}

func TestSecretThatDoesNotFitIsRefusedAs400(t *testing.T) {
	r := dpopSocketRig(t)
	r.wantError("PUT", "/v1/environments/keyed/secret", strings.NewReader("not-a-private-key-at-all"), http.StatusBadRequest, socket.CodeInvalidSecret)
	_, out, _ := r.raw("PUT", "/v1/environments/keyed/secret", strings.NewReader("not-a-private-key-at-all"))
	if msg, _ := out["message"].(string); !strings.Contains(msg, `keyed: the private key does not fit auth_style = "private_key_jwt": it is not PEM text`) {
		t.Errorf("message %q", msg)
	}
	_, out, _ = r.raw("GET", "/v1/environments/keyed", nil)
	if out["state"] != "unconfigured" || !strings.Contains(out["next_step"].(string), "tokentray secret set keyed < private-key.pem") {
		t.Errorf("status %v; want unconfigured, asking for the private key", out)
	}
}
