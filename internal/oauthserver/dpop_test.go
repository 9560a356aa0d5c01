package oauthserver

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// ccForm is a client_credentials form with Basic-free form credentials.
func ccForm() url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
}

func refreshForm(refreshToken string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
}

// dpopLogin runs the browser flow and exchanges the code with a proof by key.
func dpopLogin(t *testing.T, s *Server, key dpopKey) response {
	t.Helper()
	cfg := appConfig(s)
	verifier := oauth2.GenerateVerifier()
	cb, err := Follow(context.Background(), cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {callbackQuery(t, cb).Get("code")}, "code_verifier": {verifier},
		"redirect_uri": {appRedirect}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
	}
	r := post(t, http.DefaultClient, s.TokenURL(), form, dpopHeader(key.proof(t, "POST", s.TokenURL())))
	wantOK(t, r)
	return r
}

func TestDPoPBindsTokensAndTheRefresh(t *testing.T) {
	s := Start(t, Options{DPoP: true})
	key, other := newDPoPKey(t), newDPoPKey(t)
	login := dpopLogin(t, s, key)
	if login.str("token_type") != "DPoP" {
		t.Fatalf("token_type = %q, want DPoP", login.str("token_type"))
	}
	access, refreshToken := login.str("access_token"), login.str("refresh_token")
	if b := s.Binding(access); b.JKT != key.jkt(t) || b.X5tS256 != "" {
		t.Errorf("access token binding %+v, want jkt %s", b, key.jkt(t))
	}
	if s.Binding(refreshToken).JKT != key.jkt(t) {
		t.Error("the refresh token should be bound too")
	}

	r := post(t, http.DefaultClient, s.TokenURL(), refreshForm(refreshToken), dpopHeader(other.proof(t, "POST", s.TokenURL())))
	wantError(t, r, "invalid_grant", http.StatusBadRequest)
	r = post(t, http.DefaultClient, s.TokenURL(), refreshForm(refreshToken), nil)
	wantError(t, r, "invalid_dpop_proof", http.StatusBadRequest)

	r = post(t, http.DefaultClient, s.TokenURL(), refreshForm(refreshToken), dpopHeader(key.proof(t, "POST", s.TokenURL())))
	wantOK(t, r)
	if r.str("token_type") != "DPoP" || s.Binding(r.str("access_token")).JKT != key.jkt(t) {
		t.Errorf("refreshed token_type %q, binding %+v", r.str("token_type"), s.Binding(r.str("access_token")))
	}
	reqs := s.DPoPRequests()
	last := reqs[len(reqs)-1]
	if last.Endpoint != "token" || last.Grant != "refresh_token" || !last.Proof || last.JKT != key.jkt(t) || last.Error != "" {
		t.Errorf("last DPoP record %+v", last)
	}
	if len(reqs) != 4 || reqs[1].JKT != other.jkt(t) || reqs[2].Proof {
		t.Errorf("records %+v: want the code exchange, the other key, no proof, the same key", reqs)
	}
}

func TestDPoPProofWithEachKeyType(t *testing.T) {
	s := Start(t, Options{DPoP: true})
	for _, key := range []dpopKey{{jose.RS256, rsaKey()}, {jose.PS256, rsaKey()}, {jose.EdDSA, newEdKey(t)}} {
		r := post(t, http.DefaultClient, s.TokenURL(), ccForm(), dpopHeader(key.proof(t, "POST", s.TokenURL())))
		wantOK(t, r)
		if r.str("token_type") != "DPoP" || s.Binding(r.str("access_token")).JKT != key.jkt(t) {
			t.Errorf("%s: token_type %q, binding %+v", key.alg, r.str("token_type"), s.Binding(r.str("access_token")))
		}
	}
}

func TestDPoPProofIsRefused(t *testing.T) {
	s := Start(t, Options{DPoP: true})
	key := newDPoPKey(t)
	tokenURL := s.TokenURL()
	old := time.Now().Add(-3 * time.Minute).Unix()
	signed := func(opts *jose.SignerOptions, signKey any, alg jose.SignatureAlgorithm) string {
		return signWithOptions(t, alg, signKey, opts, map[string]any{"jti": "x" + t.Name(), "htm": "POST", "htu": tokenURL, "iat": time.Now().Unix()})
	}
	other := newECKey(t)
	for name, proof := range map[string]string{
		"wrong method":   key.proof(t, "GET", tokenURL),
		"other URL":      key.proof(t, "POST", s.RevokeURL()),
		"other host":     key.proof(t, "POST", strings.Replace(tokenURL, "127.0.0.1", "localhost", 1)),
		"old iat":        key.proof(t, "POST", tokenURL, func(c map[string]any) { c["iat"] = old }),
		"future iat":     key.proof(t, "POST", tokenURL, func(c map[string]any) { c["iat"] = time.Now().Add(3 * time.Minute).Unix() }),
		"no iat":         key.proof(t, "POST", tokenURL, func(c map[string]any) { delete(c, "iat") }),
		"no jti":         key.proof(t, "POST", tokenURL, func(c map[string]any) { delete(c, "jti") }),
		"wrong typ":      signed((&jose.SignerOptions{EmbedJWK: true}).WithType("JWT"), key.key, jose.ES256),
		"no jwk":         signed((&jose.SignerOptions{}).WithType("dpop+jwt"), key.key, jose.ES256),
		"HS256":          signed((&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jose.JSONWebKey{Key: &other.PublicKey}), []byte(longSecret), jose.HS256),
		"private jwk":    signed((&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jose.JSONWebKey{Key: other}), other, jose.ES256),
		"jwk of another": signed((&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jose.JSONWebKey{Key: &other.PublicKey}), key.key, jose.ES256),
		"garbage":        "garbage",
	} {
		r := post(t, http.DefaultClient, tokenURL, ccForm(), dpopHeader(proof))
		if r.status != http.StatusBadRequest || r.str("error") != "invalid_dpop_proof" {
			t.Errorf("%s: HTTP %d %v, want 400 invalid_dpop_proof", name, r.status, r.body)
		}
	}

	proof := key.proof(t, "POST", tokenURL)
	wantOK(t, post(t, http.DefaultClient, tokenURL, ccForm(), dpopHeader(proof)))
	r := post(t, http.DefaultClient, tokenURL, ccForm(), dpopHeader(proof))
	wantError(t, r, "invalid_dpop_proof", http.StatusBadRequest)
	if !strings.Contains(r.str("error_description"), "replay") {
		t.Errorf("a replayed proof should be named as such: %v", r.body)
	}
	two := http.Header{"Dpop": {key.proof(t, "POST", tokenURL), key.proof(t, "POST", tokenURL)}}
	wantError(t, post(t, http.DefaultClient, tokenURL, ccForm(), two), "invalid_dpop_proof", http.StatusBadRequest)

	// A query on htu is no part of the comparison (RFC 9449 §4.3).
	wantOK(t, post(t, http.DefaultClient, tokenURL, ccForm(), dpopHeader(key.proof(t, "POST", tokenURL+"?x=1"))))
}

