package socket

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/manager"
)

// fakeOnSocket serves any request on a plain listener at path (no checks of
// its own, like a server another user planted) and counts what arrives.
func fakeOnSocket(t *testing.T, path string) *atomic.Int32 {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"access_token":"fake","token_type":"Bearer"}`))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &hits
}

func wantUntrusted(t *testing.T, err error, say string) {
	t.Helper()
	var ue *UntrustedSocketError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UntrustedSocketError", err)
	}
	if errors.Is(err, ErrNotRunning) {
		t.Errorf("an untrusted socket must not read as 'not running': %v", err)
	}
	if !strings.Contains(err.Error(), say) || !strings.Contains(err.Error(), "nothing was sent") {
		t.Errorf("message %q does not say %q", err, say)
	}
}

func TestClientRefusesADirectoryOthersCanWrite(t *testing.T) {
	path := socketPathForTest(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	hits := fakeOnSocket(t, path)
	os.Chmod(filepath.Dir(path), 0o777) // anyone could have swapped the socket

	c := NewClient(path, 2*time.Second)
	defer c.Close()
	_, err := c.SetSecret(context.Background(), "x", manager.Secret("real-secret"))
	wantUntrusted(t, err, "can be written by other users (mode 0777)")
	if _, err := c.Events(context.Background(), ""); err == nil {
		t.Error("Events talked to the socket in a loose directory")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}

	// Made private again, the same socket is trusted.
	os.Chmod(filepath.Dir(path), 0o700)
	if _, err := c.Token(context.Background(), "x", 0); err != nil {
		t.Fatalf("private directory: %v", err)
	}
}

func TestClientRefusesADirectoryOfAnotherUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	path := socketPathForTest(t)
	dir := filepath.Dir(path)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	hits := fakeOnSocket(t, path)
	os.Chown(dir, 65534, 65534)
	os.Chown(path, 65534, 65534)

	_, err := NewClient(path, 2*time.Second).Token(context.Background(), "x", 0)
	wantUntrusted(t, err, dir+" belongs to another user (owner: uid 65534")
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
}

func TestClientRefusesASymlinkAtTheSocketPath(t *testing.T) {
	real := socketPathForTest(t)
	if err := EnsureSocketDir(real); err != nil {
		t.Fatal(err)
	}
	hits := fakeOnSocket(t, real)
	link := filepath.Join(filepath.Dir(real), "link.sock")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	_, err := NewClient(link, 2*time.Second).Environments(context.Background())
	wantUntrusted(t, err, "is a symlink, not a socket")
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
}

func TestClientRefusesAServerOfAnotherUser(t *testing.T) {
	// The kernel's SO_PEERCRED of a real connection, compared against a uid
	// that is not ours: the e2e tests run the server as nobody.
	path := socketPathForTest(t)
	if err := EnsureSocketDir(path); err != nil {
		t.Fatal(err)
	}
	fakeOnSocket(t, path)
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := checkServer(c, path, os.Getuid()); err != nil {
		t.Fatalf("own server refused: %v", err)
	}
	wantUntrusted(t, checkServer(c, path, os.Getuid()+4242), "its server runs as another user (pid ")
}
