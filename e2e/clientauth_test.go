//go:build linux

package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// The client authentication methods and DPoP, driven through the built
// binary: keys and certificates go in with `tokentray secret set`, tokens
// come out of `tokentray token` and the socket, and the provider (a real
// authorization server on loopback) says what it saw.

// e2eKey is a private key in one PEM encoding, and its public half.
type e2eKey struct {
	name, pem, alg string
	pub            crypto.PublicKey
}

func e2eKeys(t *testing.T) []e2eKey {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	return []e2eKey{
		{"ec-pkcs8", pkcs8(ec), "ES256", &ec.PublicKey},
		{"ec-sec1", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})), "ES256", &ec.PublicKey},
		{"rsa-pkcs8", pkcs8(rk), "RS256", &rk.PublicKey},
		{"rsa-pkcs1", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})), "RS256", &rk.PublicKey},
	}
}

// assertionClient is a client of srv that must sign assertions with pub.
func assertionClient(id string, pub crypto.PublicKey) oauthserver.Client {
	c := oauthserver.DefaultClient()
	c.ID, c.Secret, c.PublicKey, c.RequireAssertion = id, "", pub, true
	return c
}

// tomlPEM is PEM text as a config file holds it: the lines as pasted.
func tomlPEM(text string) string { return "'''\n" + text + "'''" }

func TestPrivateKeyJWTClientCredentialsWithECAndRSAKeysInEveryPEM(t *testing.T) {
	keys := e2eKeys(t)
	var clients []oauthserver.Client
	for _, k := range keys {
		clients = append(clients, assertionClient(k.name, k.pub))
	}
	srv := oauthserver.Start(t, oauthserver.Options{Clients: clients})
	h := newHome(t)
	var config strings.Builder
	envs := map[string]e2eKey{}
	for _, k := range keys {
		env := h.envName(k.name)
		envs[env] = k
		fmt.Fprintf(&config, "[[environment]]\nname = %q\nflow = \"client_credentials\"\ntoken_url = %q\nclient_id = %q\nauth_style = \"private_key_jwt\"\n\n",
			env, srv.TokenURL(), k.name)
	}
	h.writeConfig(config.String())
	d := h.startDaemon()

	for env, k := range envs {
		if s := h.statusOf(env); s.State != socket.StateUnconfigured || !strings.Contains(s.NextStep, "secret set "+env+" < private-key.pem") {
			t.Errorf("%s before its key: %v", env, s)
		}
		// A key that is cut short is refused by name, and nothing is stored.
		r := h.run(k.pem[:len(k.pem)/2], "secret", "set", env)
		if r.code == 0 || !strings.Contains(r.stderr, "the private key does not fit auth_style = \"private_key_jwt\"") || strings.Contains(r.stderr, k.pem[40:80]) {
			t.Errorf("%s: a broken key: exit %d, stderr %q", env, r.code, r.stderr)
		}
		h.mustRun(k.pem, "secret", "set", env) // stdin, as `< key.pem`
		token := strings.TrimSpace(h.mustRun("", "token", env))
		if !acceptedByProvider(t, srv, token) {
			t.Fatalf("%s: the token is not one the provider accepts\n%s", env, d.logs)
		}
		a, _ := srv.LastAssertion()
		if a.ClientID != k.name || a.Alg != k.alg || a.Grant != "client_credentials" || a.Issuer != k.name || a.Audience[0] != srv.TokenURL() {
			t.Errorf("%s: the provider saw the assertion %+v", env, a)
		}
	}
	if strings.Contains(d.logs.String(), "PRIVATE KEY") || strings.Contains(d.logs.String(), "client_assertion=") {
		t.Error("the daemon's log holds key material or an assertion")
	}
}

func TestPrivateKeyJWTLoginWhoseRefreshSendsTheAssertionToo(t *testing.T) {
	requireKeychain(t)
	k := e2eKeys(t)[0]
	srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{assertionClient("app", k.pub)}})
	h := newHome(t)
	env := h.envName("pkjwt")
	h.writeConfig(strings.Replace(codeConfig(srv, env), oauthserver.DefaultClientID, "app", 1) + "auth_style = \"private_key_jwt\"\n")
	h.seedSecret(env, k.pem) // stored before the daemon starts
	d := h.startDaemon()
	if r := h.login(env); r.code != 0 {
		t.Fatalf("login exit %d: %s\n%s", r.code, r.stderr, d.logs)
	}
	h.mustRun("", "refresh", env)
	if srv.AssertionsByGrant("authorization_code") != 1 || srv.AssertionsByGrant("refresh_token") != 1 {
		t.Errorf("assertions: %d at the code exchange, %d at the refresh; want one each",
			srv.AssertionsByGrant("authorization_code"), srv.AssertionsByGrant("refresh_token"))
	}
	if token := strings.TrimSpace(h.mustRun("", "token", env)); !acceptedByProvider(t, srv, token) {
		t.Error("the refreshed token is not one the provider accepts")
	}
}

func TestClientSecretJWTWithTheBuiltBinary(t *testing.T) {
	const secret = "a-client-secret-long-enough-for-hs256-0123456789"
	c := oauthserver.DefaultClient()
	c.ID, c.Secret, c.RequireAssertion = "hs", secret, true
	srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{c}})
	h := newHome(t)
	env := h.envName("csjwt")
	h.writeConfig(strings.Replace(clientCredentialsConfig(srv, env), oauthserver.DefaultClientID, "hs", 1) + "auth_style = \"client_secret_jwt\"\n")
	h.startDaemon()
	h.mustRun(secret+"\n", "secret", "set", env)
	if token := strings.TrimSpace(h.mustRun("", "token", env)); !acceptedByProvider(t, srv, token) {
		t.Fatal("the token is not one the provider accepts")
	}
	if a, _ := srv.LastAssertion(); a.Method != "client_secret_jwt" || a.Alg != "HS256" || srv.LastTokenRequest().Has("client_secret") {
		t.Errorf("the provider saw %+v and form %v", a, srv.LastTokenRequest())
	}
}

