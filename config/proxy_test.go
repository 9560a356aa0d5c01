package config

import (
	"strings"
	"testing"
)

func TestProxyKeys(t *testing.T) {
	const local = "[[environment]]\nname = \"local\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:9096/token\"\n"
	both := func(listen, upstream string) string {
		return local + "proxy_listen = \"" + listen + "\"\nproxy_upstream = \"" + upstream + "\"\n"
	}
	tests := []struct {
		name, src string
		line      int    // of the error (a missing key: the table's); 0 = no error
		key, msg  string // of the error
	}{
		{"neither", local, 0, "", ""},
		{"both", both("127.0.0.1:8181", "https://api.example.com/v2"), 0, "", ""},
		{"ipv6 loopback, any port, loopback http upstream", both("[::1]:0", "http://127.0.0.1:9000"), 0, "", ""},
		{"listen alone", local + "proxy_listen = \"127.0.0.1:8181\"\n", 1, "proxy_upstream", "missing: proxy_listen"},
		{"upstream alone", local + "proxy_upstream = \"https://api.example.com\"\n", 1, "proxy_listen", "missing: proxy_upstream is reached"},
		{"listen on every interface", both("0.0.0.0:8181", "https://api.example.com"), 5, "proxy_listen", "must be on a loopback IP address"},
		{"listen on a LAN address", both("192.168.1.5:8181", "https://api.example.com"), 5, "proxy_listen", "must be on a loopback IP address"},
		{"listen on a name", both("localhost:8181", "https://api.example.com"), 5, "proxy_listen", "must be on a loopback IP address"},
		{"listen without a port", both("127.0.0.1", "https://api.example.com"), 5, "proxy_listen", "must be a loopback address and port"},
		{"listen port out of range", both("127.0.0.1:70000", "https://api.example.com"), 5, "proxy_listen", "port must be between 0"},
		{"plain http upstream elsewhere", both("127.0.0.1:8181", "http://api.example.com"), 6, "proxy_upstream", "must be https:// unless the host is loopback"},
		{"upstream not a URL", both("127.0.0.1:8181", "api.example.com"), 6, "proxy_upstream", "must be an absolute URL"},
		{"upstream of another scheme", both("127.0.0.1:8181", "ftp://api.example.com"), 6, "proxy_upstream", "must be an absolute URL"},
		{"upstream with a query", both("127.0.0.1:8181", "https://api.example.com/?key=1"), 6, "proxy_upstream", "must not have a ?query"},
		{"upstream with user information", both("127.0.0.1:8181", "https://me:pw@api.example.com"), 6, "proxy_upstream", "must not carry user information"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(testConfigPath, []byte(tt.src))
			if tt.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				e := cfg.Environments[0]
				if e.HasProxy() != (e.ProxyListen != "") {
					t.Errorf("HasProxy() = %v for %+v", e.HasProxy(), e)
				}
				return
			}
			errs := ConfigErrors(err)
			if len(errs) != 1 {
				t.Fatalf("errors %v, want one", err)
			}
			e := errs[0]
			if e.Line != tt.line || e.Env != "local" || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error %+v, want line %d local %s %q", e, tt.line, tt.key, tt.msg)
			}
		})
	}
}

// A new upstream sends a guarded environment's token somewhere else: it
// is confirmed like a moved endpoint. A new listen address is not.
func TestProxyUpstreamMovesAGuardedEnvironment(t *testing.T) {
	e := Environment{Name: "prod", Flow: FlowClientCredentials, TokenURL: "https://a.example/token", Guard: GuardConfirm,
		ProxyListen: "127.0.0.1:8181", ProxyUpstream: "https://api.example.com"}
	moved := e
	moved.ProxyUpstream = "https://attacker.example"
	if change := GuardChange(e, moved); !strings.Contains(change, `proxy_upstream = "https://attacker.example"`) {
		t.Errorf("GuardChange of the upstream = %q", change)
	}
	relisten := e
	relisten.ProxyListen = "127.0.0.1:9191"
	if change := GuardChange(e, relisten); change != "" {
		t.Errorf("GuardChange of the listen address = %q, want none", change)
	}
}
