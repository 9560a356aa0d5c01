package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/proxy"
)

func TestForwardsWithTheEnvironmentsTokenInPlaceOfTheCallers(t *testing.T) {
	for _, tokens := range []string{"engine", "socket"} {
		t.Run(tokens, func(t *testing.T) {
			r := newRig(t, rigOptions{socket: tokens == "socket"})
			header := http.Header{
				"Authorization": {"Bearer the-callers-own"},
				"Dpop":          {"forged"},
				"X-Request-Id":  {"42"},
				"Connection":    {"X-Hop"},
				"X-Hop":         {"only for the proxy"},
			}
			e, _ := r.echo(http.MethodGet, "/v1/things/%C3%A9?q=a+b&n=1", nil, header)
			if e.Method != "GET" || e.Path != "/resource/v1/things/é" || e.Query != "q=a+b&n=1" {
				t.Errorf("the upstream saw %s %s ? %s", e.Method, e.Path, e.Query)
			}
			if e.Sub != oauthserver.DefaultClientID || e.TokenType != "Bearer" {
				t.Errorf("the upstream took the token as %q for %q, want the environment's", e.TokenType, e.Sub)
			}
			if e.Headers["X-Request-Id"] != "42" || e.Headers["X-Hop"] != "" || e.Headers["Dpop"] != "" || e.Headers["Accept-Encoding"] != "" {
				t.Errorf("headers at the upstream: %v", e.Headers)
			}
			if !strings.HasPrefix(e.Host, "127.0.0.1:") || e.Host == strings.TrimPrefix(r.proxy.URL(), "http://") {
				t.Errorf("the upstream saw Host %q, want its own", e.Host)
			}

			// The read log: this test, via the proxy, one line however many.
			for range 20 {
				r.echo(http.MethodGet, "/again", nil, nil)
			}
			reads, err := r.m.Reads(env)
			if err != nil {
				t.Fatal(err)
			}
			exe, _ := os.Executable()
			n := 0
			for _, rd := range reads {
				n += rd.Count
				if rd.Via != manager.ViaProxy || rd.PID != int32(os.Getpid()) || rd.Exe != exe {
					t.Errorf("read %+v, want this test via the proxy", rd)
				}
			}
			if n != 21 || len(reads) > 2 {
				t.Errorf("%d reads in %d lines, want 21 in one (two when the first fetched the token)", n, len(reads))
			}
		})
	}
}

func TestBodiesPass(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, size := range []int{0, 1, proxy.MaxReplayBody, 5 << 20} {
		e, _ := r.echo(http.MethodPost, "/upload", bytes.NewReader(make([]byte, size)), http.Header{"Content-Type": {"application/octet-stream"}})
		if e.Method != "POST" || e.BodyBytes != int64(size) {
			t.Errorf("a body of %d bytes reached the upstream as %s with %d", size, e.Method, e.BodyBytes)
		}
	}
	// Without a length (chunked), small and large.
	for _, size := range []int{10, 3 << 20} {
		e, _ := r.echo(http.MethodPut, "/upload", io.MultiReader(bytes.NewReader(make([]byte, size))), nil)
		if e.BodyBytes != int64(size) {
			t.Errorf("a chunked body of %d bytes reached the upstream with %d", size, e.BodyBytes)
		}
	}
}

func TestUnauthorizedIsRefreshedAndRetriedOnce(t *testing.T) {
	for _, tokens := range []string{"engine", "socket"} {
		t.Run(tokens, func(t *testing.T) {
			r := newRig(t, rigOptions{socket: tokens == "socket"})
			r.echo(http.MethodGet, "/warm", nil, nil)
			r.oauth.DropAccessTokens()
			before, resourceBefore := r.oauth.TokenRequests(), r.oauth.ResourceRequests()
			e, resp := r.echo(http.MethodPost, "/after-drop", strings.NewReader(`{"a":1}`), nil)
			if e.BodyBytes != 7 || !strings.Contains(resp.Header.Get(proxy.RetryHeader), "retried once") {
				t.Errorf("retried answer: body %d, %s: %q", e.BodyBytes, proxy.RetryHeader, resp.Header.Get(proxy.RetryHeader))
			}
			if got := r.oauth.TokenRequests() - before; got != 1 {
				t.Errorf("%d token requests for one 401, want 1", got)
			}
			if got := r.oauth.ResourceRequests() - resourceBefore; got != 2 {
				t.Errorf("%d upstream requests, want the 401 and the retry", got)
			}
			if reads, _ := r.m.Reads(env); !reads[0].Refreshed {
				t.Errorf("the retry's read %+v does not say it refreshed", reads[0])
			}
		})
	}
}

