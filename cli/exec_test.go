package cli

import (
	"strings"
	"testing"
)

// TestExecSplitsFlagsENVAndTheCommand: flags, ENV, more flags, then the
// command; "--" ends the flags, and then only flags may stand between ENV
// and it.
func TestExecSplitsFlagsENVAndTheCommand(t *testing.T) {
	for _, tc := range []struct {
		args           []string
		env, command   string
		envVar, socket string
		err            string
	}{
		{args: []string{"dev", "--", "sh", "-c", "x"}, env: "dev", command: "sh -c x", envVar: "ACCESS_TOKEN"},
		{args: []string{"--env-var", "T", "dev", "--min-valid", "2m", "curl", "-s", "--env-var"}, env: "dev", command: "curl -s --env-var", envVar: "T"},
		{args: []string{"dev", "--env-var", "T", "--", "curl", "--", "x"}, env: "dev", command: "curl -- x", envVar: "T"},
		{args: []string{"--socket", "/s", "dev", "--socket", "/t", "true"}, env: "dev", command: "true", envVar: "ACCESS_TOKEN", socket: "/t"},
		{args: []string{"dev", "extra", "--", "true"}, err: `unexpected argument "extra"`},
		{args: []string{"--", "dev", "true"}, err: "missing ENV"},
		{args: []string{}, err: "missing ENV"},
		{args: []string{"dev"}, err: "missing CMD"},
		{args: []string{"dev", "--env-var", "T"}, err: "missing CMD"},
		{args: []string{"dev", "--bogus", "true"}, err: "unknown flag: --bogus"},
	} {
		c := &cli{args: tc.args}
		cmd, flags, err := c.rootCommand().Find(append([]string{"exec"}, tc.args...))
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.ParseFlags(flags); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		env, command, err := c.execArgs(cmd, cmd.Flags().Args())
		envVar, _ := cmd.Flags().GetString("env-var")
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.err)
			}
		case err != nil || env != tc.env || strings.Join(command, " ") != tc.command || envVar != tc.envVar || c.socketFlag != tc.socket:
			t.Errorf("%v: env %q, command %q, --env-var %q, --socket %q, error %v", tc.args, env, command, envVar, c.socketFlag, err)
		}
	}
}
