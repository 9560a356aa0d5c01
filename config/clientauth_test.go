package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
)

// testKeyPEM is a PKCS#8 private key, for the "key in the config" rule.
func testKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// tomlLiteral is s as a multi-line literal, the way a person pastes PEM.
func tomlLiteral(s string) string { return "'''\n" + s + "'''" }

func TestClientAuthKeysNameFileLineAndKey(t *testing.T) {
	const cc = "[[environment]]\nname = \"svc\"\nflow = \"client_credentials\"\ntoken_url = \"https://a.example/token\"\n" // 4 lines
	cert := tomlLiteral(testCertPEM("svc"))
	key := testKeyPEM(t)
	tests := []struct {
		name, src string
		line      int
		key, msg  string
	}{
		{"unknown auth style", cc + "auth_style = \"mtls\"\n", 5, "auth_style", `"private_key_jwt", "client_secret_jwt" or "tls_client_auth"`},
		{"tls without certificate", cc + "auth_style = \"tls_client_auth\"\n", 1, "client_certificate",
			"missing: auth_style = \"tls_client_auth\" presents a client certificate: set client_certificate to its PEM text (its private key goes in the store with `tokentray secret set svc < key.pem`)"},
		{"thumbprint without certificate", cc + "auth_style = \"private_key_jwt\"\nassertion_thumbprint = \"x5t\"\n", 1, "client_certificate",
			`missing: assertion_thumbprint = "x5t" names the certificate registered with the provider`},
		{"certificate with a secret style", cc + "auth_style = \"form\"\nclient_certificate = " + cert + "\n", 6, "client_certificate",
			`is only used with auth_style = "private_key_jwt" (named in the assertion's x5t header) or "tls_client_auth" (got auth_style "form")`},
		{"certificate not PEM", cc + "auth_style = \"tls_client_auth\"\nclient_certificate = \"MIIB...\"\n", 6, "client_certificate", "this is not PEM"},
		{"private key as the certificate", cc + "auth_style = \"tls_client_auth\"\nclient_certificate = " + tomlLiteral(key) + "\n", 6, "client_certificate",
			"holds a private key, which is a secret and never lives in the config file"},
		{"certificate and key", cc + "auth_style = \"tls_client_auth\"\nclient_certificate = " + tomlLiteral(testCertPEM("svc")+key) + "\n", 6, "client_certificate",
			"holds a private key"},
		{"text after the certificate", cc + "auth_style = \"tls_client_auth\"\nclient_certificate = " + tomlLiteral(testCertPEM("svc")+"junk\n") + "\n", 6, "client_certificate",
			"has text after the last certificate"},
		{"audience without a JWT style", cc + "assertion_audience = \"https://a.example\"\n", 5, "assertion_audience",
			`is only used with auth_style = "private_key_jwt" or "client_secret_jwt" (got auth_style "")`},
		{"kid with tls", cc + "auth_style = \"tls_client_auth\"\nclient_certificate = " + cert + "\nassertion_kid = \"k1\"\n", -1, "assertion_kid", "is only used with auth_style"},
		{"kid with a space", cc + "auth_style = \"private_key_jwt\"\nassertion_kid = \"my key\"\n", 6, "assertion_kid", "one word without spaces"},
		{"unknown alg", cc + "auth_style = \"private_key_jwt\"\nassertion_alg = \"none\"\n", 6, "assertion_alg", "must be one of RS256, RS384"},
		{"HS256 with a key", cc + "auth_style = \"private_key_jwt\"\nassertion_alg = \"HS256\"\n", 6, "assertion_alg", "HS256 signs with a secret; private_key_jwt signs with the private key"},
		{"ES256 with a secret", cc + "auth_style = \"client_secret_jwt\"\nassertion_alg = \"ES256\"\n", 6, "assertion_alg", "ES256 signs with a private key; client_secret_jwt signs with the client secret (HS256, HS384, HS512)"},
		{"bad thumbprint", cc + "auth_style = \"private_key_jwt\"\nclient_certificate = " + cert + "\nassertion_thumbprint = \"sha1\"\n", -1, "assertion_thumbprint", `must be "x5t" (SHA-1, as Entra ID asks) or "x5t#S256"`},
		{"thumbprint with a secret", cc + "auth_style = \"client_secret_jwt\"\nassertion_thumbprint = \"x5t\"\n", 6, "assertion_thumbprint", `is only used with auth_style = "private_key_jwt" (got auth_style "client_secret_jwt")`},
		{"dpop not a bool", cc + "dpop = \"yes\"\n", 5, "dpop", "must be true or false (got a string)"},
		{"entra without tenant", "[[environment]]\nname = \"graph\"\npreset = \"entra\"\nclient_id = \"c\"\nclient_certificate = " + cert + "\n", 1, "tenant",
			`missing: the entra preset builds its endpoints from your tenant: set tenant = "contoso.onmicrosoft.com"`},
		{"entra without certificate", "[[environment]]\nname = \"graph\"\npreset = \"entra\"\ntenant = \"contoso.onmicrosoft.com\"\nclient_id = \"c\"\n", 1, "client_certificate",
			`missing: assertion_thumbprint = "x5t" names the certificate`},
		{"bad tenant", "[[environment]]\nname = \"graph\"\npreset = \"entra\"\ntenant = \"contoso/../x\"\nclient_id = \"c\"\nclient_certificate = " + cert + "\n", 4, "tenant", "must be your directory (tenant) ID or domain"},
		{"tenant without entra", cc + "tenant = \"contoso\"\n", 5, "tenant", "is only used by a preset whose endpoints name a tenant (entra)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(testConfigPath, []byte(tt.src))
			errs := ConfigErrors(err)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), err)
			}
			ce := errs[0]
			if tt.line < 0 { // after a certificate: the key's own line
				tt.line = strings.Count(tt.src[:strings.Index(tt.src, tt.key+" =")], "\n") + 1
			}
			if ce.Line != tt.line || ce.Key != tt.key {
				t.Errorf("error at line %d key %q, want line %d key %q (%v)", ce.Line, ce.Key, tt.line, tt.key, ce)
			}
			if want := fmt.Sprintf("%s:%d: ", testConfigPath, tt.line); !strings.HasPrefix(err.Error(), want) || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("message %q\nwant prefix %q and %q", err.Error(), want, tt.msg)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY-----") || strings.Contains(err.Error(), strings.Split(key, "\n")[1]) {
				t.Errorf("the message quotes the key: %q", err.Error())
			}
		})
	}
}

