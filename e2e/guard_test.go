//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// TestDaemonDeniesGuardedReads: `tokentray daemon` has no one to ask, so
// a read of an environment with guard = "confirm" is denied: `token` and
// `exec` exit 5 with one line that says who was denied, why, and how to
// allow it, while an unguarded environment of the same daemon reads fine.
func TestDaemonDeniesGuardedReads(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	guarded, open := h.envName("prod"), h.envName("sandbox")
	h.writeConfig(clientCredentialsConfig(srv, guarded) + "guard = \"confirm\"\n\n" + clientCredentialsConfig(srv, open))
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", guarded)
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", open)

	r := h.run("", "token", guarded)
	t.Logf("tokentray token %s: exit %d: %s", guarded, r.code, r.stderr)
	h.wantFailure(r, 5, "runs as a daemon without notifications")
	// The program named is the one that ran `tokentray token`: this test.
	testProgram := filepath.Base(os.Args[0]) + " "
	for _, want := range []string{"denied", testProgram, guarded, `guard = "none"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q does not say %q", r.stderr, want)
		}
	}
	if r.stdout != "" {
		t.Errorf("a denied read printed %q on stdout", r.stdout)
	}

	r = h.run("", "exec", guarded, "--", "sh", "-c", "echo ran with $ACCESS_TOKEN")
	h.wantFailure(r, 5, "runs as a daemon without notifications")
	if strings.Contains(r.stdout, "ran with") {
		t.Errorf("exec ran the command after a denied read: %q", r.stdout)
	}

	h.wantFailure(h.run("", "refresh", guarded), 5, "runs as a daemon without notifications")

	if tok := strings.TrimSpace(h.mustRun("", "token", open)); tok == "" || !acceptedByProvider(t, srv, tok) {
		t.Errorf("the unguarded environment's token %q is not one the provider issued", tok)
	}
}
