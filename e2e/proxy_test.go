//go:build linux

package e2e

// The local proxy (issue "Tokens into every tool"): `tokentray proxy ENV
// --upstream URL` in the foreground, and the proxy the host runs for
// proxy_listen, against the test server's protected resource.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// proxyRun is a running `tokentray proxy`.
type proxyRun struct {
	url    string
	cmd    *exec.Cmd
	stderr *syncBuffer
}

// startEchoProxy is the proxy tests' common start: the daemon with a
// client-credentials environment of a new provider, its secret set, and
// `tokentray proxy` in front of the provider's echo resource.
func startEchoProxy(t *testing.T) (*oauthserver.Server, *home, string, *proxyRun) {
	t.Helper()
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("api")
	h.startClientCredentialsDaemon(srv, env)
	return srv, h, env, h.startProxy(env, srv.EchoURL())
}

// startProxy runs `tokentray proxy ENV --upstream URL ARGS...` and waits
// for the address it prints.
func (h *home) startProxy(env, upstream string, args ...string) *proxyRun {
	h.t.Helper()
	cmd := exec.Command(binary, append([]string{"proxy", env, "--upstream", upstream}, args...)...)
	cmd.Env = h.environ()
	p := &proxyRun{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	select {
	case p.url = <-line:
	case <-time.After(20 * time.Second):
		h.t.Fatalf("tokentray proxy printed no address within 20s: %s", p.stderr)
	}
	if !strings.HasPrefix(p.url, "http://127.0.0.1:") {
		h.t.Fatalf("tokentray proxy printed %q, want its address; stderr: %s", p.url, p.stderr)
	}
	return p
}

// stop ends the proxy as Ctrl-C does; it must exit 0.
func (p *proxyRun) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("tokentray proxy exited with %v after Ctrl-C: %s", err, p.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("tokentray proxy did not stop within 10s of Ctrl-C")
	}
}

