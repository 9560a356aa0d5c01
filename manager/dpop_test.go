package manager_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// dpopEnv is a client credentials environment with a client secret and
// DPoP on.
func dpopEnv(srv *oauthserver.Server, flow config.Flow) config.Environment {
	env := keyEnv(srv, flow, oauthserver.DefaultClientID, "")
	env.DPoP = true
	return env
}

// tokenProofs are the DPoP requests the server saw at its token endpoint.
func tokenProofs(srv *oauthserver.Server) []oauthserver.DPoPRequest {
	var out []oauthserver.DPoPRequest
	for _, r := range srv.DPoPRequests() {
		if r.Endpoint == "token" {
			out = append(out, r)
		}
	}
	return out
}

// useAtResource sends tok with its proof to target, as a consumer does.
func useAtResource(t *testing.T, tok manager.Token, method, target string) (int, oauthserver.Echo) {
	t.Helper()
	req, _ := http.NewRequest(method, target, nil)
	req.Header.Set("Authorization", tok.TokenType+" "+tok.AccessToken.Reveal())
	if tok.DPoPProof != "" {
		req.Header.Set("DPoP", tok.DPoPProof.Reveal())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var echo oauthserver.Echo
	_ = json.NewDecoder(resp.Body).Decode(&echo)
	return resp.StatusCode, echo
}

func TestDPoPBoundTokenThroughANonceDemandRefreshAndResource(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{RequireDPoP: true, DPoPNonce: true, DPoPResourceNonce: true})
	r := newAuthRig(t, srv, dpopEnv(srv, config.FlowClientCredentials), authOptions{secret: oauthserver.DefaultClientSecret})
	tok, err := r.token()
	if err != nil {
		t.Fatal(err)
	}
	proofs := tokenProofs(srv)
	if len(proofs) != 2 || proofs[0].Error != "use_dpop_nonce" || proofs[0].Nonce != "" || proofs[1].Error != "" ||
		proofs[1].Nonce != srv.CurrentDPoPNonce() || proofs[1].JKT != proofs[0].JKT || proofs[1].Alg != "ES256" {
		t.Fatalf("token endpoint proofs %+v; want a use_dpop_nonce answer, then the same key with the nonce", proofs)
	}
	jkt := proofs[0].JKT
	if tok.TokenType != "DPoP" || !tok.DPoPBound() || srv.Binding(tok.AccessToken.Reveal()).JKT != jkt {
		t.Fatalf("token type %q, bound to %q; want DPoP, bound to %q", tok.TokenType, srv.Binding(tok.AccessToken.Reveal()).JKT, jkt)
	}
	if st := r.status(); st.TokenType != "DPoP" {
		t.Errorf("status token type %q, want DPoP", st.TokenType)
	}

	// The refresh uses the nonce it was given last: no second demand.
	if _, err := r.refresh(); err != nil {
		t.Fatal(err)
	}
	if got := tokenProofs(srv); len(got) != 3 || got[2].JKT != jkt || got[2].Error != "" || srv.UseDPoPNonceAnswers() != 1 {
		t.Errorf("refresh proofs %+v, %d nonce answers; want one more with the same key and no new demand", got, srv.UseDPoPNonceAnswers())
	}

	// A consumer asks for a proof for its request and uses it.
	target := srv.EchoURL() + "/items?page=2"
	read, err := r.m.Read(bg, "svc", manager.ReadRequest{Proof: &manager.ProofRequest{Method: "GET", URL: target}})
	r.note("Read", read, err)
	if err != nil || read.DPoPProof == "" {
		t.Fatalf("Read with a proof request: %v, proof %v", err, read.DPoPProof != "")
	}
	if code, echo := useAtResource(t, read, http.MethodGet, target); code != http.StatusOK || echo.TokenType != "DPoP" {
		t.Fatalf("the resource answered %d (%+v); want 200 for the token and its proof", code, echo)
	}
	// The proof is for that one request.
	if code, _ := useAtResource(t, read, http.MethodPost, target); code != http.StatusUnauthorized {
		t.Errorf("the same proof for another method: %d, want 401", code)
	}

	// A resource's new nonce, as a proxy hears it, goes into the next proof.
	r.m.NoteDPoPNonce(target, srv.RotateDPoPNonce())
	proof, err := r.m.DPoPProof(read, manager.ProofRequest{Method: "GET", URL: target})
	read.DPoPProof = proof
	r.note("DPoPProof", read, err)
	if code, _ := useAtResource(t, read, http.MethodGet, target); err != nil || code != http.StatusOK {
		t.Errorf("with the nonce the proxy heard: %d %v, want 200", code, err)
	}
}

func TestDPoPWithPrivateKeyJWTSendsBothOnEveryTry(t *testing.T) {
	key := ecTestKey(t)
	srv := oauthserver.Start(t, oauthserver.Options{RequireDPoP: true, DPoPNonce: true, Clients: []oauthserver.Client{keyClient("svc", key.pub)}})
	env := keyEnv(srv, config.FlowClientCredentials, "svc", config.AuthStylePrivateKeyJWT)
	env.DPoP = true
	r := newAuthRig(t, srv, env, authOptions{secret: key.pem})
	if _, err := r.token(); err != nil {
		t.Fatal(err)
	}
	if srv.UseDPoPNonceAnswers() != 1 || srv.AssertionsByGrant("client_credentials") != 1 || srv.TokenRequests() != 2 {
		t.Errorf("%d nonce answers, %d assertions accepted, %d requests; want 1, 1, 2", srv.UseDPoPNonceAnswers(), srv.AssertionsByGrant("client_credentials"), srv.TokenRequests())
	}
	wantAssertion(t, srv, "svc", "ES256", "client_credentials")
}

