//go:build linux

package e2e

// Another local user (nobody) attacks the socket of the victim (the test's
// uid) where it is easiest: without XDG_RUNTIME_DIR the socket lives in
// $TMPDIR/tokentray-<uid>/, which anyone can create first in a sticky,
// world-writable temp directory.

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	attackerToken = "attacker-token"                    // e2e/testdata/attacker
	attackerURL   = "http://127.0.0.1:9/attacker-login" // e2e/testdata/attacker
)

// attackBench is what every attack test needs: the attacker program, a
// fresh sticky temp directory and the victim's socket path in it.
type attackBench struct {
	t        *testing.T
	h        *home
	nobody   *user.User
	attacker string // the attacker program, runnable by nobody
	tmp      string // the victim's $TMPDIR (mode 1777, like /tmp)
	sockDir  string // $TMPDIR/tokentray-<victim uid>
	sock     string
}

func newAttackBench(t *testing.T) *attackBench {
	t.Helper()
	nobody, _, _ := requireNobody(t)
	b := &attackBench{t: t, h: newHome(t), nobody: nobody}
	b.tmp = publicDir(t, "tt-att-", 0o1777)
	b.sockDir = filepath.Join(b.tmp, "tokentray-"+strconv.Itoa(os.Getuid()))
	b.sock = filepath.Join(b.sockDir, "tokentray.sock")

	b.attacker = buildAttacker(t)
	return b
}

// buildAttacker builds e2e/testdata/attacker where nobody can run it.
func buildAttacker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(publicDir(t, "tt-attacker-", 0o755), "attacker")
	build := exec.Command("go", "build", "-o", bin, "./testdata/attacker")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the attacker: %v\n%s", err, out)
	}
	return bin
}

// publicDir is a fresh temp directory with mode, removed after the test.
func publicDir(t *testing.T, prefix string, mode os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// asNobody runs argv as the attacker and waits for it.
func (b *attackBench) asNobody(argv ...string) {
	b.t.Helper()
	if out, err := b.nobodyCmd(argv...).CombinedOutput(); err != nil {
		b.t.Fatalf("as nobody %v: %v\n%s", argv, err, out)
	}
}

// nobodyCmd is argv run as nobody (uid, gid and no extra groups), without
// runuser in between, so that killing it kills the attacker.
func (b *attackBench) nobodyCmd(argv ...string) *exec.Cmd {
	uid, _ := strconv.Atoi(b.nobody.Uid)
	gid, _ := strconv.Atoi(b.nobody.Gid)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/"}
	cmd.Dir = "/"
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// fakeServer runs the attacker's server on sock as nobody, waits until it
// answers, and returns the file where it records what it receives.
func (b *attackBench) fakeServer(sock string) (received string) {
	b.t.Helper()
	received = filepath.Join(b.tmp, "received.log")
	cmd := b.nobodyCmd(b.attacker, "serve", sock, received)
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return received
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the attacker's server did not start on %s:\n%s", sock, logs.String())
		}
	}
}

// victimEnviron is the victim's environment in a session without
// XDG_RUNTIME_DIR and without TOKENTRAY_SOCKET (cron, su, ssh without a
// login session), so the socket path falls back to $TMPDIR.
func (b *attackBench) victimEnviron() []string {
	return b.h.environ("TOKENTRAY_SOCKET=", "XDG_RUNTIME_DIR=", "TMPDIR="+b.tmp)
}

// victim runs tokentray ARGS as the victim and waits for it.
func (b *attackBench) victim(stdin string, args ...string) result {
	b.t.Helper()
	return runWith(b.t, b.victimEnviron(), stdin, args...)
}

