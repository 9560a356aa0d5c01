package host

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/notifyserver"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// guardedSocket is a real engine and socket server whose host asks a
// Guard, with a notification server on a private bus.
type guardedSocket struct {
	notify *notifyserver.Server
	client *socket.Client
}

func newGuardedSocket(t *testing.T, confirm func(*Guard) func(context.Context, manager.Question) error, limits ...server.Limits) *guardedSocket {
	t.Helper()
	bus := notifyserver.StartBus(t)
	notify := notifyserver.Start(t, bus)
	oauth := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	store := manager.NewMemoryStore()
	cfg := &config.Config{Environments: []config.Environment{
		{Name: "prod", Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID, Guard: config.GuardConfirm},
		{Name: "sandbox", Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
	}}
	for _, e := range cfg.Environments {
		if err := store.SaveSecret(e.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.DiscardHandler)
	guard := NewGuard(GuardOptions{BusAddress: bus, TrustedNotifyDirs: testBinaryDir(t)})
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log, Jitter: func() float64 { return 0 }, Confirm: confirm(guard)})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	dir, err := os.MkdirTemp("", "tt-guard-")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tokentray", "tokentray.sock")
	ln, err := socket.Listen(path, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewServer(m, log, append(limits, server.Limits{})[0])
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	client := socket.NewClient(path, 2*time.Minute)
	t.Cleanup(func() {
		client.Close()
		guard.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		m.Close()
		os.RemoveAll(dir)
	})
	return &guardedSocket{notify: notify, client: client}
}

func confirmHooks(g *Guard) func(context.Context, manager.Question) error { return g.Confirm }

func (s *guardedSocket) readAsync(env string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := s.client.Token(context.Background(), env, 0)
		done <- err
	}()
	return done
}

func wantAPIDenied(t *testing.T, err error, says string) {
	t.Helper()
	var api *socket.APIError
	if !errors.As(err, &api) || api.Status != http.StatusForbidden || api.Code != socket.CodeDenied {
		t.Fatalf("read = %v, want 403 denied", err)
	}
	if !strings.Contains(api.Message, says) {
		t.Errorf("message %q does not say %q", api.Message, says)
	}
}

func TestGuardedTokenReadWaitsForTheUsersAllow(t *testing.T) {
	s := newGuardedSocket(t, confirmHooks)
	done := s.readAsync("prod")
	note := s.notify.Wait(t, 1, 10*time.Second)
	select {
	case err := <-done:
		t.Fatalf("the guarded read answered before the user did: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	exe, _ := os.Executable()
	if !strings.Contains(note.Body, filepath.Base(exe)) {
		t.Errorf("the question %q does not name the reading program %s", note.Body, exe)
	}
	s.notify.Invoke(note.ID, "allow")
	if err := result(t, done); err != nil {
		t.Fatalf("allowed read: %v", err)
	}
	// Approved for this program: the next read does not ask again.
	if _, err := s.client.Token(context.Background(), "prod", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.Refresh(context.Background(), "prod"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.notify.Notifications()); n != 1 {
		t.Errorf("%d notifications, want 1", n)
	}
}

func TestGuardedTokenReadDeniedIs403Denied(t *testing.T) {
	s := newGuardedSocket(t, confirmHooks)
	done := s.readAsync("prod")
	note := s.notify.Wait(t, 1, 10*time.Second)
	s.notify.Invoke(note.ID, "deny")
	wantAPIDenied(t, result(t, done), "Deny")
}

func TestGuardedRefreshAsksToo(t *testing.T) {
	s := newGuardedSocket(t, confirmHooks)
	done := make(chan error, 1)
	go func() {
		_, err := s.client.Refresh(context.Background(), "prod")
		done <- err
	}()
	note := s.notify.Wait(t, 1, 10*time.Second)
	s.notify.Invoke(note.ID, "deny")
	wantAPIDenied(t, result(t, done), "Deny")
}

func TestUnguardedEnvironmentIsNeverAsked(t *testing.T) {
	s := newGuardedSocket(t, confirmHooks)
	if _, err := s.client.Token(context.Background(), "sandbox", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.Refresh(context.Background(), "sandbox"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.notify.Notifications()); n != 0 {
		t.Errorf("%d notifications for an unguarded environment, want 0", n)
	}
}

func TestGuardedReadWithoutConfirmHookIsDeniedAsADaemon(t *testing.T) {
	s := newGuardedSocket(t, func(*Guard) func(context.Context, manager.Question) error { return nil })
	_, err := s.client.Token(context.Background(), "prod", 0)
	wantAPIDenied(t, err, "runs as a daemon without notifications")
	if n := len(s.notify.Notifications()); n != 0 {
		t.Errorf("the daemon asked %d times, want never", n)
	}
}

// TestGuardedReadOutlastsTheServerTimeouts: the user may take longer to
// answer than the server lets a request read or write.
func TestGuardedReadOutlastsTheServerTimeouts(t *testing.T) {
	s := newGuardedSocket(t, confirmHooks, server.Limits{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	done := s.readAsync("prod")
	note := s.notify.Wait(t, 1, 10*time.Second)
	time.Sleep(700 * time.Millisecond)
	s.notify.Invoke(note.ID, "allow")
	if err := result(t, done); err != nil {
		t.Fatalf("read allowed after the server timeouts: %v", err)
	}
}
