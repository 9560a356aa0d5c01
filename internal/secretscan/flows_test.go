package secretscan_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/enginewait"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/internal/secretscan"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// TestNoSecretInAnyLogLineOrErrorString runs the flows a user meets —
// login, refresh, provider failures, a revoked refresh token, a wrong
// client secret, socket errors, logout — with the engine's and the
// socket's logs at debug level going into a scanner, collects every error
// string and error answer, and checks that none holds a token, code or
// client secret issued or sent during the run.
func TestNoSecretInAnyLogLineOrErrorString(t *testing.T) {
	scan := secretscan.New()
	srv := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	scan.Secret("client_secret", oauthserver.DefaultClientSecret)
	log := slog.New(slog.NewTextHandler(scan, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := manager.NewMemoryStore()
	_ = store.SaveSecret("local", manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
	_ = store.SaveSecret("shared", manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
	m, err := manager.New(&config.Config{Environments: []config.Environment{
		{Name: "local", Flow: config.FlowAuthorizationCode, AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(),
			RevokeURL: srv.RevokeURL(), ClientID: oauthserver.DefaultClientID},
		{Name: "shared", Flow: config.FlowClientCredentials, TokenURL: srv.TokenURL(), ClientID: oauthserver.DefaultClientID},
	}}, manager.Options{Store: store, Logger: log, HTTPClient: scan.Client(&http.Client{Timeout: 2 * time.Second}), LoginTimeout: 5 * time.Second})
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

	dir, err := os.MkdirTemp("", "tt-scan-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "s.sock")
	ln, err := socket.Listen(sock, log)
	if err != nil {
		t.Fatal(err)
	}
	server := server.NewServer(m, log, server.Limits{RequestTimeout: 5 * time.Second})
	go server.Serve(ln)
	client := socket.NewClient(sock, 10*time.Second)
	ctx := context.Background()
	note := func(what string, err error) { scan.Error(what, err) }

	// Login through the socket, the browser played by an HTTP client.
	info, err := client.Login(ctx, "local")
	note("login", err)
	if err != nil {
		t.Fatal(err)
	}
	code, page, err := oauthserver.FollowAndCallback(ctx, info.AuthorizationURL)
	note("callback", err)
	scan.Text("callback page", page)
	if code != 200 || enginewait.Login(ctx, m, "local") != nil {
		t.Fatalf("login failed: %d %v", code, err)
	}
	// The listener's other answers: replay, wrong state, an empty GET.
	if callback, err := oauthserver.Follow(ctx, info.AuthorizationURL); err == nil {
		scan.Secret("code", queryValue(callback, "code"))
		for _, u := range []string{callback, strings.Replace(callback, "state=", "state=x", 1)} {
			if resp, err := http.Get(u); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				scan.Text("callback answer", string(b))
			} // else: the listener is closed after the login, as it should be; the
			// error is net/http's own, which quotes the URL it was given.
		}
	}

	// Reads, refreshes, the client credentials flow.
	for range 3 {
		_, err := client.Token(ctx, "local", time.Minute)
		note("token", err)
		_, err = client.Refresh(ctx, "local")
		note("refresh", err)
		_, err = client.Token(ctx, "shared", 0)
		note("token shared", err)
	}
	// Provider failures of every kind.
	srv.FailNext(2, http.StatusServiceUnavailable)
	_, err = client.Refresh(ctx, "local")
	note("refresh 503", err)
	srv.Hook(oauthserver.Times(1, oauthserver.MalformedJSON))
	_, err = client.Refresh(ctx, "local")
	note("refresh malformed", err)
	srv.Hook(oauthserver.Times(1, oauthserver.ResetConnection))
	_, err = client.Refresh(ctx, "shared")
	note("refresh reset", err)
	srv.Hook(nil)
	srv.SetTokenDelay(3 * time.Second)
	_, err = client.Refresh(ctx, "local")
	note("refresh timeout", err)
	srv.SetTokenDelay(0)
	_, err = client.Refresh(ctx, "local")
	note("refresh after timeout", err)
	// A wrong client secret, set through the socket.
	_, err = client.SetSecret(ctx, "shared", "wrong-secret-0123456789")
	scan.Secret("client_secret", "wrong-secret-0123456789")
	note("secret set", err)
	_, err = client.Refresh(ctx, "shared")
	note("refresh wrong secret", err)
	_, err = client.SetSecret(ctx, "shared", oauthserver.DefaultClientSecret)
	note("secret set back", err)
	// A revoked refresh token.
	srv.RevokeAllRefreshTokens()
	_, err = client.Refresh(ctx, "local")
	note("refresh revoked", err)
	if !errors.Is(err, manager.ErrNeedsLogin) && !strings.Contains(errString(err), "login") {
		t.Errorf("refresh with a revoked token: %v", err)
	}
	_, err = client.Token(ctx, "local", 2*time.Hour)
	note("token revoked", err)
	// Socket errors.
	for _, path := range []string{"nope", "local/../shared"} {
		_, err = client.Token(ctx, path, 0)
		note("token unknown", err)
	}
	_, err = client.Token(ctx, "local", 48*time.Hour)
	note("token min_valid", err)
	for _, raw := range []string{"GET /v1/environments/local/token?min_valid=x HTTP/1.0\r\n\r\n", "DELETE /v1/environments HTTP/1.0\r\n\r\n", "PUT /v1/environments/shared/secret HTTP/1.0\r\n\r\n"} {
		scan.Text("socket answer", rawRequest(t, sock, raw))
	}
	// Log in again and out.
	info, err = client.Login(ctx, "local")
	note("login again", err)
	if err == nil {
		_, page, err = oauthserver.FollowAndCallback(ctx, info.AuthorizationURL)
		note("callback again", err)
		scan.Text("callback page", page)
		note("wait", enginewait.Login(ctx, m, "local"))
	}
	_, err = client.Logout(ctx, "local")
	note("logout", err)
	_, err = client.Token(ctx, "local", 0)
	note("token after logout", err)

	client.Close()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = server.Shutdown(sctx)
	stop()
	m.Close()
	<-collected

	for _, rt := range srv.RefreshTokensSeen() {
		scan.Secret("refresh_token", rt)
	}
	for _, tok := range srv.Revoked() {
		scan.Secret("revoked token", tok)
	}
	if secrets, _ := scan.Counts(); secrets < 15 {
		t.Errorf("only %d secrets were seen; the flows did not run", secrets)
	}
	scan.Check(t)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func queryValue(raw, key string) string {
	i := strings.Index(raw, key+"=")
	if i < 0 {
		return ""
	}
	v := raw[i+len(key)+1:]
	if j := strings.IndexByte(v, '&'); j >= 0 {
		v = v[:j]
	}
	return v
}

// rawRequest writes raw to the socket and returns the whole answer.
func rawRequest(t *testing.T, sock, raw string) string {
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c, raw)
	b, _ := io.ReadAll(c)
	return string(b)
}
