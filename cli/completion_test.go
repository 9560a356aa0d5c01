package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete asks the command tree what a shell would offer after args, the
// way the completion scripts do (cobra's hidden __complete command). It
// returns the offered words and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, errs := runCLI(t, append([]string{"__complete"}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %q: exit %d, stderr %q", args, code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var words []string
	for _, l := range lines[:len(lines)-1] {
		word, _, _ := strings.Cut(l, "\t") // the description after a tab
		words = append(words, word)
	}
	return words, lines[len(lines)-1]
}

// envArgCommands are the commands whose first argument is ENV.
var envArgCommands = [][]string{
	{"token"}, {"login"}, {"refresh"}, {"logout"}, {"reads"}, {"exec"},
	{"secret", "set"}, {"env", "set"}, {"env", "remove"},
}

func TestCompletingTokenOffersTheRunningTokentraysEnvironments(t *testing.T) {
	r := newEnvRig(t)
	// Added through the running tokentray: not in the file it started with.
	if code, _, errs := r.run(t, "", "env", "set", "api", "--flow", "client_credentials", "--token-url", r.tokenURL, "--client-id", "cid"); code != exitOK {
		t.Fatalf("env set: %d %s", code, errs)
	}
	for _, cmd := range envArgCommands {
		args := append(append([]string{"--socket", r.sockPath, "--config", "/nonexistent/config.toml"}, cmd...), "")
		words, directive := complete(t, args...)
		slices.Sort(words)
		if strings.Join(words, " ") != "api shared" || directive != ":4" { // 4: no file names
			t.Errorf("%v <TAB>: %q %s, want api and shared", cmd, words, directive)
		}
	}
	// The states come along as descriptions.
	_, out, _ := runCLI(t, "__complete", "--socket", r.sockPath, "token", "sh")
	if !strings.HasPrefix(out, "shared\t") {
		t.Errorf("token sh<TAB>: %q", out)
	}
}

func TestCompletingWithoutARunningTokentrayReadsTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	text := ""
	for _, name := range []string{"sandbox", "production"} {
		text += "[[environment]]\nname = \"" + name + "\"\nflow = \"client_credentials\"\ntoken_url = \"https://auth.example/token\"\nclient_id = \"cid\"\n"
	}
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(dir, "run", "none.sock")
	for _, cmd := range envArgCommands {
		words, _ := complete(t, append(append([]string{"--config", cfg, "--socket", none}, cmd...), "")...)
		if strings.Join(words, " ") != "sandbox production" {
			t.Errorf("%v <TAB>: %q", cmd, words)
		}
	}
	// TOKENTRAY_CONFIG and TOKENTRAY_SOCKET, as for every command.
	t.Setenv("TOKENTRAY_CONFIG", cfg)
	t.Setenv("TOKENTRAY_SOCKET", none)
	if words, _ := complete(t, "token", "pro"); strings.Join(words, " ") != "production" {
		t.Errorf("token pro<TAB>: %q", words)
	}
	// Only the first argument is ENV; exec's next ones are a command line.
	if words, directive := complete(t, "token", "sandbox", ""); len(words) != 0 || directive != ":4" {
		t.Errorf("token sandbox <TAB>: %q %s", words, directive)
	}
	if words, directive := complete(t, "exec", "sandbox", ""); len(words) != 0 || directive != ":0" {
		t.Errorf("exec sandbox <TAB>: %q %s, want the shell's own (files, commands)", words, directive)
	}
}

func TestCompletionOffersCommandsFlagsAndFlagValues(t *testing.T) {
	t.Setenv("TOKENTRAY_SOCKET", filepath.Join(t.TempDir(), "none.sock"))
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{""}, []string{"daemon", "status", "token", "login", "exec", "secret", "env", "completion"}},
		{[]string{"env", ""}, []string{"set", "remove"}},
		{[]string{"token", "--f"}, []string{"--format"}},
		{[]string{"token", "x", "--format", ""}, []string{"raw", "json", "header"}},
		{[]string{"env", "set", "x", "--preset", ""}, []string{"zepto-sandbox", "zepto-production", "campaignflow-test"}},
		{[]string{"env", "set", "x", "--flow", ""}, []string{"authorization_code", "client_credentials", "device_code"}},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish"}},
	} {
		words, _ := complete(t, tc.args...)
		for _, w := range tc.want {
			if !slices.Contains(words, w) {
				t.Errorf("%q <TAB> offers %q, not %q", tc.args, words, w)
			}
		}
	}
}

func TestCompletionScriptsForBashZshAndFish(t *testing.T) {
	for _, shell := range completionShells {
		code, out, errs := runCLI(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, "tokentray") || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: exit %d, stderr %q, script:\n%.300s", shell, code, errs, out)
		}
	}
	// The bash script loads and registers itself for tokentray.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	_, script, _ := runCLI(t, "completion", "bash")
	path := filepath.Join(t.TempDir(), "tokentray.bash")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bash, "-c", "source "+path+" && complete -p tokentray").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-F __start_tokentray tokentray") {
		t.Errorf("bash: %v\n%s", err, out)
	}
}
