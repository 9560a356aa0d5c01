//go:build linux

package e2e

// Another local user against the loopback callback listener (issue 9):
// feeding it a code (login CSRF), aborting the login with an error and an
// escape sequence, squatting [::1] for a localhost redirect_uri, and
// flooding it with connections. The attacker is a copy of this test binary
// run as nobody (callbackAttackerMain), or curl run as nobody.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

const callbackAttackerEnv = "TT_E2E_ATTACKER"

// init runs before TestMain: as the attacker, this binary does its one
// job and exits without building anything.
func init() {
	if mode := os.Getenv(callbackAttackerEnv); mode != "" {
		os.Exit(callbackAttackerMain(mode, os.Args[len(os.Args)-2:]))
	}
}

// callbackAttackerMain: "bind ADDR -" listens on ADDR; "flood ADDR N" opens N
// connections to ADDR. Either prints "ready" and holds on until stdin closes.
func callbackAttackerMain(mode string, args []string) int {
	addr := args[0]
	var held []io.Closer
	switch mode {
	case "bind":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		held = append(held, ln)
	case "flood":
		n, _ := strconv.Atoi(args[1])
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
			lim.Cur = lim.Max
			_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		}
		for range n {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				fmt.Println("error:", err)
				return 1
			}
			held = append(held, c)
		}
	default:
		fmt.Println("error: unknown mode", mode)
		return 2
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range held {
		c.Close()
	}
	return 0
}

// callbackNobody skips unless the test can act as another local user.
func callbackNobody(t *testing.T) *user.User {
	t.Helper()
	u, _, _ := requireNobody(t)
	return u
}

