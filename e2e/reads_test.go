//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// TestReadsNamesTheScriptThatReadTheToken: a script runs `tokentray token
// ENV`; `tokentray reads ENV` names that process (the tokentray binary,
// "token ENV" on its command line), status --json carries it as
// last_read, and neither ever shows the token.
func TestReadsNamesTheScriptThatReadTheToken(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("campaignflow")
	h.startClientCredentialsDaemon(srv, env)

	if out := h.mustRun("", "reads", env); !strings.Contains(out, "nobody has read a token of "+env) {
		t.Errorf("reads before any read: %q", out)
	}
	tok := strings.TrimSpace(h.mustRun("", "token", env))
	if tok == "" {
		t.Fatal("token printed nothing")
	}

	table := h.mustRun("", "reads", env)
	t.Logf("tokentray reads %s:\n%s", env, table)
	if strings.Contains(table, tok) {
		t.Fatalf("reads shows the token:\n%s", table)
	}
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("reads is not a header and one row:\n%s", table)
	}
	for _, col := range []string{"TIME", "PID", "UID", "EXE", "CMDLINE", "REFRESHED", "VIA"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("the header lacks %s: %q", col, lines[0])
		}
	}
	// The reader is the program that ran `tokentray token` (this test
	// binary), through that command.
	self, _ := os.Executable()
	if !strings.Contains(lines[1], " "+self+" ") || !strings.Contains(lines[1], "token "+env) {
		t.Errorf("the row does not name %s running `tokentray token %s`: %q", self, env, lines[1])
	}

	raw := h.mustRun("", "reads", env, "--json")
	if strings.Contains(raw, tok) {
		t.Fatalf("reads --json shows the token:\n%s", raw)
	}
	var reads []socket.Read
	if err := json.Unmarshal([]byte(raw), &reads); err != nil {
		t.Fatalf("reads --json: %v\n%s", err, raw)
	}
	if len(reads) != 1 || reads[0].Exe != self || reads[0].PID != int32(os.Getpid()) || reads[0].Through != binary+" token "+env {
		t.Fatalf("reads --json = %+v, want one read by this test (pid %d) through %s token %s", reads, os.Getpid(), binary, env)
	}

	var status []socket.Status
	out := h.mustRun("", "status", "--json")
	if strings.Contains(out, tok) {
		t.Fatalf("status --json shows the token")
	}
	if err := json.Unmarshal([]byte(out), &status); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if len(status) != 1 || status[0].LastRead == nil || *status[0].LastRead != reads[0] {
		t.Fatalf("status --json last_read = %+v, want %+v", status[0].LastRead, reads[0])
	}
	if !strings.Contains(out, `"last_read"`) {
		t.Errorf("status --json has no last_read key:\n%s", out)
	}
}