// A server whose nonce moves on with every request gets one retry per
// attempt, not a loop.
func TestDPoPNonceRetryHappensOnceNotInALoop(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{DPoPNonce: true})
	srv.Hook(func(http.ResponseWriter, *http.Request) bool {
		srv.RotateDPoPNonce()
		return false
	})
	r := newAuthRig(t, srv, dpopEnv(srv, config.FlowClientCredentials), authOptions{secret: oauthserver.DefaultClientSecret})
	_, err := r.token()
	var pe *manager.ProviderError
	if !errors.As(err, &pe) || pe.Code != "use_dpop_nonce" {
		t.Fatalf("Token: %v; want the provider's use_dpop_nonce", err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Fatalf("%d token requests for one attempt; want 2 (one retry with the nonce)", n)
	}
	if st := r.status(); !strings.Contains(st.Error, "use_dpop_nonce") || st.Next == nil || st.Next.Action != manager.NextCheckNetwork {
		t.Errorf("status %s %q %+v; want it named and retried later", st.State, st.Error, st.Next)
	}
	srv.Hook(nil)
	r.drive(time.Second, "the retry with the latest nonce", func() bool { return r.state("svc") == manager.StateValid })
}

// The binding survives a restart: the refresh after it is made with the
// same key, which the server insists on for a DPoP-bound refresh token.
func TestDPoPKeySurvivesARestartOfTheEngine(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{DPoP: true, DPoPNonce: true})
	store := manager.NewMemoryStore()
	r := newAuthRig(t, srv, dpopEnv(srv, config.FlowAuthorizationCode), authOptions{store: store, secret: oauthserver.DefaultClientSecret})
	r.login("svc")
	jkt := tokenProofs(srv)[0].JKT
	stored, err := store.LoadTokens("svc")
	if err != nil || stored == nil || !strings.Contains(string(stored.DPoPKey), `"d":`) || stored.TokenType != "DPoP" {
		t.Fatalf("stored %+v, %v; want the tokens with the private DPoP key", stored, err)
	}

	r.restart()
	before := srv.TokenRequests()
	tok, err := r.refresh()
	if err != nil {
		t.Fatalf("refresh after a restart: %v", err)
	}
	proofs := tokenProofs(srv)
	if last := proofs[len(proofs)-1]; last.JKT != jkt || last.Grant != "refresh_token" || last.Error != "" {
		t.Errorf("refresh after restart proved %+v; want the key %s", last, jkt)
	}
	if n := srv.TokenRequests() - before; n != 2 {
		t.Errorf("%d requests for the refresh; want 2 (nonces live in memory: the first one after a restart is asked for one)", n)
	}
	read, err := r.m.Read(bg, "svc", manager.ReadRequest{Proof: &manager.ProofRequest{Method: "GET", URL: srv.EchoURL()}})
	r.note("Read", read, err)
	if code, _ := useAtResource(t, read, http.MethodGet, srv.EchoURL()); err != nil || read.AccessToken != tok.AccessToken || code != http.StatusOK {
		t.Errorf("after the restart the resource answered %d (%v)", code, err)
	}
}

func TestLogoutDropsTheDPoPKeyWithTheTokens(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{DPoP: true})
	r := newAuthRig(t, srv, dpopEnv(srv, config.FlowAuthorizationCode), authOptions{secret: oauthserver.DefaultClientSecret})
	r.login("svc")
	first := tokenProofs(srv)[0].JKT
	if err := r.m.Logout(bg, "svc"); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.store.LoadTokens("svc"); st != nil {
		t.Fatalf("after logout the store holds %+v", st)
	}
	r.login("svc")
	if again := tokenProofs(srv)[len(tokenProofs(srv))-1].JKT; again == first {
		t.Error("the login after a logout kept the old DPoP key")
	}
}

func TestTurningDPoPOffForgetsTheBoundTokens(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{DPoP: true})
	env := dpopEnv(srv, config.FlowAuthorizationCode)
	r := newAuthRig(t, srv, env, authOptions{secret: oauthserver.DefaultClientSecret})
	r.login("svc")
	env.DPoP = false
	if err := r.m.SetConfig(&config.Config{Environments: []config.Environment{env}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.refresh(); !errors.Is(err, manager.ErrNeedsLogin) {
		t.Fatalf("refresh: %v; want needs login", err)
	}
	if st := r.status(); st.State != manager.StateNeedsLogin || !strings.Contains(st.Error, "dpop was turned off") {
		t.Errorf("status %s %q", st.State, st.Error)
	}
	if n := srv.TokenRequestsByGrant("refresh_token"); n != 0 {
		t.Errorf("%d refreshes without the key the tokens are bound to", n)
	}
}

func TestBearerTokenComesWithoutAProof(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newAuthRig(t, srv, keyEnv(srv, config.FlowClientCredentials, oauthserver.DefaultClientID, ""), authOptions{secret: oauthserver.DefaultClientSecret})
	tok, err := r.m.Read(bg, "svc", manager.ReadRequest{Proof: &manager.ProofRequest{Method: "GET", URL: srv.EchoURL()}})
	r.note("Read", tok, err)
	if err != nil || tok.DPoPProof != "" || tok.DPoPBound() || tok.TokenType != "Bearer" {
		t.Fatalf("Read: %v, %+v; want a Bearer token without a proof", err, tok)
	}
	for _, bad := range []manager.ProofRequest{
		{Method: "get me", URL: srv.EchoURL()},
		{Method: "GET", URL: "/relative"},
		{Method: "GET", URL: srv.EchoURL(), Nonce: "two words"},
	} {
		_, err := r.m.Read(bg, "svc", manager.ReadRequest{Proof: &bad})
		r.scan.Error("Read", err)
		if err == nil {
			t.Errorf("Read with %+v: no error", bad)
		}
	}
}