// startCallbackAttacker starts this test binary as nobody in MODE ARGS and waits for
// "ready"; closing its stdin (done at cleanup, or by calling stop) ends it.
func startCallbackAttacker(t *testing.T, mode string, args ...string) (stop func()) {
	t.Helper()
	callbackNobody(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "tt-attacker-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "attacker")
	copyFile(t, self, bin, 0o755)

	cmd := exec.Command("runuser", append([]string{"-u", "nobody", "--", bin}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/", callbackAttackerEnv + "=" + mode}
	cmd.Dir = "/"
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			stdin.Close()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		stop()
		t.Fatalf("attacker %s %v: %q", mode, args, line)
	}
	return stop
}

// callbackCurlAsNobody GETs target as nobody; it returns the status and the body.
func callbackCurlAsNobody(t *testing.T, target string) (int, string) {
	t.Helper()
	callbackNobody(t)
	out, err := exec.Command("runuser", "-u", "nobody", "--", "curl", "-sS", "--max-time", "5",
		"-w", "\n%{http_code}", target).CombinedOutput()
	if err != nil {
		t.Fatalf("curl as nobody: %v\n%s", err, out)
	}
	i := strings.LastIndex(string(out), "\n")
	n, _ := strconv.Atoi(strings.TrimSpace(string(out[i+1:])))
	return n, string(out[:max(i, 0)])
}

// callbackOf reads the redirect_uri and state out of an authorization URL,
// as anyone can from the browser's command line.
func callbackOf(t *testing.T, authURL string) (callback, state string) {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	return q.Get("redirect_uri"), q.Get("state")
}

func callbackEnvConfig(t *testing.T, h *home, srv *oauthserver.Server, extra string) string {
	t.Helper()
	env := h.envName("cb")
	h.writeConfig(codeConfig(srv, env) + extra)
	return env
}

func TestAnotherUserCannotFeedOrAbortTheLoginCallback(t *testing.T) {
	nobody := callbackNobody(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := callbackEnvConfig(t, h, srv, "")
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", env)

	authURL, wait := h.startReadingFirstLine("login", env, "--no-browser", "--timeout", "30s")
	callback, state := callbackOf(t, authURL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The attacker signs in with the same PKCE challenge and delivers the code.
	forged, err := oauthserver.Follow(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	abort := callback + "?state=" + url.QueryEscape(state) +
		"&error=access_denied%1B%5D0%3Bpwned%07&error_description=%1B%5B2J%1B%5B31mrun%20rm%20-rf"
	for _, target := range []string{forged, abort} {
		code, body := callbackCurlAsNobody(t, target)
		if code != http.StatusForbidden || !strings.Contains(body, "only answers the user who runs tokentray") {
			t.Errorf("another user's callback got %d:\n%s", code, body)
		}
	}
	if st := h.mustRun("", "status"); !strings.Contains(st, "authorizing") {
		t.Errorf("the login did not stay pending after the attacker's callbacks:\n%s", st)
	}

	// The user's own browser still completes it.
	code, page, err := oauthserver.FollowAndCallback(ctx, authURL)
	if err != nil || code != http.StatusOK {
		t.Fatalf("the user's callback answered %d %v\n%s", code, err, page)
	}
	r := wait()
	if r.code != 0 || !strings.Contains(r.stderr, "authorized, tokens stored") {
		t.Errorf("login: exit %d\nstderr: %s", r.code, r.stderr)
	}
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\a") {
		t.Errorf("the terminal got control characters: %q %q", r.stdout, r.stderr)
	}
	want := `msg="refused a sign-in listener connection from another user" env=` + env + " peer_uid=" + nobody.Uid
	if !strings.Contains(d.logs.String(), want) {
		t.Errorf("the daemon did not log the refusal (%s):\n%s", want, d.logs)
	}
}

// TestEscapeSequencesInTheCallbackNeverReachTheTerminal: the error of a
// callback that is accepted (the user's own browser, a hostile provider)
// is shown without its control characters.
func TestEscapeSequencesInTheCallbackNeverReachTheTerminal(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := callbackEnvConfig(t, h, srv, "")
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", env)

	authURL, wait := h.startReadingFirstLine("login", env, "--no-browser", "--timeout", "30s")
	callback, state := callbackOf(t, authURL)
	resp, err := http.Get(callback + "?state=" + url.QueryEscape(state) +
		"&error=server_error%1B%5D0%3Bpwned%07%1B%5B2J&error_description=" + url.QueryEscape("line\x1b[31m two\r\nthree"+strings.Repeat("x", 1000)))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := wait()
	h.wantFailure(r, 1, "provider answered server_error]0;pwned[2J")
	if strings.ContainsAny(r.stdout+r.stderr+string(page), "\x1b\a\r") {
		t.Errorf("control characters got through: stderr %q page %q", r.stderr, page)
	}
	if len(r.stderr) > 600 {
		t.Errorf("the provider's description was not shortened: %d bytes", len(r.stderr))
	}
	if strings.Contains(d.logs.String(), "\x1b") {
		t.Errorf("the daemon log holds an escape sequence:\n%q", d.logs)
	}
}

// callbackFreePort is a port free on both 127.0.0.1 and ::1 right now.
func callbackFreePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln6, err := net.Listen("tcp6", fmt.Sprintf("[::1]:%d", port))
		ln.Close()
		if err == nil {
			ln6.Close()
			return port
		}
	}
	t.Fatal("no port free on both loopback addresses")
	return 0
}

func TestLocalhostRedirectBindsBothLoopbacksOrRefuses(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback on this machine")
	} else {
		ln.Close()
	}
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	port := callbackFreePort(t)
	env := callbackEnvConfig(t, h, srv, fmt.Sprintf("redirect_uri = \"http://localhost:%d/callback\"\n", port))
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", env)

	// Another user holds [::1]:port: the login refuses and says what to do.
	stop := startCallbackAttacker(t, "bind", fmt.Sprintf("[::1]:%d", port), "-")
	r := h.run("", "login", env, "--no-browser", "--timeout", "5s")
	h.wantFailure(r, 1, fmt.Sprintf("register http://127.0.0.1:%d/callback", port))
	if !strings.Contains(r.stderr, "RFC 8252") || r.stdout != "" {
		t.Errorf("login with [::1] taken: stdout %q stderr %q", r.stdout, r.stderr)
	}
	stop()

	// With the port free, both addresses answer, and the login completes.
	authURL, wait := h.startReadingFirstLine("login", env, "--no-browser", "--timeout", "30s")
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		resp, err := http.Get(fmt.Sprintf("http://%s:%d/callback", host, port))
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "tokentray&#39;s sign-in listener") {
			t.Errorf("%s:%d is not tokentray's listener: %d %s", host, port, resp.StatusCode, body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if code, page, err := oauthserver.FollowAndCallback(ctx, authURL); err != nil || code != http.StatusOK {
		t.Fatalf("callback answered %d %v\n%s", code, err, page)
	}
	if r := wait(); r.code != 0 {
		t.Errorf("login: exit %d, stderr %s", r.code, r.stderr)
	}
}

// callbackOpenFiles counts pid's open file descriptors.
func callbackOpenFiles(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestFloodOnTheCallbackListenerLeavesTheDaemonItsFiles(t *testing.T) {
	const flood = 2000
	callbackNobody(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("flood")
	cc := h.envName("other")
	h.writeConfig(codeConfig(srv, env) + clientCredentialsConfig(srv, cc))
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", env)
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", cc)
	h.mustRun("", "token", cc)

	authURL, wait := h.startReadingFirstLine("login", env, "--no-browser", "--timeout", "60s")
	callback, _ := callbackOf(t, authURL)
	cbURL, _ := url.Parse(callback)
	before := callbackOpenFiles(t, d.pid())

	start := time.Now()
	stop := startCallbackAttacker(t, "flood", cbURL.Host, strconv.Itoa(flood))
	opened := time.Since(start)
	// While the attacker holds its connections, the daemon's files stay
	// few and other environments are served.
	peak := 0
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		peak = max(peak, callbackOpenFiles(t, d.pid()))
	}
	tokStart := time.Now()
	h.mustRun("", "token", cc)
	tokTime := time.Since(tokStart)
	peak = max(peak, callbackOpenFiles(t, d.pid()))
	t.Logf("%d connections opened by nobody in %s; daemon files %d before, peak %d; token for another environment in %s",
		flood, opened.Round(time.Millisecond), before, peak, tokTime.Round(time.Millisecond))
	if peak > before+64 {
		t.Errorf("the flood took the daemon from %d to %d open files", before, peak)
	}

	// The user's own browser is still heard, behind the flood.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cbStart := time.Now()
	if code, page, err := oauthserver.FollowAndCallback(ctx, authURL); err != nil || code != http.StatusOK {
		t.Fatalf("the user's callback during the flood answered %d %v\n%s", code, err, page)
	}
	t.Logf("the user's callback answered in %s during the flood", time.Since(cbStart).Round(time.Millisecond))
	stop()
	if r := wait(); r.code != 0 {
		t.Errorf("login: exit %d, stderr %s", r.code, r.stderr)
	}
}
