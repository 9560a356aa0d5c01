package manager_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/internal/secretscan"
	"github.com/tokentray/tokentray/manager"
)

// testKey is a private key as PEM text in one of the encodings people
// have (openssl, ssh-keygen, cloud consoles), and its public half for
// the server.
type testKey struct {
	name string
	pem  string
	pub  crypto.PublicKey
	alg  string // what the engine signs with by default
}

// rsaTestKey is made once: RSA key generation is slow under -race.
var rsaTestKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func pemOf(blockType string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
}

func pkcs8(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("PRIVATE KEY", der)
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// everyKeyEncoding is an EC, RSA and Ed25519 key in PKCS#8, and the EC
// and RSA ones in their own formats (SEC1, PKCS#1).
func everyKeyEncoding(t *testing.T) []testKey {
	ec := newECKey(t)
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey := rsaTestKey()
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return []testKey{
		{"EC P-256 PKCS#8", pkcs8(t, ec), &ec.PublicKey, "ES256"},
		{"EC P-256 SEC1", pemOf("EC PRIVATE KEY", sec1), &ec.PublicKey, "ES256"},
		{"RSA PKCS#8", pkcs8(t, rsaKey), &rsaKey.PublicKey, "RS256"},
		{"RSA PKCS#1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), &rsaKey.PublicKey, "RS256"},
		{"Ed25519 PKCS#8", pkcs8(t, ed), ed.Public(), "EdDSA"},
	}
}

func ecTestKey(t *testing.T) testKey {
	k := newECKey(t)
	return testKey{"EC P-256 PKCS#8", pkcs8(t, k), &k.PublicKey, "ES256"}
}

// authRig is an engine on one environment that authenticates with a key,
// a certificate or an HMAC secret, and may bind its tokens with DPoP. Its
// log, every error and every event go through a secret scan that knows
// the key material and learns every assertion, proof and token that
// crosses the wire (unless the client presents a certificate, whose
// transport the scan cannot wrap: then what the provider issued is
// registered by the test).
type authRig struct {
	*rig
	scan *secretscan.Scanner
	env  config.Environment
	http *http.Client
}

type authOptions struct {
	store  manager.Store
	secret string       // stored as the environment's secret; "" for none
	client *http.Client // the engine's provider client; nil: a plain one the scan learns from
}

func newAuthRig(t *testing.T, srv *oauthserver.Server, env config.Environment, o authOptions) *authRig {
	t.Helper()
	if o.store == nil {
		o.store = manager.NewMemoryStore()
	}
	scan := secretscan.New()
	if o.secret != "" {
		scan.PrivateKey("stored secret", o.secret)
		if err := o.store.SaveSecret(env.Name, manager.StoredSecret{Value: manager.Secret(o.secret)}); err != nil {
			t.Fatal(err)
		}
	}
	client := o.client
	if client == nil {
		client = scan.Client(&http.Client{Timeout: 5 * time.Second})
	}
	a := &authRig{rig: &rig{t: t, srv: srv, clock: fakeclock.New(epoch), store: o.store}, scan: scan, env: env, http: client}
	a.m = a.startEngine()
	t.Cleanup(func() {
		// The DPoP key, whatever became of it, is key material too.
		if st, _ := o.store.LoadTokens(env.Name); st != nil && st.DPoPKey != nil {
			scan.PrivateKey("dpop_key", string(st.DPoPKey))
		}
		scan.Check(t)
	})
	return a
}

// startEngine starts an engine on the rig's store, as a restart does.
func (a *authRig) startEngine() *manager.Manager {
	t := a.t
	var logOut io.Writer = a.scan
	if testing.Verbose() {
		logOut = io.MultiWriter(a.scan, os.Stderr)
	}
	m, err := manager.New(&config.Config{Environments: []config.Environment{a.env}}, manager.Options{
		Store:        a.store,
		Clock:        a.clock,
		Logger:       slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HTTPClient:   a.http,
		Jitter:       func() float64 { return 0 },
		LoginTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := m.Subscribe()
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for ev := range events {
			a.scan.Text("event "+string(ev.Kind), ev.Message)
			if ev.Status != nil {
				a.scan.Text("status", ev.Status.Error+" "+ev.Status.Warning)
			}
		}
	}()
	m.Start()
	t.Cleanup(func() { m.Close(); cancel(); <-collected })
	return m
}

// restart stops the engine and starts another on the same store.
func (a *authRig) restart() {
	a.m.Close()
	a.m = a.startEngine()
}

// note scans err, and what a returned token is (for a transport the scan
// does not wrap).
func (a *authRig) note(what string, tok manager.Token, err error) (manager.Token, error) {
	a.scan.Error(what, err)
	a.scan.Secret("access_token", tok.AccessToken.Reveal())
	a.scan.Secret("dpop_proof", tok.DPoPProof.Reveal())
	return tok, err
}

func (a *authRig) token() (manager.Token, error) {
	tok, err := a.m.Token(bg, a.env.Name, 0)
	return a.note("Token", tok, err)
}

func (a *authRig) refresh() (manager.Token, error) {
	tok, err := a.m.Refresh(bg, a.env.Name)
	return a.note("Refresh", tok, err)
}

func (a *authRig) status() manager.Status {
	st, err := a.m.Status(a.env.Name)
	if err != nil {
		a.t.Fatal(err)
	}
	a.scan.Text("status", st.Error+" "+st.Warning)
	return st
}