// rawGet is what a client that checks nothing would get from sock.
func rawGet(t *testing.T, sock, path string) string {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := hc.Get("http://x" + path)
	if err != nil {
		t.Fatalf("GET %s on %s: %v", path, sock, err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	_, _ = io.Copy(&sb, resp.Body)
	return sb.String()
}

// wantNothingSent checks that the attacker's server recorded nothing
// beyond the requests made before (n lines), and never the secret.
func wantNothingSent(t *testing.T, received string, n int, secret string) {
	t.Helper()
	data, err := os.ReadFile(received)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) {
		t.Errorf("the client secret reached the attacker:\n%s", data)
	}
	if lines := strings.Count(string(data), "\n"); lines != n {
		t.Errorf("the attacker received %d requests, want %d:\n%s", lines, n, data)
	}
}

// wantRefusal checks a refused client command: exit 1, one line naming
// the socket, what is wrong and its owner, and nothing from the attacker.
func (b *attackBench) wantRefusal(r result, why string) {
	b.t.Helper()
	b.h.wantFailure(r, 1, "refusing the socket "+b.sock)
	if !strings.Contains(r.stderr, why) {
		b.t.Errorf("stderr %q does not say %q", r.stderr, why)
	}
	if strings.Contains(r.stdout, attackerToken) || strings.Contains(r.stdout, attackerURL) {
		b.t.Errorf("the attacker's answer reached the victim: %q", r.stdout)
	}
}

// TestPlantedSocketDirectoryOfAnotherUserIsRefused: nobody creates
// $TMPDIR/tokentray-<victim uid>/ first and serves a fake tokentray in it.
func TestPlantedSocketDirectoryOfAnotherUserIsRefused(t *testing.T) {
	b := newAttackBench(t)
	b.asNobody("mkdir", "-m", "0755", b.sockDir)
	received := b.fakeServer(b.sock)
	// The fake works: a client that checks nothing gets the attacker's token.
	if got := rawGet(t, b.sock, "/v1/environments/x/token"); !strings.Contains(got, attackerToken) {
		t.Fatalf("the fake server answered %q", got)
	}

	owner := b.sockDir + " belongs to another user (owner: uid " + b.nobody.Uid + " (" + b.nobody.Username + ")"
	const secret = "victims-real-client-secret"
	b.wantRefusal(b.victim(secret, "secret", "set", "zepto-sandbox"), owner)
	b.wantRefusal(b.victim("", "token", "zepto-sandbox"), owner)
	b.wantRefusal(b.victim("", "exec", "zepto-sandbox", "--env-var", "T", "--", "/bin/sh", "-c", `printf %s "$T"`), owner)
	b.wantRefusal(b.victim("", "login", "zepto-sandbox", "--no-browser", "--timeout", "5s"), owner)
	b.wantRefusal(b.victim("", "status"), owner)
	wantNothingSent(t, received, 1, secret)

	// The victim's daemon does not move in either, and says whose it is.
	r := b.victim("", "daemon")
	b.h.wantFailure(r, 1, "socket directory "+b.sockDir+" belongs to uid "+b.nobody.Uid+" ("+b.nobody.Username+"), not to you")
}

// TestLooseSocketDirectoryOfTheVictimIsRefused: the victim's own socket
// directory was left 0777, so nobody could plant a socket in it.
func TestLooseSocketDirectoryOfTheVictimIsRefused(t *testing.T) {
	b := newAttackBench(t)
	if err := os.Mkdir(b.sockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(b.sockDir, 0o777)
	received := b.fakeServer(b.sock)

	loose := b.sockDir + " can be written by other users (mode 0777)"
	const secret = "victims-real-client-secret"
	b.wantRefusal(b.victim(secret, "secret", "set", "zepto-sandbox"), loose)
	b.wantRefusal(b.victim("", "token", "zepto-sandbox"), loose)
	b.wantRefusal(b.victim("", "login", "zepto-sandbox", "--no-browser", "--timeout", "5s"), loose)
	wantNothingSent(t, received, 0, secret)
}

// TestPlantedLockSymlinkIsNotFollowed: in the victim's loose directory
// nobody points tokentray.sock.lock at a file of the victim's choosing;
// starting the daemon must not create it, nor claim the directory.
func TestPlantedLockSymlinkIsNotFollowedByTheDaemon(t *testing.T) {
	b := newAttackBench(t)
	if err := os.Mkdir(b.sockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(b.sockDir, 0o777)
	target := filepath.Join(b.tmp, "created-by-the-victim")
	b.asNobody("ln", "-s", target, b.sock+".lock")

	r := b.victim("", "daemon")
	b.h.wantFailure(r, 1, "socket directory "+b.sockDir+" can be reached by other users (mode 0777)")
	if !strings.Contains(r.stderr, "rm -r "+b.sockDir) {
		t.Errorf("the refusal does not say what to do: %q", r.stderr)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Errorf("the daemon created %s through the planted symlink", target)
	}
	if fi, err := os.Stat(b.sockDir); err != nil || fi.Mode().Perm() != 0o777 {
		t.Errorf("the directory was changed instead of refused: %v %v", fi.Mode(), err)
	}

	// Once the directory is gone, the same session works: a fresh private
	// directory, and the client trusts it.
	if err := os.RemoveAll(b.sockDir); err != nil {
		t.Fatal(err)
	}
	d := b.h.spawn([]string{"daemon"}, "TOKENTRAY_SOCKET=", "XDG_RUNTIME_DIR=", "TMPDIR="+b.tmp)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r := b.victim("", "status"); r.code == 0 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("status on the fresh directory: exit %d %q\n%s", r.code, r.stderr, d.logs)
		}
	}
	if fi, err := os.Lstat(b.sockDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("fresh socket directory: %v %v, want mode 0700", fi.Mode(), err)
	}
	d.stop()
}

// TestDanglingSymlinkAtTheSocketPathIsNamed: the daemon says what is in
// the way and what to do, not "bind: address already in use".
func TestDanglingSymlinkAtTheSocketPathIsNamed(t *testing.T) {
	h := newHome(t)
	if err := os.Mkdir(filepath.Dir(h.socket), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent/tokentray.sock", h.socket); err != nil {
		t.Fatal(err)
	}
	h.wantFailure(h.run("", "daemon"), 1,
		h.socket+" is a symlink (to /nonexistent/tokentray.sock), not a socket; remove it (rm "+h.socket+")")
	h.wantFailure(h.run("", "token", "x"), 1, "refusing the socket "+h.socket+": "+h.socket+" is a symlink, not a socket")
}
