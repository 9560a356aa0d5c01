//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// bashCompletion is the bash-completion package's library, which the
// script cobra generates builds on (scripts/deps.sh test installs it).
const bashCompletion = "/usr/share/bash-completion/bash_completion"

// TestShellCompletionOfTokenOffersEnvironmentNames presses TAB after
// `tokentray token ` in bash: the script the binary prints, the binary it
// calls back, and the names from the config file or the running daemon.
func TestShellCompletionOfTokenOffersEnvironmentNames(t *testing.T) {
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Skip("bash-completion is not installed (scripts/deps.sh test installs it)")
	}
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	first, second := h.envName("first"), h.envName("second")
	h.writeConfig(clientCredentialsConfig(srv, first) + clientCredentialsConfig(srv, second))

	pressTab := func(extraEnv ...string) []string {
		t.Helper()
		script := `source ` + bashCompletion + `
source <(tokentray completion bash)
COMP_LINE="tokentray token "; COMP_POINT=${#COMP_LINE}
COMP_WORDS=(tokentray token ""); COMP_CWORD=2
__start_tokentray 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = h.environ(append([]string{"PATH=" + filepath.Dir(binary) + ":" + os.Getenv("PATH")}, extraEnv...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		names := strings.Fields(string(out))
		slices.Sort(names)
		return names
	}

	// No tokentray running: the names come from the config file.
	if got, want := pressTab(), []string{first, second}; !slices.Equal(got, want) {
		t.Errorf("without a daemon: offered %q, want %q", got, want)
	}

	// Running: from the daemon, which knows one added since it started
	// (and the config path is pointed elsewhere to prove it).
	h.startDaemon()
	third := h.envName("third")
	h.mustRun("", "env", "set", third, "--flow", "client_credentials", "--token-url", srv.TokenURL(), "--client-id", oauthserver.DefaultClientID)
	want := []string{first, second, third}
	slices.Sort(want)
	if got := pressTab("TOKENTRAY_CONFIG=" + filepath.Join(h.dir, "elsewhere.toml")); !slices.Equal(got, want) {
		t.Errorf("with a daemon: offered %q, want %q", got, want)
	}
}
