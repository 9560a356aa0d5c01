//go:build linux

package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

func TestExitCodesSayWhatToDoNext(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("codes")
	h.writeConfig(codeConfig(srv, env))

	// No tokentray running: 4.
	h.wantFailure(h.run("", "token", env), 4, "no running tokentray on "+h.socket)
	h.wantFailure(h.run("", "status"), 4, "start it with `tokentray`")

	// Usage: 2.
	h.wantFailure(h.run("", "token"), 2, "missing ENV")
	h.wantFailure(h.run("", "token", env, "--format", "yaml"), 2, "--format")
	h.wantFailure(h.run("", "frobnicate"), 2, "unknown command")
	h.wantFailure(h.run("", "status", "--bogus"), 2, "bogus")
	h.wantFailure(h.run("", "exec", env), 2, "missing CMD")
	if r := h.run("", "--help"); r.code != 0 || !strings.Contains(r.stdout, "tokentray token ENV") {
		t.Errorf("--help: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := h.run("", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "tokentray ") {
		t.Errorf("version: exit %d, stdout %q", r.code, r.stdout)
	}

	// With a daemon: unknown environment is a usage error, needs login is 3.
	h.startDaemon()
	h.wantFailure(h.run("", "token", "no-such-env"), 2, "unknown environment")
	h.wantFailure(h.run("", "token", env), 3, env+" needs login: run `tokentray login "+env+"`")
	h.wantFailure(h.run("", "token", env, "--min-valid", "-1s"), 2, "negative")
}

func TestBadConfigStopsTheDaemonNamingFileLineAndKey(t *testing.T) {
	h := newHome(t)
	h.writeConfig(`[[environment]]
name = "broken"
flow = "authorization_code"
colour = "blue"
`)
	r := h.run("", "daemon")
	if r.code != 2 {
		t.Errorf("daemon with a bad config: exit %d, want 2; stderr: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, h.config+":4") || !strings.Contains(r.stderr, "colour") {
		t.Errorf("the error does not name file:line and key:\n%s", r.stderr)
	}
	if _, err := os.Stat(h.socket); err == nil {
		t.Error("a daemon with a bad config left a socket")
	}
}

func TestSecondDaemonIsRefusedNamingTheFirst(t *testing.T) {
	h := newHome(t)
	h.writeConfig("")
	first := h.startDaemon()

	r := h.run("", "daemon")
	h.wantFailure(r, 1, fmt.Sprintf("(pid %d) is already serving on %s", first.pid(), h.socket))
	// The first one is unharmed.
	h.mustRun("", "status")
}

func TestStaleSocketFromACrashedDaemonIsReplaced(t *testing.T) {
	h := newHome(t)
	h.writeConfig("")
	crashed := h.startDaemon()
	crashed.kill() // SIGKILL: no cleanup, the socket file stays
	if _, err := os.Lstat(h.socket); err != nil {
		t.Fatalf("the crashed daemon's socket file is gone already: %v", err)
	}
	h.wantFailure(h.run("", "status"), 4, "no running tokentray")

	d := h.startDaemon()
	h.mustRun("", "status")
	if !strings.Contains(d.logs.String(), "replaced a stale socket file") {
		t.Errorf("daemon did not say it replaced the stale socket:\n%s", d.logs)
	}
	d.stop()
	if _, err := os.Lstat(h.socket); err == nil {
		t.Error("the socket file is still there after a clean stop")
	}
}

func TestWithoutADisplayTokentrayRunsAsDaemon(t *testing.T) {
	h := newHome(t)
	h.writeConfig("")
	d := h.startApp() // DISPLAY and WAYLAND_DISPLAY are unset
	want := "no display found; running as daemon (socket: " + h.socket + ")\n"
	if !strings.HasPrefix(d.logs.String(), want) {
		t.Errorf("first line of stderr:\n%s\nwant %q", d.logs, want)
	}
	d.stop()
}

// TestAnotherUserIsRefusedByThePeerCheck opens the socket's permissions
// wide, so that only the SO_PEERCRED check stands between another user and
// the tokens.
func TestAnotherUserIsRefusedByThePeerCheck(t *testing.T) {
	nobody, _, _ := requireNobody(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("peer")
	d := h.startClientCredentialsDaemon(srv, env)
	h.mustRun("", "token", env) // the owner gets a token

	for _, p := range []string{h.dir, filepath.Dir(h.socket), h.socket} {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	// A copy of the binary that nobody may run.
	binDir, err := os.MkdirTemp("", "tt-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	os.Chmod(binDir, 0o755)
	copied := filepath.Join(binDir, "tokentray")
	copyFile(t, binary, copied, 0o755)

	cmd := exec.Command("runuser", "-u", nobody.Username, "--", copied, "token", env, "--socket", h.socket)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/"}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 1 {
		t.Errorf("token as nobody: %v, want exit 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "belongs to another user") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("token as nobody said:\n%s", out)
	}
	// tokentray's own client refuses a socket of another user before
	// connecting; a raw client (attack_socket_test.go) meets the peer check.
	cmd = exec.Command("runuser", "-u", nobody.Username, "--", buildAttacker(t), "get", h.socket, "/v1/environments/"+env+"/token")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/"}
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "403 ") || !strings.Contains(string(out), `"forbidden"`) {
		t.Errorf("raw GET as nobody: %v\n%s", err, out)
	}
	deadline := time.Now().Add(3 * time.Second)
	want := `msg="refused a socket peer running as another user" peer_uid=` + nobody.Uid
	for !strings.Contains(d.logs.String(), want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(d.logs.String(), want) {
		t.Errorf("daemon did not log the refusal:\n%s", d.logs)
	}
	// The owner is still served, once the directory is private again (its
	// client refuses a socket in a directory others can write).
	os.Chmod(filepath.Dir(h.socket), 0o700)
	h.mustRun("", "token", env)
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
