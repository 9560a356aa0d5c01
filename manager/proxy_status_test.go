package manager_test

import (
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// The host tells the engine which proxy it runs; the status carries it,
// through config changes, and a change is announced.
func TestStatusCarriesTheProxyTheHostRuns(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, ccEnv(srv))
	events, stop := r.m.Subscribe()
	defer stop()
	running := manager.ProxyStatus{URL: "http://127.0.0.1:8181"}
	r.m.SetProxy("shared", running)
	waitState := func(want manager.ProxyStatus) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case ev := <-events:
				if ev.Kind == manager.EventState && ev.Env == "shared" && ev.Status.Proxy == want {
					return
				}
			case <-deadline:
				t.Fatalf("no state event with proxy %+v", want)
			}
		}
	}
	waitState(running)

	// Another key of the environment changes: the proxy is still there.
	cfg := r.m.Config()
	cfg.Environments[0].Scopes = []string{"other"}
	if err := r.m.SetConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.m.Status("shared"); st.Proxy != running {
		t.Errorf("after a config change the status says proxy %+v, want %+v", st.Proxy, running)
	}

	failed := manager.ProxyStatus{Problem: "127.0.0.1:8181 is in use"}
	r.m.SetProxy("shared", failed)
	waitState(failed)
	r.m.SetProxy("shared", manager.ProxyStatus{})
	if st, _ := r.m.Status("shared"); st.Proxy != (manager.ProxyStatus{}) {
		t.Errorf("proxy %+v after the host stopped it", st.Proxy)
	}
	r.m.SetProxy("gone", running) // an unknown environment: kept quietly for when it comes
	gone := ccEnv(srv)
	gone.Name = "gone"
	if err := r.m.SetConfig(&config.Config{Environments: append(cfg.Environments, gone)}); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.m.Status("gone"); st.Proxy != running {
		t.Errorf("proxy of an environment added later: %+v", st.Proxy)
	}
}