// curl runs curl ARGS and returns the status, headers and body.
func curl(t *testing.T, args ...string) (int, http.Header, string) {
	t.Helper()
	out, err := exec.Command("curl", append([]string{"-sS", "-i", "--max-time", "30"}, args...)...).Output()
	if err != nil {
		t.Fatalf("curl %v: %v", args, err)
	}
	rd := bufio.NewReader(bytes.NewReader(out))
	resp, err := http.ReadResponse(rd, nil)
	for err == nil && resp.StatusCode < 200 { // "100 Continue" for a large body
		resp, err = http.ReadResponse(rd, nil)
	}
	if err != nil {
		t.Fatalf("curl %v printed no HTTP answer: %v\n%s", args, err, out)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func decodeEcho(t *testing.T, body string) oauthserver.Echo {
	t.Helper()
	var e oauthserver.Echo
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not the echo resource's answer: %q", body)
	}
	return e
}

// readsOf is what `tokentray reads ENV --json` prints.
func (h *home) readsOf(env string) []socket.Read {
	h.t.Helper()
	var reads []socket.Read
	if err := json.Unmarshal([]byte(h.mustRun("", "reads", env, "--json")), &reads); err != nil {
		h.t.Fatal(err)
	}
	return reads
}

func TestProxyForwardsWithTheTokenAndLogsWhoCalled(t *testing.T) {
	_, h, env, p := startEchoProxy(t)

	// Without a token: the environment's is added.
	code, _, body := curl(t, p.url+"/v1/things?limit=2")
	e := decodeEcho(t, body)
	if code != http.StatusOK || e.Path != "/resource/v1/things" || e.Query != "limit=2" || e.Sub != oauthserver.DefaultClientID {
		t.Fatalf("curl without a token: %d %+v", code, e)
	}
	// The caller's own Authorization is replaced.
	code, _, body = curl(t, "-H", "Authorization: Bearer not-a-token-the-provider-issued", p.url+"/me")
	if e := decodeEcho(t, body); code != http.StatusOK || e.Sub != oauthserver.DefaultClientID {
		t.Fatalf("curl with its own Authorization: %d %s", code, body)
	}
	// POST bodies pass, small and large.
	for _, size := range []int{10 << 10, 3 << 20} {
		code, _, body = curl(t, "-X", "POST", "-H", "Content-Type: application/octet-stream", "--data-binary", "@"+sizedFile(t, size), p.url+"/upload")
		if e := decodeEcho(t, body); code != http.StatusOK || e.Method != "POST" || e.BodyBytes != int64(size) {
			t.Errorf("POST of %d bytes: %d %s", size, code, body)
		}
	}

	// One client's many requests are one line of the read log.
	client := &http.Client{}
	for i := range 300 {
		resp, err := client.Get(p.url + "/poll/" + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	reads := h.readsOf(env)
	self, _ := os.Executable()
	if len(reads) == 0 || reads[0].Exe != self || reads[0].Count != 300 || reads[0].Via != "proxy" ||
		!strings.Contains(reads[0].Through, "proxy "+env+" --upstream") {
		t.Errorf("the newest line of the read log: %+v; want this test's 300 requests via the proxy", reads[0])
	}
	curls := 0
	for _, rd := range reads {
		if filepath.Base(rd.Exe) == "curl" && rd.Via == "proxy" {
			curls += rd.Count
		}
	}
	if curls != 4 || len(reads) > 6 {
		t.Errorf("read log %+v; want curl's 4 reads (one line each) and this test's one line", reads)
	}
	table := h.mustRun("", "reads", env)
	if !strings.Contains(table, "READS") || !strings.Contains(table, " 300 ") || !strings.Contains(table, "proxy: tokentray proxy "+env) {
		t.Errorf("reads table:\n%s", table)
	}
	p.stop(t)
}

// sizedFile is a file of size bytes in the test's temp dir.
func sizedFile(t *testing.T, size int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(path, bytes.Repeat([]byte{'x'}, size), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProxyRefreshesAndRetriesOnceAfterTheProviderDroppedTheToken(t *testing.T) {
	srv, _, _, p := startEchoProxy(t)
	if code, _, body := curl(t, p.url+"/warm"); code != http.StatusOK {
		t.Fatalf("first request: %d %s", code, body)
	}

	srv.DropAccessTokens()
	tokens, resources := srv.TokenRequests(), srv.ResourceRequests()
	code, header, body := curl(t, "-X", "POST", "--data-binary", `{"amount":100}`, p.url+"/payments")
	if e := decodeEcho(t, body); code != http.StatusOK || e.BodyBytes != 14 {
		t.Fatalf("after the drop: %d %s", code, body)
	}
	if why := header.Get("Tokentray-Proxy-Retry"); !strings.Contains(why, "retried once") {
		t.Errorf("Tokentray-Proxy-Retry: %q", why)
	}
	if got := srv.TokenRequests() - tokens; got != 1 {
		t.Errorf("%d token requests, want one refresh", got)
	}
	if got := srv.ResourceRequests() - resources; got != 2 {
		t.Errorf("%d upstream requests, want the 401 and one retry", got)
	}

	// A body over 1 MiB was not kept: the 401 comes back, with why.
	srv.DropAccessTokens()
	resources = srv.ResourceRequests()
	code, header, _ = curl(t, "-X", "PUT", "--data-binary", "@"+sizedFile(t, 2<<20), p.url+"/files/big")
	if why := header.Get("Tokentray-Proxy-Retry"); code != http.StatusUnauthorized || !strings.Contains(why, "not retried") {
		t.Errorf("a large body after a drop: %d, Tokentray-Proxy-Retry %q", code, why)
	}
	if got := srv.ResourceRequests() - resources; got != 1 {
		t.Errorf("%d upstream requests for the large body, want 1", got)
	}
}

func TestProxyStreamsWithoutHoldingThemInMemory(t *testing.T) {
	srv, _, _, p := startEchoProxy(t)
	under := func(u string) string { return p.url + strings.TrimPrefix(u, srv.EchoURL()) }
	if code, _, _ := curl(t, p.url+"/warm"); code != http.StatusOK {
		t.Fatal("the proxy does not answer")
	}
	_, before := memoryOf(t, p.cmd.Process.Pid)

	// A 512 MiB chunked download, read as it comes.
	const download = 512 << 20
	resp, err := http.Get(under(srv.StreamURL(download)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != download {
		t.Fatalf("downloaded %d bytes, %v; want %d", n, err, download)
	}
	// A 256 MiB upload of unknown length, streamed.
	const upload = 256 << 20
	req, _ := http.NewRequest(http.MethodPost, p.url+"/upload", io.LimitReader(zeros{}, upload))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if e := decodeEcho(t, string(data)); e.BodyBytes != upload {
		t.Fatalf("the upstream got %d bytes of the upload, want %d", e.BodyBytes, upload)
	}
	// Server-sent events come one by one.
	start := time.Now()
	resp, err = http.Get(under(srv.EventsURL(2, time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := bufio.NewReader(resp.Body).ReadString('\n')
	resp.Body.Close()
	if took := time.Since(start); first != "event: tick\n" || took > 900*time.Millisecond {
		t.Errorf("the first event %q came after %v; want it before the second is sent (1s)", first, took)
	}

	_, after := memoryOf(t, p.cmd.Process.Pid)
	t.Logf("tokentray proxy peak memory: %.1f MiB before, %.1f MiB after 768 MiB streamed", before, after)
	if after-before > 16 {
		t.Errorf("the proxy's peak memory grew by %.1f MiB while streaming, want it flat (< 16 MiB)", after-before)
	}
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestProxyRefusesAnotherUser(t *testing.T) {
	requireNobody(t)
	srv, h, env, p := startEchoProxy(t)
	if code, _, _ := curl(t, p.url+"/mine"); code != http.StatusOK {
		t.Fatal("the proxy does not answer its own user")
	}
	token := strings.TrimSpace(h.mustRun("", "token", env))
	resources := srv.ResourceRequests()

	out, err := exec.Command("runuser", "-u", "nobody", "--", "curl", "-sS", "-i", "--max-time", "10", p.url+"/theirs").CombinedOutput()
	if err != nil {
		t.Fatalf("curl as nobody: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "403 Forbidden") || !strings.Contains(string(out), "only the user who runs tokentray may use this proxy") {
		t.Errorf("nobody got:\n%s", out)
	}
	if strings.Contains(string(out), token) {
		t.Error("nobody got the token")
	}
	if got := srv.ResourceRequests() - resources; got != 0 {
		t.Errorf("%d of nobody's requests reached the upstream", got)
	}
	for _, rd := range h.readsOf(env) {
		if rd.UID != uint32(os.Getuid()) {
			t.Errorf("a read for uid %d: %+v", rd.UID, rd)
		}
	}
}

// A daemon has no one to ask: a guarded environment's proxy forwards
// nothing and says why.
func TestGuardedProxyIsDeniedWithoutSomeoneToAsk(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("prod")
	h.writeConfig(clientCredentialsConfig(srv, env) + "guard = \"confirm\"\n")
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	p := h.startProxy(env, srv.EchoURL())
	code, _, body := curl(t, p.url+"/first")
	if code != http.StatusForbidden || !strings.Contains(body, `"denied"`) || !strings.Contains(body, "runs as a daemon without notifications") {
		t.Errorf("a guarded proxied request under a daemon: %d %s", code, body)
	}
	if n := srv.ResourceRequests(); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
}

// proxyConfig is the config of an environment whose proxy the host runs.
func proxyConfig(srv *oauthserver.Server, env, listen, upstream string) string {
	return clientCredentialsConfig(srv, env) + fmt.Sprintf("proxy_listen = %q\nproxy_upstream = %q\n", listen, upstream)
}

func TestHostRunsTheConfiguredProxyAndFollowsEdits(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("api")
	listen := freeLoopbackAddr(t)
	h.writeConfig(proxyConfig(srv, env, listen, srv.EchoURL()))
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)

	st := h.statusOf(env)
	if st.Proxy != "http://"+listen {
		t.Fatalf("status proxy %q (%s), want http://%s\n%s", st.Proxy, st.ProxyProblem, listen, d.logs)
	}
	code, _, body := curl(t, st.Proxy+"/a")
	if e := decodeEcho(t, body); code != http.StatusOK || e.Path != "/resource/a" {
		t.Fatalf("through the host's proxy: %d %s", code, body)
	}
	if reads := h.readsOf(env); len(reads) == 0 || filepath.Base(reads[0].Exe) != "curl" || reads[0].Via != "proxy" || reads[0].Through != "" {
		t.Errorf("read log %+v, want curl via the host's proxy", reads)
	}

	// A hand edit of the upstream applies without a restart, on the same address.
	h.writeConfig(proxyConfig(srv, env, listen, srv.EchoURL()+"/v2"))
	waitFor(t, "the edited upstream", 10*time.Second, func() bool {
		_, _, body := curl(t, st.Proxy+"/a")
		return strings.Contains(body, `"path":"/resource/v2/a"`)
	})
	// Taken out of the config, it stops.
	h.writeConfig(clientCredentialsConfig(srv, env))
	waitFor(t, "the proxy to stop", 10*time.Second, func() bool { return h.statusOf(env).Proxy == "" })
	if err := exec.Command("curl", "-sS", "--max-time", "5", st.Proxy+"/a").Run(); err == nil {
		t.Error("the proxy still answers after its keys were removed")
	}
}

// freeLoopbackAddr is a loopback address with a port free right now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestProxyCommandRefusesWhatItCannotDo(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("api")
	h.writeConfig(clientCredentialsConfig(srv, env))
	h.startDaemon()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"proxy", env}, 2, "--upstream URL is required"},
		{[]string{"proxy", env, "--upstream", "http://api.example.com"}, 2, "must be https:// unless the host is loopback"},
		{[]string{"proxy", env, "--upstream", "https://api.example.com", "--listen", "0.0.0.0:8181"}, 2, "must be on a loopback IP address"},
		{[]string{"proxy", "nope", "--upstream", "https://api.example.com"}, 2, `unknown environment "nope"`},
	} {
		h.wantFailure(h.run("", tc.args...), tc.code, tc.want)
	}
}
