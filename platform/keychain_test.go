package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/tokentray/tokentray/manager"
)

// These tests use the real Secret Service. scripts/testenv.sh (and so
// `make test`) gives them a private session bus with an unlocked
// gnome-keyring, so they never see the user's own keyring.
func requireKeyring(t *testing.T) *Keychain {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("DBUS_SESSION_BUS_ADDRESS is unset: run under scripts/testenv.sh (make test) to test against a private gnome-keyring")
	}
	return NewKeychain()
}

var nonEnvChars = regexp.MustCompile(`[^a-z0-9]+`)

// testEnv is an environment name no other test uses; its items are removed
// when the test ends.
func testEnv(t *testing.T, k *Keychain) string {
	t.Helper()
	env := fmt.Sprintf("t-%s-%d", nonEnvChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), time.Now().UnixNano())
	t.Cleanup(func() {
		_ = keyring.Delete(k.service, tokensItem(env))
		_ = keyring.Delete(k.service, secretItem(env))
	})
	return env
}

func tokensItem(env string) string { return "tokens:" + env }
func secretItem(env string) string { return "client-secret:" + env }

// vaultStore is the engine's store over k, as the host opens it.
func vaultStore(k *Keychain) manager.Store { return manager.NewVaultStore(k) }

func sampleTokens() manager.StoredTokens {
	return manager.StoredTokens{
		RefreshToken: "refresh-abc",
		AccessToken:  "access-xyz",
		TokenType:    "Bearer",
		ExpiresAt:    time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Scopes:       []string{"bank_accounts", "payments"},
	}
}

func TestTokensSurviveSaveAndLoad(t *testing.T) {
	k := requireKeyring(t)
	env := testEnv(t, k)
	want := sampleTokens()

	if err := vaultStore(k).SaveTokens(env, want); err != nil {
		t.Fatal(err)
	}
	// A second store stands in for the next start of the app.
	got, err := vaultStore(NewKeychain()).LoadTokens(env)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("loaded %+v, want %+v", got, want)
	}

	// A new refresh token (rotation) replaces the item instead of adding one.
	want.RefreshToken = "refresh-rotated"
	if err := vaultStore(k).SaveTokens(env, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := vaultStore(k).LoadTokens(env); got == nil || got.RefreshToken != "refresh-rotated" {
		t.Fatalf("after rotation loaded %+v", got)
	}
}

func TestNeverAuthorizedLoadsAsNoTokens(t *testing.T) {
	k := requireKeyring(t)
	got, err := vaultStore(k).LoadTokens(testEnv(t, k))
	if got != nil || err != nil {
		t.Fatalf("LoadTokens = %+v, %v; want nil, nil", got, err)
	}
}

func TestDeleteTokensForgetsThem(t *testing.T) {
	k := requireKeyring(t)
	env := testEnv(t, k)
	if err := vaultStore(k).SaveTokens(env, sampleTokens()); err != nil {
		t.Fatal(err)
	}
	if err := vaultStore(k).DeleteTokens(env); err != nil {
		t.Fatal(err)
	}
	if got, err := vaultStore(k).LoadTokens(env); got != nil || err != nil {
		t.Fatalf("after delete LoadTokens = %+v, %v", got, err)
	}
	if err := vaultStore(k).DeleteTokens(env); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestClientSecretIsItsOwnItem(t *testing.T) {
	k := requireKeyring(t)
	env := testEnv(t, k)
	if s, err := vaultStore(k).LoadSecret(env); s.Value != "" || err != nil {
		t.Fatalf("no secret yet: LoadSecret = %q, %v", s.Value.Reveal(), err)
	}
	if err := vaultStore(k).SaveTokens(env, sampleTokens()); err != nil {
		t.Fatal(err)
	}
	secret := manager.StoredSecret{Value: "s3cret-value", Origin: "https://go.sandbox.zeptopayments.com"}
	if err := vaultStore(k).SaveSecret(env, secret); err != nil {
		t.Fatal(err)
	}
	if s, err := vaultStore(k).LoadSecret(env); s != secret || err != nil {
		t.Fatalf("LoadSecret = %q for %s, %v", s.Value.Reveal(), s.Origin, err)
	}

	// Other Secret Service clients see it under the documented attributes.
	if _, err := exec.LookPath("secret-tool"); err == nil {
		out, err := exec.Command("secret-tool", "lookup", "service", "tokentray", "username", "client-secret:"+env).Output()
		if err != nil || !strings.Contains(string(out), "s3cret-value") {
			t.Fatalf("secret-tool lookup: %v (got %d bytes)", err, len(out))
		}
	}

	if err := vaultStore(k).DeleteSecret(env); err != nil {
		t.Fatal(err)
	}
	if s, err := vaultStore(k).LoadSecret(env); s.Value != "" || err != nil {
		t.Fatalf("after delete LoadSecret = %q, %v", s.Value.Reveal(), err)
	}
	if got, err := vaultStore(k).LoadTokens(env); got == nil || err != nil {
		t.Fatalf("deleting the secret touched the tokens: %+v, %v", got, err)
	}
}

func TestUnreadableItemIsAnErrorAndIsKept(t *testing.T) {
	k := requireKeyring(t)
	tests := []struct{ name, item, says string }{
		{"garbage", "zzsecretzz not json", "not JSON"},
		{"unknown field", `{"refresh_token":"zzsecretzz","version":2}`, "1 unknown field"},
		{"unknown field named like a secret", `{"refresh_token":"x","zzsecretzz":1}`, "1 unknown field"},
		{"wrong type", `{"refresh_token":"zzsecretzz","scopes":"a b"}`, `"scopes"`},
		{"bad time", `{"refresh_token":"x","expires_at":"zzsecretzz"}`, `"expires_at"`},
		{"not an object", `["zzsecretzz"]`, "not an object"},
		{"no tokens", `{"token_type":"zzsecretzz"}`, "no tokens"},
		{"null", `null`, "no tokens"},
		{"cut short", `{"refresh_token":"zzsecretzz"`, "cut short"},
		{"two objects", `{"refresh_token":"zzsecretzz"} {}`, "after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, k)
			if err := keyring.Set(k.service, tokensItem(env), tt.item); err != nil {
				t.Fatal(err)
			}
			got, err := vaultStore(k).LoadTokens(env)
			if err == nil {
				t.Fatalf("LoadTokens = %+v, nil; want an error", got)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.says) || !strings.Contains(msg, "sign "+env+" out and in again") ||
				!strings.Contains(msg, k.service+"/"+tokensItem(env)) {
				t.Errorf("error %q should name the item, say %q and what to do", msg, tt.says)
			}
			if strings.Contains(msg, "zzsecretzz") {
				t.Errorf("error %q quotes the item's content", msg)
			}
			if raw, err := keyring.Get(k.service, tokensItem(env)); raw != tt.item || err != nil {
				t.Errorf("after the failed read the item is %q, %v; want it unchanged", raw, err)
			}
		})
	}
}