func TestUnauthorizedWithABodyNotKeptIsNotRetried(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.echo(http.MethodGet, "/warm", nil, nil)
	r.oauth.DropAccessTokens()
	before := r.oauth.ResourceRequests()
	resp, _ := r.do(http.MethodPost, "/big", bytes.NewReader(make([]byte, proxy.MaxReplayBody+1)), nil)
	why := resp.Header.Get(proxy.RetryHeader)
	if resp.StatusCode != http.StatusUnauthorized || !contains(why, "not retried", "1048577 bytes") {
		t.Errorf("answer %d, %s: %q; want the 401 with why it was not retried", resp.StatusCode, proxy.RetryHeader, why)
	}
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("the upstream's challenge did not reach the caller")
	}
	if got := r.oauth.ResourceRequests() - before; got != 1 {
		t.Errorf("%d upstream requests, want 1", got)
	}
}

func TestRequestsForElsewhereAreRefused(t *testing.T) {
	r := newRig(t, rigOptions{})
	addr := strings.TrimPrefix(r.proxy.URL(), "http://")
	for _, line := range []string{
		"GET http://example.com/ HTTP/1.1",
		"GET http://" + addr + "/x HTTP/1.1",
		"CONNECT example.com:443 HTTP/1.1",
		"OPTIONS * HTTP/1.1",
		"GET /a/../../admin HTTP/1.1",
		"GET /a/%2e%2e/admin HTTP/1.1",
	} {
		status, body := raw(t, addr, line)
		if status != http.StatusBadRequest || !strings.Contains(body, "bad_request") {
			t.Errorf("%s: %d %s", line, status, body)
		}
	}
	if n := r.oauth.ResourceRequests(); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
}

