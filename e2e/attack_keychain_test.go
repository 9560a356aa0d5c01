//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform"
)

// plantItem stores a tokens item for env next to (not over) tokentray's
// own, as another program can: same service and username, one more
// attribute.
func plantItem(t *testing.T, env, value string) {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Skip("secret-tool not found")
	}
	cmd := exec.Command("secret-tool", "store", "--label", "planted", "service", platform.KeychainService, "username", "tokens:"+env, "planted", "yes")
	cmd.Stdin = strings.NewReader(value)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v: %s", err, out)
	}
	t.Cleanup(func() {
		_ = exec.Command("secret-tool", "clear", "service", platform.KeychainService, "username", "tokens:"+env).Run()
	})
}

// tokenItems counts the keychain items that answer for env's tokens.
func tokenItems(t *testing.T, env string) int {
	t.Helper()
	out, _ := exec.Command("secret-tool", "search", "--all", "service", platform.KeychainService, "username", "tokens:"+env).CombinedOutput()
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "[/") { // one "[/object/path]" header per item
			n++
		}
	}
	return n
}

func statusWarning(t *testing.T, h *home, env string) string {
	t.Helper()
	var list []struct{ Name, State, Warning string }
	if err := json.Unmarshal([]byte(h.mustRun("", "status", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Name == env {
			return e.State + ": " + e.Warning
		}
	}
	t.Fatalf("status --json has no %s", env)
	return ""
}

// TestMalformedItemIsNamedNotQuotedAndGoneAfterLogin: an item someone else
// wrote is reported by name and problem without its content, a login
// replaces it and the warning goes with it.
func TestMalformedItemIsNamedNotQuotedAndGoneAfterLogin(t *testing.T) {
	requireKeychain(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("planted")
	h.writeConfig(codeConfig(srv, env))
	marker := fmt.Sprintf("zzplanted%dzz", time.Now().UnixNano())
	if err := keyring.Set(platform.KeychainService, "tokens:"+env, `{"refresh_token":"x","`+marker+`":1}`); err != nil {
		t.Fatal(err)
	}
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	h.wantFailure(h.run("", "token", env), 3, "needs login") // reads the keychain

	warning := statusWarning(t, h, env)
	if !strings.Contains(warning, "could not read the keychain") || !strings.Contains(warning, "tokentray/tokens:"+env) ||
		!strings.Contains(warning, "unknown field") {
		t.Errorf("status does not name the item and its problem: %q", warning)
	}
	if strings.Contains(warning, marker) || strings.Contains(d.logs.String(), marker) {
		t.Errorf("the item's content reached status or the log: %q\n%s", warning, d.logs)
	}

	if r := h.login(env); r.code != 0 {
		t.Fatalf("login exit %d: %s\n%s", r.code, r.stderr, d.logs)
	}
	if warning := statusWarning(t, h, env); warning != "valid: " {
		t.Errorf("after a login status says %q, want valid with no warning", warning)
	}
}

// TestLogoutRemovesAPlantedDuplicate: with tokentray's item and another
// one for the same environment, logout must leave neither behind.
func TestLogoutRemovesAPlantedDuplicate(t *testing.T) {
	requireKeychain(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("dup")
	h.writeConfig(codeConfig(srv, env))
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	if r := h.login(env); r.code != 0 {
		t.Fatalf("login exit %d: %s\n%s", r.code, r.stderr, d.logs)
	}
	plantItem(t, env, "zzmalformedzz")
	if n := tokenItems(t, env); n != 2 {
		t.Fatalf("%d token items before logout, want 2", n)
	}
	h.mustRun("", "logout", env)
	if n := tokenItems(t, env); n != 0 {
		t.Errorf("%d token items left after logout, want 0", n)
	}
}