// signWithOptions signs claims with explicit signer options, for proofs
// newDPoPKey would not make.
func signWithOptions(t *testing.T, alg jose.SignatureAlgorithm, key any, opts *jose.SignerOptions, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	out, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return out
}

func TestDPoPNonce(t *testing.T) {
	ec := newECKey(t)
	s := Start(t, Options{DPoPNonce: true, Clients: []Client{{ID: "ec-app", PublicKey: &ec.PublicKey}}})
	key := newDPoPKey(t)

	// The proof is checked before the client: the nonce answer must not
	// use up the assertion, which the client sends again unchanged.
	form := assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("ec-app", s.TokenURL())))
	r := post(t, http.DefaultClient, s.TokenURL(), form, dpopHeader(key.proof(t, "POST", s.TokenURL())))
	wantError(t, r, "use_dpop_nonce", http.StatusBadRequest)
	nonce := r.header.Get("DPoP-Nonce")
	if nonce == "" || nonce != s.CurrentDPoPNonce() {
		t.Fatalf("DPoP-Nonce %q, want the current nonce", nonce)
	}
	r = post(t, http.DefaultClient, s.TokenURL(), form, dpopHeader(key.proof(t, "POST", s.TokenURL(), withNonce(nonce))))
	wantOK(t, r)
	if r.header.Get("DPoP-Nonce") != nonce || r.str("token_type") != "DPoP" {
		t.Errorf("success: DPoP-Nonce %q token_type %q", r.header.Get("DPoP-Nonce"), r.str("token_type"))
	}

	fresh := s.RotateDPoPNonce()
	form = assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("ec-app", s.TokenURL())))
	r = post(t, http.DefaultClient, s.TokenURL(), form, dpopHeader(key.proof(t, "POST", s.TokenURL(), withNonce(nonce))))
	wantError(t, r, "use_dpop_nonce", http.StatusBadRequest)
	if r.header.Get("DPoP-Nonce") != fresh || !strings.Contains(r.str("error_description"), "stale") {
		t.Errorf("stale nonce answer: DPoP-Nonce %q, %v", r.header.Get("DPoP-Nonce"), r.body)
	}
	wantOK(t, post(t, http.DefaultClient, s.TokenURL(), form, dpopHeader(key.proof(t, "POST", s.TokenURL(), withNonce(fresh)))))
	if s.UseDPoPNonceAnswers() != 2 {
		t.Errorf("UseDPoPNonceAnswers = %d, want 2", s.UseDPoPNonceAnswers())
	}
	reqs := s.DPoPRequests()
	if last := reqs[len(reqs)-1]; last.Nonce != fresh || last.Error != "" {
		t.Errorf("last record %+v, want the fresh nonce accepted", last)
	}
}

func TestRequireDPoP(t *testing.T) {
	s := Start(t, Options{RequireDPoP: true})
	wantError(t, post(t, http.DefaultClient, s.TokenURL(), ccForm(), nil), "invalid_dpop_proof", http.StatusBadRequest)
	wantOK(t, post(t, http.DefaultClient, s.TokenURL(), ccForm(), dpopHeader(newDPoPKey(t).proof(t, "POST", s.TokenURL()))))

	strict := DefaultClient()
	strict.ID, strict.RequireDPoP = "strict", true
	s = Start(t, Options{Clients: []Client{DefaultClient(), strict}})
	form := ccForm()
	form.Set("client_id", "strict")
	wantError(t, post(t, http.DefaultClient, s.TokenURL(), form, nil), "invalid_dpop_proof", http.StatusBadRequest)
	r := post(t, http.DefaultClient, s.TokenURL(), ccForm(), nil)
	wantOK(t, r)
	if r.str("token_type") != "Bearer" {
		t.Errorf("token_type without proof = %q", r.str("token_type"))
	}
}

func TestDPoPOffIgnoresTheHeader(t *testing.T) {
	s := Start(t, Options{})
	r := post(t, http.DefaultClient, s.TokenURL(), ccForm(), dpopHeader("not even a JWS"))
	wantOK(t, r)
	if r.str("token_type") != "Bearer" || s.Binding(r.str("access_token")) != (TokenBinding{}) || len(s.DPoPRequests()) != 0 {
		t.Errorf("a server without DPoP bound a token: %v", r.body)
	}
}
