package manager_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

func TestHangingProviderSaysWhichHostAndWhenItGivesUp(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{httpTimeout: 20 * time.Second})
	f.login("local")
	srv.SetTokenDelay(time.Second) // real time: the refresh stays at the provider meanwhile
	before := srv.TokenRequests()
	started := f.clock.Now()

	done := make(chan error, 1)
	go func() { _, err := f.refresh("local"); done <- err }()
	eventually(t, "the refresh at the provider", func() bool { return srv.TokenRequests() > before })
	if st := f.status("local"); st.State != manager.StateRefreshing || st.Waiting != nil {
		t.Fatalf("a refresh just sent: state %s, waiting %+v; want refreshing, nothing said yet", st.State, st.Waiting)
	}

	// A few seconds later the views are told what it waits for.
	f.clock.Advance(4 * time.Second)
	ev := f.waitEvent(manager.EventState, "local")
	for ev.Status.Waiting == nil {
		ev = f.waitEvent(manager.EventState, "local")
	}
	host := mustHost(t, srv.TokenURL())
	want := manager.Waiting{Host: host, Since: started, Timeout: 20 * time.Second}
	if got := *ev.Status.Waiting; got != want {
		t.Errorf("waiting = %+v, want %+v", got, want)
	}
	if st := f.status("local"); st.Waiting == nil || st.State != manager.StateRefreshing {
		t.Errorf("status while it hangs: state %s, waiting %+v", st.State, st.Waiting)
	}

	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := f.status("local"); st.Waiting != nil || st.State != manager.StateValid {
		t.Errorf("after the answer: state %s, waiting %+v; want valid, not waiting", st.State, st.Waiting)
	}
}

func TestWaitingTimeoutIsTheEnginesWhenTheClientHasNone(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv)) // the default client: 30 s
	r.login("local")
	srv.SetTokenDelay(500 * time.Millisecond)
	before := srv.TokenRequests()
	done := make(chan error, 1)
	go func() { _, err := r.m.Refresh(t.Context(), "local"); done <- err }()
	eventually(t, "the refresh at the provider", func() bool { return srv.TokenRequests() > before })
	r.clock.Advance(4 * time.Second)
	eventually(t, "waiting in the status", func() bool {
		st, _ := r.m.Status("local")
		return st.Waiting != nil
	})
	st, _ := r.m.Status("local")
	if st.Waiting.Timeout != 30*time.Second {
		t.Errorf("timeout %v, want the default HTTP client's 30s", st.Waiting.Timeout)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func mustHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
