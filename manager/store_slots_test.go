package manager

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
)

// slowStore is a memory store whose reads take a while, like a keychain
// over D-Bus, and that remembers how many ran at once.
type slowStore struct {
	*VaultStore
	mu            sync.Mutex
	now, max, all int
}

func (s *slowStore) LoadTokens(env string) (*StoredTokens, error) {
	s.mu.Lock()
	s.now++
	s.all++
	s.max = max(s.max, s.now)
	s.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	s.mu.Lock()
	s.now--
	s.mu.Unlock()
	return s.VaultStore.LoadTokens(env)
}

func TestManyEnvironmentsReadTheKeychainAFewAtATime(t *testing.T) {
	const n = 200
	cfg := &config.Config{}
	for i := 0; i < n; i++ {
		cfg.Environments = append(cfg.Environments, config.Environment{
			Name: fmt.Sprintf("e%d", i), Flow: config.FlowClientCredentials,
			TokenURL: "http://127.0.0.1:1/token", ClientID: "id",
		})
	}
	store := &slowStore{VaultStore: NewMemoryStore()}
	m, err := New(cfg, Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		store.mu.Lock()
		all, most := store.all, store.max
		store.mu.Unlock()
		if all == n {
			if most > maxStoreReads {
				t.Errorf("%d keychain reads ran at once, want at most %d", most, maxStoreReads)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d environments read the store within 10s", all, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
