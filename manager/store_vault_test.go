package manager

import (
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
)

func configWithDPoP(name string) config.Environment {
	return config.Environment{Name: name, Flow: config.FlowClientCredentials, TokenURL: "https://a.example/token", ClientID: "c", DPoP: true}
}

func sampleTokens() StoredTokens {
	return StoredTokens{
		RefreshToken: "refresh-abc",
		AccessToken:  "access-xyz",
		TokenType:    "Bearer",
		ExpiresAt:    time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		IssuedAt:     time.Date(2030, 1, 2, 1, 4, 5, 0, time.UTC),
		Scopes:       []string{"bank_accounts", "payments"},
		Origin:       "https://go.sandbox.zeptopayments.com",
	}
}

func TestFitTokensItem(t *testing.T) {
	small := sampleTokens()
	fat := sampleTokens()
	fat.AccessToken = strings.Repeat("j", 3000)
	hugeRefresh := sampleTokens()
	hugeRefresh.RefreshToken = strings.Repeat("r", 3000)
	noAccess := withoutAccessToken(fat)

	tests := []struct {
		name    string
		tokens  StoredTokens
		limit   int
		want    StoredTokens
		wantErr bool
	}{
		{"no limit keeps everything", fat, 0, fat, false},
		{"fits under the limit", small, 2560, small, false},
		{"too big drops the access token", fat, 2560, noAccess, false},
		{"refresh token alone too big", hugeRefresh, 2560, StoredTokens{}, true},
		{"exactly at the limit", small, len(mustJSON(t, small)), small, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := fitTokensItem(tt.tokens, tt.limit)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("fitItem = %d bytes, nil; want an error", len(data))
				}
				if strings.Contains(err.Error(), "rrrr") {
					t.Errorf("error quotes the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.limit > 0 && len(data) > tt.limit {
				t.Errorf("item is %d bytes, over the limit %d", len(data), tt.limit)
			}
			got, err := decodeTokensItem(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("item holds %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSecretItemsOfEarlierVersionsReadAsUnboundSecrets(t *testing.T) {
	v := &memoryVault{}
	s := NewVaultStore(v)
	_ = v.Save(secretItem("old"), []byte("bare-secret\n with a newline"))
	got, err := s.LoadSecret("old")
	if err != nil || got.Value.Reveal() != "bare-secret\n with a newline" || got.Origin != "" {
		t.Fatalf("an item of an earlier version reads as %q for %q, %v; want the bare secret, unbound", got.Value.Reveal(), got.Origin, err)
	}
	want := StoredSecret{Value: "new-secret", Origin: "https://auth.example.com"}
	if err := s.SaveSecret("new", want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LoadSecret("new"); got != want || err != nil {
		t.Fatalf("LoadSecret = %q for %q, %v; want what was saved", got.Value.Reveal(), got.Origin, err)
	}
	_ = v.Save(secretItem("bad"), []byte(secretItemPrefix+"zzsecretzz{"))
	if _, err := s.LoadSecret("bad"); err == nil || strings.Contains(err.Error(), "zzsecretzz") {
		t.Fatalf("an unreadable secret item: %v; want an error that does not quote it", err)
	}
}

func TestTokensItemKeepsIssueTimeAndOrigin(t *testing.T) {
	s := NewMemoryStore()
	want := sampleTokens()
	if err := s.SaveTokens("e", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadTokens("e")
	if err != nil || got == nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("loaded %+v, %v; want %+v", got, err, want)
	}
}

// The DPoP key lives in the tokens item: saved and read back with them,
// kept when the access token has to go for size, and a key that does not
// read is an error that leaves the item as it is.
func TestTokensItemKeepsTheDPoPKey(t *testing.T) {
	key, err := newDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	want := sampleTokens()
	want.TokenType = "DPoP"
	want.DPoPKey = key.jwk()
	s := NewMemoryStore()
	if err := s.SaveTokens("e", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadTokens("e")
	if err != nil || got == nil || string(got.DPoPKey) != string(want.DPoPKey) {
		t.Fatalf("loaded %+v, %v", got, err)
	}
	back, err := parseDPoPKey(got.DPoPKey)
	if err != nil || !back.priv.Equal(key.priv) {
		t.Fatalf("the stored key reads back as another: %v", err)
	}
	if small := withoutAccessToken(want); string(small.DPoPKey) != string(want.DPoPKey) {
		t.Error("dropping the access token for size dropped the DPoP key the refresh token is bound to")
	}

	m, err := New(nil, Options{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	bad := want
	bad.DPoPKey = json.RawMessage(`{"kty":"oct","k":"c2VjcmV0LWJ5dGVzLWhlcmU"}`)
	bad.Origin = "https://a.example" // the environment's: not forgotten as moved
	e := newEnvironment(m, configWithDPoP("e"))
	_ = s.SaveTokens("e", bad)
	e.load()
	if e.loadErr == nil || !strings.Contains(e.loadErr.Error(), "DPoP key") || strings.Contains(e.loadErr.Error(), "c2VjcmV0") {
		t.Errorf("load of a broken key: %v; want an error naming the DPoP key, not quoting it", e.loadErr)
	}
	if st, _ := s.LoadTokens("e"); st == nil {
		t.Error("the item with the broken key was deleted")
	}
}