func TestTLSClientAuthWithTheBuiltBinary(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{TLS: true, Clients: []oauthserver.Client{{ID: "m", TLSSubjectDN: "CN=tray"}}})
	cert, err := srv.IssueClientCert("tray")
	if err != nil {
		t.Fatal(err)
	}
	h := newHome(t)
	ca := filepath.Join(h.dir, "ca.pem")
	if err := os.WriteFile(ca, srv.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	env := h.envName("mtls")
	h.writeConfig(strings.Replace(clientCredentialsConfig(srv, env), oauthserver.DefaultClientID, "m", 1) +
		"auth_style = \"tls_client_auth\"\nclient_certificate = " + tomlPEM(string(cert.CertPEM)) + "\n")
	h.startDaemonWith("SSL_CERT_FILE=" + ca) // the provider's test CA, as a system's roots
	h.mustRun(string(cert.KeyPEM), "secret", "set", env)
	token := strings.TrimSpace(h.mustRun("", "token", env))
	if srv.LastAuthMethod() != "tls_client_auth" || srv.Binding(token).X5tS256 != cert.Thumbprint {
		t.Fatalf("method %q, token bound to %q; want tls_client_auth, bound to the certificate", srv.LastAuthMethod(), srv.Binding(token).X5tS256)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.ResourceURL(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.HTTPClient(cert).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the resource answered %d with the certificate, want 200", resp.StatusCode)
	}
}

// TestDPoPBoundTokenThroughANonceDemandARestartAndAResource: a login whose
// code exchange meets use_dpop_nonce, a restart, a refresh the server
// only takes with the same key (the refresh token is bound to it), then
// a read through the socket naming the request, whose proof the
// resource accepts.
func TestDPoPBoundTokenThroughANonceDemandARestartAndAResource(t *testing.T) {
	requireKeychain(t)
	srv := oauthserver.Start(t, oauthserver.Options{RequireDPoP: true, DPoPNonce: true, DPoPResourceNonce: true})
	h := newHome(t)
	env := h.envName("dpop")
	h.writeConfig(codeConfig(srv, env) + "dpop = true\n")
	h.seedSecret(env)
	d := h.startDaemon()
	if r := h.login(env); r.code != 0 {
		t.Fatalf("login exit %d: %s\n%s", r.code, r.stderr, d.logs)
	}
	if srv.UseDPoPNonceAnswers() != 1 {
		t.Errorf("%d use_dpop_nonce answers; want the one the login met", srv.UseDPoPNonceAnswers())
	}
	if s := h.statusOf(env); s.TokenType != "DPoP" || s.State != socket.StateValid {
		t.Errorf("status %v; want a valid DPoP token", s)
	}
	jkt := srv.DPoPRequests()[0].JKT

	d.stop()
	d = h.startDaemon()
	h.mustRun("", "refresh", env)
	proofs := srv.DPoPRequests()
	if last := proofs[len(proofs)-1]; last.Grant != "refresh_token" || last.Error != "" || last.JKT != jkt {
		t.Fatalf("the refresh after the restart proved %+v; want the key %s from before\n%s", last, jkt, d.logs)
	}

	// A script asks for the token for one request and sends both.
	cl := socket.NewClient(h.socket, 10*time.Second)
	defer cl.Close()
	target := srv.EchoURL() + "/orders?limit=5"
	ans, err := cl.TokenWith(context.Background(), env, socket.TokenOptions{HTM: "GET", HTU: target})
	if err != nil || ans.DPoP == "" || ans.TokenType != "DPoP" {
		t.Fatalf("token with a request: %v, type %q, proof %v", err, ans.TokenType, ans.DPoP != "")
	}
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	for _, line := range strings.Split(ans.DPoPHeaders(), "\n") {
		name, value, _ := strings.Cut(line, ": ")
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var echo oauthserver.Echo
	_ = json.NewDecoder(resp.Body).Decode(&echo)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || echo.TokenType != "DPoP" || echo.Path != "/resource/orders" {
		t.Fatalf("the resource answered %d %+v; want 200 for the DPoP token and its proof", resp.StatusCode, echo)
	}
	if logs := d.logs.String(); strings.Contains(logs, ans.DPoP.Reveal()) || strings.Contains(logs, ans.AccessToken.Reveal()) {
		t.Error("the daemon's log holds the proof or the token")
	}

	// The same through the command line, as a curl would use it; and a
	// bare token says why it will be refused.
	out := h.mustRun("", "token", env, "--format", "header", "--for", "POST "+target)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "Authorization: DPoP ") || !strings.HasPrefix(lines[1], "DPoP: ") {
		t.Fatalf("token --format header --for printed %q; want the Authorization and DPoP lines", out)
	}
	req, _ = http.NewRequest(http.MethodPost, target, nil)
	for _, line := range lines {
		name, value, _ := strings.Cut(line, ": ")
		req.Header.Set(name, value)
	}
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the resource answered %v, %v to the command line's headers", resp.Status, err)
	}
	resp.Body.Close()
	r := h.run("", "token", env)
	if r.code != 0 || !strings.Contains(r.stderr, "DPoP-bound") || !strings.Contains(r.stderr, "--for") {
		t.Errorf("a bare token of a DPoP-bound environment: exit %d, stderr %q; want it printed with a line saying why it is refused", r.code, r.stderr)
	}
}
