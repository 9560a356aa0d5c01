package oauthserver

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// resourceRequest builds a request to target with the given Authorization and optional proof.
func resourceRequest(t *testing.T, method, target, authorization, proof string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	return req
}

func bearerToken(t *testing.T, s *Server) string {
	t.Helper()
	r := post(t, http.DefaultClient, s.TokenURL(), ccForm(), nil)
	wantOK(t, r)
	return r.str("access_token")
}

func TestEchoWithBearer(t *testing.T) {
	s := Start(t, Options{})
	token := bearerToken(t, s)
	req := resourceRequest(t, http.MethodPut, s.EchoURL()+"/a/b?x=1&y=2", "Bearer "+token, "", strings.NewReader("hello"))
	req.Header.Set("X-Proxy-Test", "kept")
	e := do(t, http.DefaultClient, req)
	wantOK(t, e)
	if e.str("method") != "PUT" || e.str("path") != "/resource/a/b" || e.str("query") != "x=1&y=2" || e.body["body_bytes"] != float64(5) {
		t.Errorf("echo %v", e.body)
	}
	if e.str("token_type") != "Bearer" || e.str("client_id") != DefaultClientID || e.str("sub") != DefaultClientID {
		t.Errorf("echo %v", e.body)
	}
	headers, _ := e.body["headers"].(map[string]any)
	if headers["X-Proxy-Test"] != "kept" || headers["Authorization"] != nil {
		t.Errorf("echoed headers %v: want X-Proxy-Test and no Authorization", headers)
	}

	bad := do(t, http.DefaultClient, resourceRequest(t, http.MethodGet, s.EchoURL(), "Bearer nope", "", nil))
	wantError(t, bad, "invalid_token", http.StatusUnauthorized)
	if s.ResourceRequests() != 2 || s.ResourceUnauthorized() != 1 {
		t.Errorf("resource counters %d/%d, want 2/1", s.ResourceRequests(), s.ResourceUnauthorized())
	}
}

func TestEchoWithDPoP(t *testing.T) {
	s := Start(t, Options{DPoP: true})
	key, other := newDPoPKey(t), newDPoPKey(t)
	r := post(t, http.DefaultClient, s.TokenURL(), ccForm(), dpopHeader(key.proof(t, "POST", s.TokenURL())))
	wantOK(t, r)
	token := r.str("access_token")
	target := s.EchoURL() + "/items"
	get := func(authorization, proof string) response {
		return do(t, http.DefaultClient, resourceRequest(t, http.MethodGet, target+"?page=2", authorization, proof, nil))
	}

	for name, tc := range map[string]struct {
		authorization, proof, code string
	}{
		"as Bearer":        {"Bearer " + token, "", "invalid_token"},
		"as Bearer+proof":  {"Bearer " + token, key.proof(t, "GET", target, withATH(token)), "invalid_token"},
		"no proof":         {"DPoP " + token, "", "invalid_dpop_proof"},
		"no ath":           {"DPoP " + token, key.proof(t, "GET", target), "invalid_dpop_proof"},
		"ath of another":   {"DPoP " + token, key.proof(t, "GET", target, withATH("other")), "invalid_dpop_proof"},
		"other URL":        {"DPoP " + token, key.proof(t, "GET", s.EchoURL()+"/other", withATH(token)), "invalid_dpop_proof"},
		"other method":     {"DPoP " + token, key.proof(t, "POST", target, withATH(token)), "invalid_dpop_proof"},
		"other key":        {"DPoP " + token, other.proof(t, "GET", target, withATH(token)), "invalid_dpop_proof"},
		"unknown token":    {"DPoP nope", key.proof(t, "GET", target, withATH("nope")), "invalid_token"},
		"no authorization": {"", key.proof(t, "GET", target, withATH(token)), "invalid_token"},
	} {
		r := get(tc.authorization, tc.proof)
		if r.status != http.StatusUnauthorized || r.str("error") != tc.code {
			t.Errorf("%s: HTTP %d %v, want 401 %s", name, r.status, r.body, tc.code)
		}
		if www := r.header.Get("WWW-Authenticate"); tc.authorization != "" && !strings.HasPrefix(www, `DPoP error="`+tc.code+`"`) {
			t.Errorf("%s: WWW-Authenticate %q", name, www)
		}
	}

	ok := get("DPoP "+token, key.proof(t, "GET", target, withATH(token)))
	wantOK(t, ok)
	if ok.str("token_type") != "DPoP" || ok.str("query") != "page=2" {
		t.Errorf("echo %v", ok.body)
	}
	if headers, _ := ok.body["headers"].(map[string]any); headers["Dpop"] != nil {
		t.Errorf("the proof was echoed: %v", headers)
	}
	reqs := s.DPoPRequests()
	if last := reqs[len(reqs)-1]; last.Endpoint != "resource" || last.JKT != key.jkt(t) || last.URL != target {
		t.Errorf("last DPoP record %+v", last)
	}
}

