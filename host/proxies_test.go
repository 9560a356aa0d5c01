package host

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// withProxies runs the host's proxies over r, as Run wires them.
func (r *editRig) withProxies() {
	px := newProxies(r.m, slog.New(slog.NewTextHandler(r.logs, nil)))
	px.apply(r.m.Config())
	r.cf.OnApply(px.apply)
	r.t.Cleanup(px.close)
}

// proxyOf is what the status says of name's proxy.
func (r *editRig) proxyOf(name string) socket.Status {
	r.t.Helper()
	st, err := r.client.Environment(context.Background(), name)
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

// echoThrough sends GET path to the proxy at base and returns the path
// the upstream saw, or the status when it did not answer 200.
func echoThrough(t *testing.T, base, path string) (string, int) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var e oauthserver.Echo
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&e) != nil {
		return "", resp.StatusCode
	}
	return e.Path, resp.StatusCode
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestProxyFollowsTheConfig(t *testing.T) {
	r := newEditRig(t, twoEnvConfig)
	r.withProxies()
	ctx := context.Background()
	shared, _ := configOf(r.m, "shared")
	put := func(listen, upstream string) socket.Status {
		t.Helper()
		e := shared
		e.ProxyListen, e.ProxyUpstream = listen, upstream
		st, err := r.client.PutEnvironment(ctx, "shared", e)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	first := freePort(t)
	st := put(first, r.oauth.EchoURL())
	if st.Proxy != "http://"+first || st.ProxyProblem != "" {
		t.Fatalf("status proxy %q (%q), want http://%s", st.Proxy, st.ProxyProblem, first)
	}
	if path, code := echoThrough(t, st.Proxy, "/a"); path != "/resource/a" {
		t.Fatalf("through the proxy: %q %d", path, code)
	}
	if reads, _ := r.m.Reads("shared"); len(reads) == 0 || reads[0].Via != manager.ViaProxy {
		t.Errorf("reads %+v, want one via the proxy", reads)
	}

	// A new upstream: the same address forwards there.
	st = put(first, r.oauth.EchoURL()+"/v2")
	if path, code := echoThrough(t, "http://"+first, "/a"); st.Proxy != "http://"+first || path != "/resource/v2/a" {
		t.Errorf("after a new upstream: proxy %q, the upstream saw %q (%d)", st.Proxy, path, code)
	}

	// A new address: the old one is let go.
	second := freePort(t)
	st = put(second, r.oauth.EchoURL())
	if path, _ := echoThrough(t, st.Proxy, "/b"); st.Proxy != "http://"+second || path != "/resource/b" {
		t.Errorf("after a new address: proxy %q, the upstream saw %q", st.Proxy, path)
	}
	if _, code := echoThrough(t, "http://"+first, "/b"); code != 0 {
		t.Errorf("the old address still answers %d", code)
	}

	// An address in use: the status says so.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	st = put(busy.Addr().String(), r.oauth.EchoURL())
	if st.Proxy != "" || !strings.Contains(st.ProxyProblem, "in use") {
		t.Errorf("on a busy address: proxy %q, problem %q", st.Proxy, st.ProxyProblem)
	}

	// Gone from the config: stopped.
	put(second, r.oauth.EchoURL())
	st = put("", "")
	if st.Proxy != "" || st.ProxyProblem != "" {
		t.Errorf("without proxy keys: proxy %q, problem %q", st.Proxy, st.ProxyProblem)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, code := echoThrough(t, "http://"+second, "/c"); code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the proxy still answers after its keys were removed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