// raw sends one request line and returns the status and body.
func raw(t *testing.T, addr, line string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "%s\r\nHost: %s\r\nConnection: close\r\n\r\n", line, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestStreamsPassAsTheyCome(t *testing.T) {
	r := newRig(t, rigOptions{})
	upstream := func(u string) string { return strings.TrimPrefix(u, r.oauth.EchoURL()) }

	// Server-sent events: the first arrives long before the last is sent.
	start := time.Now()
	resp, err := r.client.Get(r.proxy.URL() + upstream(r.oauth.EventsURL(3, 700*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(resp.Body)
	first, _ := lines.ReadString('\n')
	if took := time.Since(start); first != "event: tick\n" || took > 600*time.Millisecond {
		t.Errorf("first line %q after %v; want the first event at once", first, took)
	}
	rest, _ := io.ReadAll(lines)
	resp.Body.Close()
	if n := strings.Count(first+string(rest), "event: tick"); n != 3 {
		t.Errorf("%d events, want 3", n)
	}

	// A chunked download, byte for byte.
	const size = 3<<20 + 17
	resp, err = r.client.Get(r.proxy.URL() + upstream(r.oauth.StreamURL(size)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || len(data) != size {
		t.Fatalf("%d bytes, %v; want %d", len(data), err, size)
	}
	for i, b := range data {
		if b != byte(i) {
			t.Fatalf("byte %d is %d, want %d", i, b, byte(i))
		}
	}
}

func TestDPoPBoundTokensGetAProofPerRequest(t *testing.T) {
	for _, tokens := range []string{"engine", "socket"} {
		t.Run(tokens, func(t *testing.T) {
			r := newRig(t, rigOptions{dpop: true, socket: tokens == "socket", oauth: oauthserver.Options{DPoP: true, DPoPResourceNonce: true}})
			for i := range 3 {
				e, _ := r.echo(http.MethodPost, fmt.Sprintf("/things/%d?x=1", i), strings.NewReader("{}"), nil)
				if e.TokenType != "DPoP" {
					t.Errorf("request %d: the upstream took a %q token", i, e.TokenType)
				}
			}
			// The resource's nonce rotates: its demand is answered once more.
			r.oauth.RotateDPoPNonce()
			_, resp := r.echo(http.MethodGet, "/after-rotation", nil, nil)
			if why := resp.Header.Get(proxy.RetryHeader); !strings.Contains(why, "nonce") {
				t.Errorf("%s: %q; want the retry with the demanded nonce", proxy.RetryHeader, why)
			}
		})
	}
}

func TestAFailedRefreshAfterAnUnauthorizedIsSaid(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.echo(http.MethodGet, "/warm", nil, nil)
	if err := r.m.SetSecret(env, "wrong-secret"); err != nil {
		t.Fatal(err)
	}
	r.oauth.DropAccessTokens()
	resp, data := r.do(http.MethodGet, "/x", nil, nil)
	why := resp.Header.Get(proxy.RetryHeader)
	if resp.StatusCode != http.StatusUnauthorized || !contains(why, "not retried", "could not be refreshed") {
		t.Errorf("answer %d, %s: %q", resp.StatusCode, proxy.RetryHeader, why)
	}
	if strings.Contains(why+string(data), "wrong-secret") {
		t.Error("the answer quotes the secret")
	}
}

// A guarded environment asks before the first request is forwarded,
// naming the program that connected; refused, the caller gets 403 and
// the upstream nothing.
func TestGuardedEnvironmentAsksBeforeForwarding(t *testing.T) {
	for _, tokens := range []string{"engine", "socket"} {
		t.Run(tokens, func(t *testing.T) {
			answer := make(chan error, 1)
			var mu sync.Mutex
			var asked []manager.Question
			var rr *rig
			rr = newRig(t, rigOptions{guard: true, socket: tokens == "socket", confirm: func(ctx context.Context, q manager.Question) error {
				if n := rr.oauth.ResourceRequests(); n != 0 {
					t.Errorf("asked after %d requests reached the upstream", n)
				}
				mu.Lock()
				asked = append(asked, q)
				mu.Unlock()
				return <-answer
			}})
			answer <- &manager.DeniedError{Env: env, Reason: "the user said no"}
			resp, data := rr.do(http.MethodGet, "/first", nil, nil)
			if e := apiError(t, data); resp.StatusCode != http.StatusForbidden || e.Code != "denied" || !strings.Contains(e.Message, "the user said no") {
				t.Errorf("denied: %d %+v", resp.StatusCode, e)
			}
			answer <- nil
			rr.echo(http.MethodGet, "/second", nil, nil)
			exe, _ := os.Executable()
			mu.Lock()
			defer mu.Unlock()
			if len(asked) != 2 || asked[0].Reader.Exe != exe || asked[0].Reader.PID != int32(os.Getpid()) {
				t.Errorf("questions %+v; want two about this test (%s)", asked, exe)
			}
			if n := rr.oauth.ResourceRequests(); n != 1 {
				t.Errorf("%d requests reached the upstream, want the allowed one", n)
			}
		})
	}
}

func TestAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to connect as another user")
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		t.Skip("no runuser")
	}
	r := newRig(t, rigOptions{})
	out, err := exec.Command("runuser", "-u", "nobody", "--", "curl", "-sS", "-i", "--max-time", "10", r.proxy.URL()+"/x").CombinedOutput()
	if err != nil {
		t.Skipf("curl as nobody: %v: %s", err, out)
	}
	if !contains(string(out), "403 Forbidden", "only the user who runs tokentray") {
		t.Errorf("nobody got:\n%s", out)
	}
	if n := r.oauth.ResourceRequests(); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
	if reads, _ := r.m.Reads(env); len(reads) != 0 {
		t.Errorf("a token was read for nobody: %+v", reads)
	}
}

// An https upstream's certificate is verified: one the proxy's transport
// does not trust is not sent the token.
func TestUpstreamCertificateIsVerified(t *testing.T) {
	trusted := newRig(t, rigOptions{oauth: oauthserver.Options{TLS: true}, trustCA: true})
	if e, _ := trusted.echo(http.MethodGet, "/x", nil, nil); e.Sub != oauthserver.DefaultClientID {
		t.Fatalf("through https: %+v", e)
	}
	untrusted := newRig(t, rigOptions{oauth: oauthserver.Options{TLS: true}})
	resp, data := untrusted.do(http.MethodGet, "/x", nil, nil)
	if e := apiError(t, data); resp.StatusCode != http.StatusBadGateway || e.Code != "upstream_unreachable" || !strings.Contains(e.Message, "certificate") {
		t.Errorf("an upstream with a certificate nobody vouches for: %d %+v", resp.StatusCode, e)
	}
	if n := untrusted.oauth.ResourceRequests(); n != 0 {
		t.Errorf("%d requests reached the untrusted upstream", n)
	}
}
