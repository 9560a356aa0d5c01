package cli

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs the command line with empty stdin.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(args, strings.NewReader(""), &out, &errb, Options{})
	return code, out.String(), errb.String()
}

func TestFlagsGoAnywhereAmongTheArguments(t *testing.T) {
	r := newEnvRig(t)
	// A command's flag before ENV, a global one after it.
	code, out, errs := runCLI(t, "token", "--format", "json", "shared", "--socket", r.sockPath)
	if code != exitOK || !strings.HasPrefix(out, `{"access_token":`) {
		t.Errorf("token --format json shared --socket S: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The global one before the command.
	code, out, errs = runCLI(t, "--socket", r.sockPath, "token", "shared", "--format", "header")
	if code != exitOK || !strings.HasPrefix(out, "Authorization: Bearer ") {
		t.Errorf("--socket S token shared --format header: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// After "--" everything is an argument, so here one too many.
	code, _, errs = runCLI(t, "--socket", r.sockPath, "token", "shared", "--", "--format", "json")
	if code != exitUsage || !strings.Contains(errs, `unexpected argument "--format"`) {
		t.Errorf("after --: exit %d, stderr %q", code, errs)
	}
}

func TestHelpComesFromTheCommandTree(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errs := runCLI(t, args...)
		if code != exitOK || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		// Every command with its use line, and the global flags.
		for _, want := range []string{
			"tokentray token ENV [--min-valid DUR] [--format raw|json|header|exec-credential] [--for \"METHOD URL\"]",
			"tokentray exec ENV [--env-var NAME]", "tokentray env set ENV", "tokentray env remove ENV",
			"tokentray secret set ENV", "tokentray completion bash|zsh|fish", "tokentray daemon",
			"tokentray status [--json]", "--config PATH", "--socket PATH", "--hidden", "--version",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v does not show %q:\n%s", args, want, out)
			}
		}
	}
	for _, args := range [][]string{{"token", "--help"}, {"help", "token"}, {"token", "x", "-h"}} {
		code, out, _ := runCLI(t, args...)
		for _, want := range []string{
			"Prints a current access token of ENV", // the long description
			"Usage:\n  tokentray token ENV",
			"Examples:\n  curl -H \"$(tokentray token",
			"--format FORMAT", "--min-valid DUR",
			"Global flags (before or after the command):", "--socket PATH",
		} {
			if code != exitOK || !strings.Contains(out, want) {
				t.Errorf("%v: exit %d, help lacks %q:\n%s", args, code, want, out)
			}
		}
	}
	// A group's help lists its commands; `env help` works as it did.
	for _, args := range [][]string{{"env", "--help"}, {"env", "help"}} {
		code, out, _ := runCLI(t, args...)
		if code != exitOK || !strings.Contains(out, "tokentray env set ENV") || !strings.Contains(out, "tokentray env remove ENV") {
			t.Errorf("%v: exit %d:\n%s", args, code, out)
		}
	}
	// exec reads flags after ENV itself, --help among them.
	if code, out, _ := runCLI(t, "exec", "dev", "--help"); code != exitOK || !strings.Contains(out, "Runs CMD with a current access token") {
		t.Errorf("exec dev --help: exit %d:\n%s", code, out)
	}
}

func TestCallingACommandWrongIsOneLineAndExitTwo(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "unknown command \"frobnicate\"; see `tokentray --help`"},
		{[]string{"stauts"}, "did you mean status?"},
		{[]string{"status", "--bogus"}, "status: unknown flag: --bogus; see `tokentray status --help`"},
		{[]string{"--bogus"}, "unknown flag: --bogus; see `tokentray --help`"},
		{[]string{"status", "-json"}, "unknown flag -json: long flags take two dashes, --json"},
		{[]string{"token", "-help"}, "long flags take two dashes, --help"},
		{[]string{"token"}, "token: missing ENV; usage: tokentray token ENV [--min-valid DUR] [--format raw|json|header|exec-credential] [--for \"METHOD URL\"]; see `tokentray token --help`"},
		{[]string{"token", "a", "b"}, `token: unexpected argument "b"`},
		{[]string{"token", "a", "--min-valid", "soon"}, `invalid argument "soon" for "--min-valid"`},
		{[]string{"status", "extra"}, `status: unexpected argument "extra"`},
		{[]string{"env"}, "env: missing set or remove; see `tokentray env --help`"},
		{[]string{"env", "frob"}, `env: unknown subcommand "frob": use set or remove`},
		{[]string{"env", "set"}, "env set: missing ENV; usage: tokentray env set ENV"},
		{[]string{"env", "rm"}, "env remove: missing ENV"},
		{[]string{"secret"}, "secret: missing set"},
		{[]string{"secret", "get", "x"}, `secret: unknown subcommand "get"`},
		{[]string{"exec", "dev"}, "exec: missing CMD"},
		{[]string{"completion", "tcsh"}, `completion: unknown shell "tcsh": use bash, zsh or fish`},
		{[]string{"--hidden", "status"}, "status: unknown flag: --hidden"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != exitUsage || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line saying %q", tc.args, code, out, errs, tc.want)
		}
	}
}

func TestVersionSaysVersionAndCommit(t *testing.T) {
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "v1.2.3", "0123abc"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if code, out, _ := runCLI(t, args...); code != exitOK || out != "tokentray v1.2.3 (commit 0123abc)\n" {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	version, commit = "", ""
	if _, out, _ := runCLI(t, "--version"); !strings.HasPrefix(out, "tokentray ") || !strings.Contains(out, " (commit ") {
		t.Errorf("without ldflags: %q", out)
	}
}
