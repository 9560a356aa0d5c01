//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// autostarting is this home's environment with starting on demand on.
func (h *home) autostarting(extra ...string) []string {
	var env []string
	for _, kv := range h.environ(extra...) {
		if kv != "TOKENTRAY_NO_AUTOSTART=1" {
			env = append(env, kv)
		}
	}
	return env
}

// startedFor lists the pids of tokentray processes serving this home's
// socket, found by the --socket their command line names.
func (h *home) startedFor() []int {
	h.t.Helper()
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if len(args) > 1 && args[0] == binary && (args[1] == "daemon" || args[1] == "--hidden") && strings.Contains(string(cmdline), h.socket) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// stopStarted ends the tokentray a command started for this home.
func (h *home) stopStarted() {
	for _, pid := range h.startedFor() {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	waitFor(h.t, "the started tokentray to stop", 10*time.Second, func() bool { return len(h.startedFor()) == 0 })
}

func TestRacingCommandsStartExactlyOneTokentrayThatOutlivesThem(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("api")
	h.writeConfig(clientCredentialsConfig(srv, env))
	t.Cleanup(h.stopStarted)

	// Five commands at once, nothing running: one tokentray is started,
	// and every command gets its answer.
	var wg sync.WaitGroup
	results := make([]result, 5)
	for i := range results {
		wg.Go(func() { results[i] = runWith(t, h.autostarting(), "", "status", "--json") })
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 || !strings.Contains(r.stdout, env) {
			t.Errorf("command %d: exit %d, stdout %q, stderr %q", i, r.code, r.stdout, r.stderr)
		}
	}
	pids := h.startedFor()
	if len(pids) != 1 {
		t.Fatalf("%d tokentrays started for one socket (pids %v), want 1", len(pids), pids)
	}
	// It outlives the commands: the next one finds it, and starts none.
	r := runWith(t, h.autostarting(), oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	if r.code != 0 {
		t.Fatalf("secret set: %+v", r)
	}
	if tok := strings.TrimSpace(h.mustRun("", "token", env)); !acceptedByProvider(t, srv, tok) {
		t.Error("the started tokentray's token is not honoured")
	}
	if now := h.startedFor(); len(now) != 1 || now[0] != pids[0] {
		t.Errorf("tokentrays for the socket: %v, want only the first, %d", now, pids[0])
	}
	log, err := os.ReadFile(filepath.Join(h.dir, "state", "tokentray", "tokentray.log"))
	if err != nil || !strings.Contains(string(log), "tokentray running") {
		t.Errorf("the started tokentray's log (%v):\n%s", err, log)
	}
}

func TestNoAutostartAndUntrustedSocketsStartNothing(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("api")
	h.writeConfig(clientCredentialsConfig(srv, env))
	t.Cleanup(h.stopStarted)

	// Opted out: exit 4, as before.
	h.wantFailure(h.run("", "token", env), 4, "no running tokentray")

	// A socket folder others can write (planted or loosened): refused,
	// and never a reason to start one.
	dir := filepath.Dir(h.socket)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	r := runWith(t, h.autostarting(), "", "token", env)
	if r.code != 1 || !strings.Contains(r.stderr, "can be written by other users") {
		t.Errorf("a command on a loose socket folder: exit %d, stderr %q; want 1 naming the folder", r.code, r.stderr)
	}
	if pids := h.startedFor(); len(pids) != 0 {
		t.Errorf("a loose socket folder started tokentray %v", pids)
	}
}

func TestAStartThatFailsSaysWhy(t *testing.T) {
	h := newHome(t)
	h.writeConfig("[[environment]]\nname = \"x\"\ncolour = \"red\"\n")
	t.Cleanup(h.stopStarted)
	r := runWith(t, h.autostarting(), "", "token", "x")
	if r.code != 4 || !strings.Contains(r.stderr, "did not answer") || !strings.Contains(r.stderr, "colour") {
		t.Errorf("a start that fails: exit %d, stderr %q; want 4 with the started one's own error", r.code, r.stderr)
	}
}
