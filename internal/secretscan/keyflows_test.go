package secretscan_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/internal/secretscan"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

func ecKeyPEM(t *testing.T) (string, *ecdsa.PublicKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), &k.PublicKey
}

// TestNoKeyAssertionOrProofInAnyLogLineOrErrorString runs a
// private_key_jwt client with DPoP-bound tokens through the socket — a key
// that is refused, the right key, nonce demands, reads with proofs, a key
// the provider does not know, logout — with every log at debug level going
// into a scanner, and checks that no private key (or a line of it), client
// assertion, DPoP proof or token shows up in a log line or error string.
func TestNoKeyAssertionOrProofInAnyLogLineOrErrorString(t *testing.T) {
	scan := secretscan.New()
	good, pub := ecKeyPEM(t)
	wrong, _ := ecKeyPEM(t)
	scan.PrivateKey("private_key", good)
	scan.PrivateKey("wrong private_key", wrong)
	c := oauthserver.DefaultClient()
	c.ID, c.Secret, c.PublicKey, c.RequireAssertion = "svc", "", pub, true
	srv := oauthserver.Start(t, oauthserver.Options{RequireDPoP: true, DPoPNonce: true, DPoPResourceNonce: true, Clients: []oauthserver.Client{c}})
	log := slog.New(slog.NewTextHandler(scan, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := manager.NewMemoryStore()
	env := config.Environment{Name: "svc", Flow: config.FlowClientCredentials, TokenURL: srv.TokenURL(), RevokeURL: srv.RevokeURL(),
		ClientID: "svc", AuthStyle: config.AuthStylePrivateKeyJWT, DPoP: true}
	m, err := manager.New(&config.Config{Environments: []config.Environment{env}}, manager.Options{
		Store: store, Logger: log, HTTPClient: scan.Client(&http.Client{Timeout: 2 * time.Second})})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	events, stop := m.Subscribe()
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for ev := range events {
			scan.Text("event", ev.Message)
			if ev.Status != nil {
				scan.Text("status", ev.Status.Error+" "+ev.Status.Warning)
			}
		}
	}()
	dir, err := os.MkdirTemp("", "tt-keyscan-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "s.sock")
	ln, err := socket.Listen(sock, log)
	if err != nil {
		t.Fatal(err)
	}
	srvSocket := server.NewServer(m, log, server.Limits{RequestTimeout: 5 * time.Second})
	go srvSocket.Serve(ln)
	client := socket.NewClient(sock, 10*time.Second)
	ctx := context.Background()
	note := func(what string, a socket.TokenAnswer, err error) {
		scan.Error(what, err)
		scan.Secret("access_token", a.AccessToken.Reveal())
		scan.Secret("dpop_proof", a.DPoP.Reveal())
	}

	_, err = client.SetSecret(ctx, "svc", config.Secret(good[:len(good)/2])) // cut short
	scan.Error("secret set: a broken key", err)
	_, err = client.SetSecret(ctx, "svc", config.Secret(good))
	scan.Error("secret set", err)
	for range 3 {
		a, err := client.TokenWith(ctx, "svc", socket.TokenOptions{HTM: "GET", HTU: srv.EchoURL() + "/x?q=1"})
		note("token with proof", a, err)
		a, err = client.Refresh(ctx, "svc")
		note("refresh", a, err)
	}
	if st, _ := store.LoadTokens("svc"); st == nil || st.DPoPKey == nil {
		t.Fatal("no DPoP key was kept with the tokens")
	} else {
		scan.PrivateKey("dpop_key", string(st.DPoPKey))
	}
	srv.RotateDPoPNonce()
	a, err := client.Refresh(ctx, "svc")
	note("refresh after the nonce moved", a, err)
	_, err = client.SetSecret(ctx, "svc", config.Secret(wrong))
	scan.Error("secret set: a key the provider does not know", err)
	a, err = client.Refresh(ctx, "svc")
	note("refresh with the wrong key", a, err)
	_, err = client.Logout(ctx, "svc")
	scan.Error("logout", err)

	client.Close()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = srvSocket.Shutdown(sctx)
	stop()
	m.Close()
	<-collected
	if n := len(srv.Assertions()); n < 4 {
		t.Errorf("only %d assertions were accepted; the flows did not run", n)
	}
	scan.Check(t)
}
