package manager

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/tokentray/tokentray/config"
)

// DPoP (RFC 9449): an environment with dpop = true binds its tokens to a
// key pair the engine makes on first use and keeps with the tokens
// (StoredTokens.DPoPKey), so the binding survives restarts and a logout
// drops both. Every token request carries a proof made with it
// (authTransport), and so does every use of the token: the socket asks
// for one per request (Manager.DPoPProof).

// dpopKey is an environment's DPoP key pair (P-256, ES256).
type dpopKey struct {
	priv   *ecdsa.PrivateKey
	signer jose.Signer // embeds the public jwk, typ dpop+jwt
}

func newDPoPKey() (*dpopKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make a DPoP key: %w", err)
	}
	return dpopKeyOf(priv)
}

func dpopKeyOf(priv *ecdsa.PrivateKey) (*dpopKey, error) {
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv}, opts)
	if err != nil {
		return nil, fmt.Errorf("DPoP signer: %w", err)
	}
	return &dpopKey{priv: priv, signer: signer}, nil
}

// parseDPoPKey reads the private JWK the store keeps. Its errors never
// quote the key.
func parseDPoPKey(raw json.RawMessage) (*dpopKey, error) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return nil, errors.New("not a JSON web key")
	}
	priv, ok := jwk.Key.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 private key")
	}
	return dpopKeyOf(priv)
}

// jwk is the private key as the store keeps it.
func (k *dpopKey) jwk() json.RawMessage {
	raw, err := jose.JSONWebKey{Key: k.priv, Algorithm: string(jose.ES256), Use: "sig"}.MarshalJSON()
	if err != nil {
		panic("manager: a P-256 key that go-jose cannot write: " + err.Error()) // not reached
	}
	return raw
}

// dpopClaims are a proof's claims (RFC 9449 §4.2).
type dpopClaims struct {
	JTI   string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	Nonce string           `json:"nonce,omitempty"`
	ATH   string           `json:"ath,omitempty"` // with an access token: its SHA-256
}

// proof makes a proof for one request: method and target (its query and
// fragment left out), the server's nonce if it sent one, and the access
// token's hash when the request carries one.
func (k *dpopKey) proof(method, target, nonce string, accessToken Secret, now time.Time) (string, error) {
	htu, err := proofTarget(target)
	if err != nil {
		return "", err
	}
	c := dpopClaims{JTI: rand.Text(), HTM: method, HTU: htu, IAT: jwt.NewNumericDate(now), Nonce: nonce}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken.Reveal()))
		c.ATH = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return jwt.Signed(k.signer).Claims(c).Serialize()
}

// proofTarget is htu: the URL without query and fragment.
func proofTarget(target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", config.Printable(target, 120))
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
	return u.String(), nil
}

// ProofRequest is the request a consumer of a DPoP-bound token is about
// to send, for Manager.DPoPProof (and ReadRequest.Proof).
type ProofRequest struct {
	Method string // htm: GET, POST, ...
	URL    string // htu: the absolute URL; its query and fragment are left out
	// Nonce is the DPoP-Nonce the resource server sent last; "" takes the
	// latest one it sent that the engine heard of. A nonce given here is
	// remembered for the server.
	Nonce string
}

// maxNonceLen bounds a nonce a server or a client hands the engine.
const maxNonceLen = 1024

// Check says what is wrong with p, for a caller to answer as a bad request.
func (p ProofRequest) Check() error {
	if p.Method == "" || strings.ContainsFunc(p.Method, func(r rune) bool { return !strings.ContainsRune(methodChars, r) }) {
		return fmt.Errorf("htm %q is not an HTTP method such as GET or POST (in upper case)", config.Printable(p.Method, 40))
	}
	if _, err := proofTarget(p.URL); err != nil {
		return fmt.Errorf("htu: %w", err)
	}
	if len(p.Nonce) > maxNonceLen || strings.ContainsFunc(p.Nonce, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return errors.New("the DPoP nonce must be at most 1024 printable characters without spaces")
	}
	return nil
}

// methodChars are the characters of an HTTP method (RFC 9110 token), upper case.
const methodChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"

// DPoPProof makes a DPoP proof for one request carrying t (which Read or
// Token handed out): made with the key t is bound to, with t's hash (ath)
// and the resource server's latest nonce. "" when t is not DPoP-bound.
func (m *Manager) DPoPProof(t Token, p ProofRequest) (Secret, error) {
	if err := p.Check(); err != nil {
		return "", err
	}
	return m.dpopProof(t, p)
}

// dpopProof is DPoPProof for a request already checked (Read checks it
// before it asks the guard).
func (m *Manager) dpopProof(t Token, p ProofRequest) (Secret, error) {
	if !t.DPoPBound() {
		return "", nil
	}
	origin := originOf(p.URL)
	if p.Nonce != "" {
		m.nonces.set(origin, p.Nonce)
	}
	proof, err := t.dpop.proof(p.Method, p.URL, m.nonces.get(origin), t.AccessToken, time.Now())
	return Secret(proof), err
}

// NoteDPoPNonce remembers a DPoP-Nonce header a resource server at
// target answered with, for the next proofs to it (a proxy calls it).
func (m *Manager) NoteDPoPNonce(target, nonce string) {
	if (ProofRequest{Method: "GET", URL: target, Nonce: nonce}).Check() == nil && nonce != "" {
		m.nonces.set(originOf(target), nonce)
	}
}

// dpopNonces remembers the latest DPoP-Nonce each server (origin) sent,
// from token answers, error or not, and from resource servers.
type dpopNonces struct {
	mu       sync.Mutex
	byOrigin map[string]string
}

// maxNonceOrigins bounds the servers remembered: a socket client names
// any URL it likes.
const maxNonceOrigins = 256

func (n *dpopNonces) get(origin string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byOrigin[origin]
}

func (n *dpopNonces) set(origin, nonce string) {
	if origin == "" || nonce == "" || len(nonce) > maxNonceLen {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.byOrigin == nil {
		n.byOrigin = map[string]string{}
	}
	if _, known := n.byOrigin[origin]; !known && len(n.byOrigin) >= maxNonceOrigins {
		for o := range n.byOrigin { // forget one: a nonce is only a hint saving a round trip
			delete(n.byOrigin, o)
			break
		}
	}
	n.byOrigin[origin] = nonce
}
