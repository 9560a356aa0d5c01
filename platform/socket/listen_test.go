package socket

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// socketPathForTest is a short path (unix socket paths are limited to 108
// bytes) in a fresh directory that is removed after the test.
func socketPathForTest(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tt-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "tokentray", "tokentray.sock")
}

func listenForTest(t testing.TB, path string) net.Listener {
	t.Helper()
	ln, err := Listen(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serveFixed answers every request on ln with 200 "ok".
func serveFixed(t *testing.T, ln net.Listener) {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func unixHTTPClient(path string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

func TestSocketDirectoryIsPrivateAndSocketIsOwnerOnly(t *testing.T) {
	path := socketPathForTest(t)
	listenForTest(t, path)

	dir, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if got := dir.Mode().Perm(); got != 0o700 {
		t.Errorf("socket directory mode = %04o, want 0700", got)
	}
	sock, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if sock.Mode()&fs.ModeSocket == 0 {
		t.Errorf("%s is not a socket", path)
	}
	if got := sock.Mode().Perm(); got != 0o600 {
		t.Errorf("socket mode = %04o, want 0600", got)
	}
}

func TestSecondInstanceIsRefusedNamingThePID(t *testing.T) {
	path := socketPathForTest(t)
	serveFixed(t, listenForTest(t, path))

	_, err := Listen(path, nil)
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("second Listen: err = %v, want *InUseError", err)
	}
	if inUse.PID != int32(os.Getpid()) {
		t.Errorf("holder pid = %d, want %d (this process)", inUse.PID, os.Getpid())
	}
	if want := "(pid "; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not name the pid", err)
	}
	// The first instance still answers.
	resp, err := unixHTTPClient(path).Get("http://x/")
	if err != nil {
		t.Fatalf("first instance stopped answering: %v", err)
	}
	resp.Body.Close()
}

func TestStaleSocketFromACrashIsReplaced(t *testing.T) {
	path := socketPathForTest(t)
	if err := EnsureSocketDir(path); err != nil {
		t.Fatal(err)
	}
	// A crashed run leaves its socket file behind with nobody listening.
	old, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	old.(*net.UnixListener).SetUnlinkOnClose(false)
	old.Close()
	if _, err := net.Dial("unix", path); err == nil {
		t.Fatal("the stale socket still answers")
	}

	serveFixed(t, listenForTest(t, path))
	resp, err := unixHTTPClient(path).Get("http://x/")
	if err != nil {
		t.Fatalf("new instance does not answer: %v", err)
	}
	resp.Body.Close()
}

func TestFileThatIsNotASocketIsLeftAlone(t *testing.T) {
	path := socketPathForTest(t)
	if err := EnsureSocketDir(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path, nil); err == nil {
		t.Fatal("Listen replaced a regular file")
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Errorf("the file was changed: %q", b)
	}
}

func TestClosingTheListenerRemovesTheSocketFile(t *testing.T) {
	path := socketPathForTest(t)
	ln, err := Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file still there after Close: %v", err)
	}
	// And the socket can be claimed again at once.
	listenForTest(t, path)
}

func TestPeerOfAnotherUserIsRefusedWithForbidden(t *testing.T) {
	path := socketPathForTest(t)
	ln := listenForTest(t, path)
	// Pretend the server runs as someone else: the peer check compares the
	// kernel's SO_PEERCRED uid of this test's connection against it. (The
	// e2e tests do the real thing with runuser -u nobody.)
	ln.(*peerCheckedListener).uid = uint32(os.Getuid()) + 4242
	handled := make(chan struct{}, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { handled <- struct{}{} })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	resp, err := unixHTTPClient(path).Get("http://x/v1/environments")
	if err != nil {
		t.Fatalf("GET: %v (want a 403 answer, not a reset)", err)
	}
	defer resp.Body.Close()
	var body APIError
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("refusal is not JSON: %v", err)
	}
	if resp.StatusCode != http.StatusForbidden || body.Code != CodeForbidden {
		t.Errorf("got %d %q, want 403 forbidden", resp.StatusCode, body.Code)
	}
	select {
	case <-handled:
		t.Error("the handler ran for a refused peer")
	default:
	}
	// The connection is closed after the refusal.
	if !resp.Close {
		t.Error("refusal did not say Connection: close")
	}
}

func TestPlantedLockSymlinkIsNotFollowed(t *testing.T) {
	path := socketPathForTest(t)
	if err := EnsureSocketDir(path); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(filepath.Dir(filepath.Dir(path)), "victim-file")
	if err := os.Symlink(target, path+".lock"); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(path, nil)
	if err == nil || !strings.Contains(err.Error(), "is a symlink") {
		t.Fatalf("Listen = %v, want a refusal of the symlinked lock", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the symlink's target was created: %v", err)
	}
}

func TestDanglingSymlinkAtSocketPathIsNamed(t *testing.T) {
	path := socketPathForTest(t)
	if err := EnsureSocketDir(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent/tt.sock", path); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(path, nil)
	if err == nil || !strings.Contains(err.Error(), "is a symlink (to /nonexistent/tt.sock), not a socket; remove it (rm "+path+")") {
		t.Fatalf("Listen = %v, want it to name the symlink and the fix", err)
	}
}
