package platform

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// storeDuplicate writes a second item that matches env's tokens item, the
// way another program (or a user with secret-tool) can: same service and
// username, one more attribute, so the keychain keeps both.
func storeDuplicate(t *testing.T, k *Keychain, user, value string) {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Skip("secret-tool not found")
	}
	cmd := exec.Command("secret-tool", "store", "--label", "duplicate", "service", k.service, "username", user, "planted", "yes")
	cmd.Stdin = strings.NewReader(value)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("secret-tool", "clear", "service", k.service, "username", user).Run() })
}

func countItems(t *testing.T, k *Keychain, user string) int {
	t.Helper()
	out, err := exec.Command("secret-tool", "search", "--all", "service", k.service, "username", user).CombinedOutput()
	if err != nil && len(out) != 0 {
		t.Fatalf("secret-tool search: %v: %s", err, out)
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if len(line) > 0 && line[0] == '[' {
			n++
		}
	}
	return n
}

func TestLogoutRemovesEveryItemOfTheEnvironment(t *testing.T) {
	k := requireKeyring(t)
	env := testEnv(t, k)
	if err := vaultStore(k).SaveTokens(env, sampleTokens()); err != nil {
		t.Fatal(err)
	}
	storeDuplicate(t, k, tokensItem(env), "zzmalformedzz")
	if n := countItems(t, k, tokensItem(env)); n != 2 {
		t.Fatalf("%d items before logout, want 2", n)
	}
	if err := vaultStore(k).DeleteTokens(env); err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, k, tokensItem(env)); n != 0 {
		t.Errorf("%d items left after DeleteTokens, want 0", n)
	}
	if _, err := keyring.Get(k.service, tokensItem(env)); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("after DeleteTokens Get = %v, want not found", err)
	}
}

func TestSaveReplacesAShadowingDuplicate(t *testing.T) {
	k := requireKeyring(t)
	env := testEnv(t, k)
	storeDuplicate(t, k, tokensItem(env), "zzmalformedzz")
	if _, err := vaultStore(k).LoadTokens(env); err == nil {
		t.Fatal("the malformed item loads without an error")
	}
	want := sampleTokens()
	if err := vaultStore(k).SaveTokens(env, want); err != nil {
		t.Fatal(err)
	}
	got, err := vaultStore(k).LoadTokens(env)
	if err != nil || got == nil || got.RefreshToken != want.RefreshToken {
		t.Fatalf("after a save LoadTokens = %+v, %v; want the saved tokens", got, err)
	}
	if n := countItems(t, k, tokensItem(env)); n != 1 {
		t.Errorf("%d items after the save, want 1", n)
	}
}
