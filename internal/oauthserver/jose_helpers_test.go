package oauthserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The tests build every JWS with go-jose directly, never with the server's
// own code, so a server bug cannot hide behind a matching client bug.

// rsaKey is made once: RSA key generation is slow under -race.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newEdKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signJWT signs claims with key under alg, adding headers to the protected header.
func signJWT(t *testing.T, alg jose.SignatureAlgorithm, key any, headers map[jose.HeaderKey]any, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range headers {
		opts.WithHeader(k, v)
	}
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

// assertionClaims are valid client assertion claims for client id and aud.
func assertionClaims(id, aud string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": id, "sub": id, "aud": aud, "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

// assertionForm is a client_credentials form carrying assertion.
func assertionForm(assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {JWTBearerAssertionType},
		"client_assertion":      {assertion},
	}
}

// response is a decoded answer of the server.
type response struct {
	status int
	body   map[string]any
	header http.Header
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// post sends form to target with optional extra headers and decodes the JSON answer.
func post(t *testing.T, client *http.Client, target string, form url.Values, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, client, req)
}

func do(t *testing.T, client *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: map[string]any{}}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			t.Fatalf("%s %s: HTTP %d, body is no JSON object: %q", req.Method, req.URL.Path, resp.StatusCode, raw)
		}
	}
	return out
}

func wantError(t *testing.T, r response, code string, status int) {
	t.Helper()
	if r.status != status || r.str("error") != code {
		t.Fatalf("got HTTP %d %v, want %d %s", r.status, r.body, status, code)
	}
}

func wantOK(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("got HTTP %d %v, want 200", r.status, r.body)
	}
}

// dpopKey makes DPoP proofs with one key pair.
type dpopKey struct {
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

func newDPoPKey(t *testing.T) dpopKey {
	return dpopKey{jose.ES256, newECKey(t)}
}

// jkt is the key's RFC 7638 thumbprint, as go-jose computes it.
func (k dpopKey) jkt(t *testing.T) string {
	t.Helper()
	jwk := jose.JSONWebKey{Key: k.key.Public()}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

// proof is a DPoP proof for method and target; edit may change its claims.
func (k dpopKey) proof(t *testing.T, method, target string, edit ...func(claims map[string]any)) string {
	t.Helper()
	claims := map[string]any{"jti": rand.Text(), "htm": method, "htu": target, "iat": time.Now().Unix()}
	for _, e := range edit {
		e(claims)
	}
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.key}, opts)
	if err != nil {
		t.Fatalf("dpop signer: %v", err)
	}
	out, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("dpop proof: %v", err)
	}
	return out
}

// withNonce and withATH are proof edits.
func withNonce(nonce string) func(map[string]any) {
	return func(c map[string]any) { c["nonce"] = nonce }
}

func withATH(token string) func(map[string]any) {
	sum := sha256.Sum256([]byte(token))
	return func(c map[string]any) { c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:]) }
}

func dpopHeader(proof string) http.Header {
	return http.Header{"Dpop": {proof}}
}