func TestEveryClientAuthMethodLoads(t *testing.T) {
	cert := testCertPEM("svc")
	src := fmt.Sprintf(`[[environment]]
name = "jwt"
flow = "client_credentials"
token_url = "https://a.example/token"
auth_style = "private_key_jwt"
client_certificate = %s
assertion_thumbprint = "x5t#S256"
assertion_audience = "https://a.example"
assertion_kid = "key-1"
assertion_alg = "PS256"

[[environment]]
name = "hs"
flow = "client_credentials"
token_url = "https://a.example/token"
auth_style = "client_secret_jwt"
assertion_alg = "HS512"

[[environment]]
name = "mtls"
flow = "client_credentials"
token_url = "https://a.example/token"
auth_style = "tls_client_auth"
client_certificate = %s
dpop = true

[[environment]]
name = "graph"
preset = "entra"
tenant = "contoso.onmicrosoft.com"
client_id = "app"
client_certificate = %s

[[environment]]
name = "okta"
preset = "okta"
issuer = "https://example.okta.com/oauth2/default"
client_id = "app"
`, tomlLiteral(cert), tomlLiteral(cert), tomlLiteral(cert))
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	jwt, _ := cfg.Environment("jwt")
	if jwt.ClientCertificate != cert || jwt.AssertionAlg != "PS256" || jwt.AssertionKID != "key-1" || !jwt.SignsAssertion() || !jwt.SecretIsPrivateKey() {
		t.Errorf("jwt: %+v", jwt)
	}
	if m, _ := cfg.Environment("mtls"); !m.DPoP || !m.NeedsSecret() || m.SignsAssertion() {
		t.Errorf("mtls: %+v", m)
	}
	graph, _ := cfg.Environment("graph")
	if graph.TokenURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" ||
		graph.AuthStyle != AuthStylePrivateKeyJWT || graph.AssertionThumbprint != ThumbprintSHA1 || !graph.NeedsSecret() {
		t.Errorf("graph: %+v", graph)
	}
	if okta, _ := cfg.Environment("okta"); !okta.DPoP {
		t.Errorf("okta: %+v", okta)
	}

	// Written back: only what differs from the preset, the certificate as
	// the lines it was pasted as.
	out, err := WriteConfig(testConfigPath, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if !strings.Contains(text, "client_certificate = '''\n-----BEGIN CERTIFICATE-----\n") {
		t.Errorf("the certificate is not written as lines:\n%s", text)
	}
	graphBlock := text[strings.Index(text, `name = "graph"`):]
	graphBlock = graphBlock[:strings.Index(graphBlock, "[[environment]]")]
	for _, filled := range []string{"token_url", "auth_style", "assertion_thumbprint", "login.microsoftonline.com"} {
		if strings.Contains(graphBlock, filled) {
			t.Errorf("the entra table repeats what the preset fills (%s):\n%s", filled, graphBlock)
		}
	}
	back, err := ParseConfig(testConfigPath, out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Environments {
		if !back.Environments[i].Equal(cfg.Environments[i]) {
			t.Errorf("%s did not round-trip:\n got %+v\nwant %+v", cfg.Environments[i].Name, back.Environments[i], cfg.Environments[i])
		}
	}
}

// A guarded environment asks before its client authentication changes.
func TestClientAuthKeysMoveAGuardedEnvironment(t *testing.T) {
	base := Environment{Name: "p", Flow: FlowClientCredentials, TokenURL: "https://a.example/token", ClientID: "c", Guard: GuardConfirm,
		AuthStyle: AuthStylePrivateKeyJWT, ClientCertificate: testCertPEM("a")}
	for key, change := range map[string]func(e *Environment){
		"auth_style":           func(e *Environment) { e.AuthStyle = AuthStyleTLSClientAuth },
		"client_certificate":   func(e *Environment) { e.ClientCertificate = testCertPEM("b") },
		"assertion_audience":   func(e *Environment) { e.AssertionAudience = "https://elsewhere.example" },
		"assertion_kid":        func(e *Environment) { e.AssertionKID = "k2" },
		"assertion_alg":        func(e *Environment) { e.AssertionAlg = "PS256" },
		"assertion_thumbprint": func(e *Environment) { e.AssertionThumbprint = ThumbprintSHA1 },
	} {
		next := base
		change(&next)
		if got := GuardChange(base, next); !strings.HasPrefix(got, key+" = ") {
			t.Errorf("%s: GuardChange = %q", key, got)
		}
	}
	next := base
	next.ClientCertificate = testCertPEM("other-cn")
	if got := GuardChange(base, next); !strings.HasPrefix(got, `client_certificate = the certificate of CN=other-cn (SHA-256 `) {
		t.Errorf("the question shows the certificate as %q; want its subject and thumbprint", got)
	}
	next = base
	next.DPoP = true
	if got := GuardChange(base, next); got != "" {
		t.Errorf("dpop = true moves nothing, GuardChange = %q", got)
	}
}