func TestTooLargeItemKeepsRefreshToken(t *testing.T) {
	k := requireKeyring(t)
	env := testEnv(t, k)
	k.limit = 300 // stands in for Windows' 2.5 KB
	tok := sampleTokens()
	tok.AccessToken = strings.Repeat("j", 1000) // a fat JWT

	if err := vaultStore(k).SaveTokens(env, tok); err != nil {
		t.Fatal(err)
	}
	got, err := vaultStore(k).LoadTokens(env)
	if err != nil || got == nil {
		t.Fatalf("LoadTokens = %+v, %v", got, err)
	}
	if got.RefreshToken != tok.RefreshToken || got.AccessToken != "" || !reflect.DeepEqual(got.Scopes, tok.Scopes) {
		t.Fatalf("stored %+v; want the refresh token and scopes without the access token", got)
	}
}

func TestOpenKeychainWhenSecretServiceAnswers(t *testing.T) {
	requireKeyring(t)
	k, problem := OpenKeychain()
	if problem != "" || k == nil {
		t.Fatalf("OpenKeychain = %v, %q; want the keychain", k, problem)
	}
}

// OpenKeychain's failures run in a child process: the D-Bus library keeps one
// session connection per process, so this one may already be connected.
func TestOpenKeychainSaysWhyItIsNotThere(t *testing.T) {
	tmp := t.TempDir()

	// A socket file nobody listens on any more.
	dead := filepath.Join(tmp, "dead-bus")
	l, err := net.Listen("unix", dead)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()

	tests := []struct {
		name string
		env  []string
		says string
	}{
		{"bus address points to a dead socket", []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + dead}, "no Secret Service on the session bus"},
		{"no bus address at all", []string{"DBUS_SESSION_BUS_ADDRESS=", "XDG_RUNTIME_DIR=" + tmp}, "no D-Bus session bus"},
	}
	if addr := bareBus(t); addr != "" {
		tests = append(tests, struct {
			name string
			env  []string
			says string
		}{"a bus without a keyring", []string{"DBUS_SESSION_BUS_ADDRESS=" + addr}, "is gnome-keyring running?"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openStoreInChild(t, tt.env)
			if r.Persistent || !strings.Contains(r.Problem, tt.says) {
				t.Fatalf("OpenKeychain = keychain %v, problem %q; want none and a problem saying %q", r.Persistent, r.Problem, tt.says)
			}
			t.Logf("problem: %s (after %s)", r.Problem, r.Elapsed)
			if r.Elapsed > 5*time.Second {
				t.Fatalf("OpenStore took %s", r.Elapsed)
			}
		})
	}
}

// bareBus starts a session bus that has no services and activates none,
// and returns its address ("" when dbus-daemon is not installed).
func bareBus(t *testing.T) string {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		return ""
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=`+dir+`</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make([]byte, 512)
	n, err := out.Read(line)
	if err != nil {
		t.Fatalf("reading the bus address: %v", err)
	}
	return strings.TrimSpace(string(line[:n]))
}

type openStoreResult struct {
	Persistent bool
	Problem    string
	Elapsed    time.Duration
}

const openStoreChildEnv = "TOKENTRAY_TEST_OPENSTORE_CHILD"

func openStoreInChild(t *testing.T, env []string) openStoreResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpenStoreChild$", "-test.count=1")
	// atexit_sleep_ms: a -race child otherwise lingers a second at exit.
	cmd.Env = append(os.Environ(), openStoreChildEnv+"=1", "GORACE=atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	i := bytes.IndexByte(out, '{')
	var r openStoreResult
	if i < 0 || json.NewDecoder(bytes.NewReader(out[i:])).Decode(&r) != nil {
		t.Fatalf("child printed %q", out)
	}
	return r
}

// TestOpenStoreChild is the child process of TestOpenKeychainSaysWhyItIsNotThere.
func TestOpenStoreChild(t *testing.T) {
	if os.Getenv(openStoreChildEnv) != "1" {
		return
	}
	start := time.Now()
	k, problem := OpenKeychain()
	json.NewEncoder(os.Stdout).Encode(openStoreResult{k != nil, problem, time.Since(start)})
}
