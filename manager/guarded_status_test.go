package manager_test

import (
	"testing"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

func TestStatusSaysWhichEnvironmentsAreGuarded(t *testing.T) {
	cfg, err := config.ParseConfig("/test/config.toml", []byte(`
[[environment]]
name = "prod"
preset = "zepto-production"
client_id = "id"
redirect_uri = "http://127.0.0.1:8750/callback"

[[environment]]
name = "prod-unguarded"
preset = "zepto-production"
client_id = "id"
redirect_uri = "http://127.0.0.1:8751/callback"
guard = "none"

[[environment]]
name = "local"
flow = "client_credentials"
token_url = "http://127.0.0.1:1/token"
client_id = "id"
guard = "confirm"
`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manager.New(cfg, manager.Options{Store: manager.NewMemoryStore(), Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want := map[string]bool{"prod": true, "prod-unguarded": false, "local": true}
	for name, guarded := range want {
		st, err := m.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Guarded != guarded {
			t.Errorf("%s: guarded = %v, want %v", name, st.Guarded, guarded)
		}
	}
}