func TestResourceDPoPNonce(t *testing.T) {
	s := Start(t, Options{DPoPResourceNonce: true})
	key := newDPoPKey(t)
	r := post(t, http.DefaultClient, s.TokenURL(), ccForm(), dpopHeader(key.proof(t, "POST", s.TokenURL())))
	wantOK(t, r) // the nonce is for the resource only
	token := r.str("access_token")

	first := do(t, http.DefaultClient, resourceRequest(t, http.MethodGet, s.EchoURL(), "DPoP "+token, key.proof(t, "GET", s.EchoURL(), withATH(token)), nil))
	wantError(t, first, "use_dpop_nonce", http.StatusUnauthorized)
	nonce := first.header.Get("DPoP-Nonce")
	if nonce == "" || !strings.HasPrefix(first.header.Get("WWW-Authenticate"), `DPoP error="use_dpop_nonce"`) {
		t.Fatalf("nonce challenge: DPoP-Nonce %q, WWW-Authenticate %q", nonce, first.header.Get("WWW-Authenticate"))
	}
	second := do(t, http.DefaultClient, resourceRequest(t, http.MethodGet, s.EchoURL(), "DPoP "+token, key.proof(t, "GET", s.EchoURL(), withATH(token), withNonce(nonce)), nil))
	wantOK(t, second)
	if second.header.Get("DPoP-Nonce") != nonce || s.UseDPoPNonceAnswers() != 1 {
		t.Errorf("DPoP-Nonce %q, nonce answers %d", second.header.Get("DPoP-Nonce"), s.UseDPoPNonceAnswers())
	}
}

func TestStream(t *testing.T) {
	s := Start(t, Options{})
	token := bearerToken(t, s)
	const n = 100_000
	resp, err := http.DefaultClient.Do(resourceRequest(t, http.MethodGet, s.StreamURL(n), "Bearer "+token, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.ContentLength != -1 || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("HTTP %d, Content-Length %d, Transfer-Encoding %v: want a chunked 200", resp.StatusCode, resp.ContentLength, resp.TransferEncoding)
	}
	if len(body) != n {
		t.Fatalf("got %d bytes, want %d", len(body), n)
	}
	for i, b := range body {
		if b != byte(i) {
			t.Fatalf("byte %d is %d, want %d", i, b, byte(i))
		}
	}
	bad := do(t, http.DefaultClient, resourceRequest(t, http.MethodGet, s.StreamURL(n), "", "", nil))
	wantError(t, bad, "invalid_token", http.StatusUnauthorized)
}

func TestEvents(t *testing.T) {
	s := Start(t, Options{})
	token := bearerToken(t, s)
	resp, err := http.DefaultClient.Do(resourceRequest(t, http.MethodGet, s.EventsURL(3, 10*time.Millisecond), "Bearer "+token, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("HTTP %d %s", resp.StatusCode, ct)
	}
	var data []string
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			data = append(data, v)
		}
	}
	if strings.Join(data, " ") != `{"n":1} {"n":2} {"n":3}` {
		t.Errorf("events %q", data)
	}
}

func TestDropAccessTokens(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	a, b := login(t, cfg), login(t, cfg)
	s.DropAccessTokens()
	for _, tok := range []string{a.AccessToken, b.AccessToken} {
		if getResource(t, s, tok) != http.StatusUnauthorized {
			t.Error("a dropped access token still works")
		}
	}
	fresh, err := refresh(cfg, a.RefreshToken)
	if err != nil {
		t.Fatalf("refresh after the drop: %v", err)
	}
	if getResource(t, s, fresh.AccessToken) != http.StatusOK {
		t.Error("the refreshed access token should work")
	}
	s.DropAccessToken(fresh.AccessToken)
	if getResource(t, s, fresh.AccessToken) != http.StatusUnauthorized {
		t.Error("DropAccessToken left the token valid")
	}
	if s.ResourceUnauthorized() != 3 || s.ResourceRequests() != 4 {
		t.Errorf("resource counters %d/%d, want 4/3", s.ResourceRequests(), s.ResourceUnauthorized())
	}
}

func TestMetadataAdvertisesTheNewMethods(t *testing.T) {
	ec := newECKey(t)
	s := Start(t, Options{TLS: true, DPoP: true, Clients: []Client{DefaultClient(), {ID: "ec-app", PublicKey: &ec.PublicKey}}})
	m := do(t, s.HTTPClient(nil), resourceRequest(t, http.MethodGet, s.MetadataURL(), "", "", nil))
	wantOK(t, m)
	for key, want := range map[string]string{
		"token_endpoint_auth_methods_supported":            "client_secret_basic client_secret_post private_key_jwt client_secret_jwt tls_client_auth",
		"token_endpoint_auth_signing_alg_values_supported": "RS256 PS256 ES256 EdDSA HS256",
		"dpop_signing_alg_values_supported":                "ES256 RS256 PS256 EdDSA",
	} {
		list, _ := m.body[key].([]any)
		got := make([]string, len(list))
		for i, v := range list {
			got[i], _ = v.(string)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s = %v, want %s", key, got, want)
		}
	}
	if m.body["tls_client_certificate_bound_access_tokens"] != true {
		t.Error("tls_client_certificate_bound_access_tokens should be true on a TLS server")
	}
	plain := Start(t, Options{}).Metadata()
	if plain.DPoPSigningAlgs != nil || plain.TokenEndpointAuthSigningAlgs != nil || plain.CertificateBoundAccessTokens {
		t.Errorf("a plain server advertises %+v", plain)
	}
}
