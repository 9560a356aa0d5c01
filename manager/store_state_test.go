package manager_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

func TestLockedEngineSaysUnlockAndRunsOnceUnlocked(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	m, err := manager.New(&config.Config{Environments: []config.Environment{ccEnv(srv)}},
		manager.Options{Locked: true, StoreKind: "file", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	st, _ := m.Status("shared")
	if st.State != manager.StateLocked || st.Next == nil || st.Next.Action != manager.NextUnlock || st.Store != "file" {
		t.Fatalf("locked engine: state %s next %+v store %q; want locked, unlock, file", st.State, st.Next, st.Store)
	}
	if _, err := m.Token(context.Background(), "shared", 0); !errors.Is(err, manager.ErrLocked) {
		t.Fatalf("token while locked: %v, want ErrLocked", err)
	}
	store := manager.NewMemoryStore()
	if err := store.SaveSecret("shared", manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	if err := m.Unlock(store, "file"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatalf("token after unlock: %v", err)
	}
	if err := m.Unlock(store, "file"); err == nil {
		t.Error("a second unlock was accepted")
	}
}

// slowSecrets is a memory store whose secret reads take a while, like
// a keychain with a thousand items.
type slowSecrets struct {
	*manager.VaultStore
	gate chan struct{}
}

func (s *slowSecrets) LoadSecret(env string) (manager.StoredSecret, error) {
	<-s.gate
	return s.VaultStore.LoadSecret(env)
}

func TestLockedEngineAsksForUnlockBeforeTheCertificatesClient(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := ccEnv(srv)
	env.AuthStyle = config.AuthStyleTLSClientAuth
	m, err := manager.New(&config.Config{Environments: []config.Environment{env}},
		manager.Options{Locked: true, StoreKind: "file", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	if _, err := m.ResourceHTTPClient("shared"); !errors.Is(err, manager.ErrLocked) {
		t.Fatalf("the resource client of a locked engine: %v, want ErrLocked (not: set a private key)", err)
	}
}

func TestLoadingEnvironmentIsLoadingNotUnconfiguredAndAReadWaits(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := &slowSecrets{VaultStore: manager.NewMemoryStore(), gate: make(chan struct{})}
	if err := store.SaveSecret("shared", manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	m, err := manager.New(&config.Config{Environments: []config.Environment{ccEnv(srv)}}, manager.Options{Store: store, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	if st, _ := m.Status("shared"); st.State != manager.StateLoading || st.Next != nil {
		t.Fatalf("while the store is read: state %s next %+v; want loading and nothing to do", st.State, st.Next)
	}
	got := make(chan error, 1)
	go func() { _, err := m.Token(context.Background(), "shared", 0); got <- err }()
	select {
	case err := <-got:
		t.Fatalf("the read answered before its environment loaded: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(store.gate)
	if err := <-got; err != nil {
		t.Fatalf("the read after loading: %v", err)
	}
}
