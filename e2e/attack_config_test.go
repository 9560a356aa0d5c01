//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runTimed runs tokentray ARGS like home.run, failing the test when it
// takes longer than limit (a hanging config read must not hang the test).
func (h *home) runTimed(limit time.Duration, args ...string) (result, time.Duration) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit+5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = h.environ()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	res := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("run tokentray %v: %v", args, err)
	}
	if took > limit {
		h.t.Errorf("tokentray %v took %v, want under %v", args, took, limit)
	}
	return res, took
}

// configAttacker is the uid of `nobody`; it skips without root or runuser.
func configAttacker(t *testing.T) int {
	t.Helper()
	_, uid, _ := requireNobody(t)
	return uid
}

const quickConfigAnswer = 3 * time.Second // "within a second", with room for a busy CI

// TestAttackConfigOtherUsersCanWriteIsRefused: the config is left 0666 and
// nobody rewrites token_url to their own listener; tokentray must not
// start on it (it would send the client id and secret there).
func TestAttackConfigOtherUsersCanWriteIsRefused(t *testing.T) {
	configAttacker(t)
	h := newHome(t)
	h.writeConfig("")
	os.Chmod(h.dir, 0o711) // nobody may pass through to the file
	os.Chmod(h.config, 0o666)
	evil := `[[environment]]
name = "prod"
flow = "client_credentials"
token_url = "http://127.0.0.1:1/steal"
client_id = "victim"
`
	cmd := exec.Command("runuser", "-u", "nobody", "--", "sh", "-c", `printf '%s' "$1" > "$2"`, "sh", evil, h.config)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nobody could not rewrite the 0666 config: %v %s", err, out)
	}
	want := fmt.Sprintf("%s: mode 0666 lets other users change it; run `chmod 600 %s`", h.config, h.config)
	for _, args := range [][]string{{"daemon"}, {"status"}} {
		r, _ := h.runTimed(quickConfigAnswer, args...)
		h.wantFailure(r, 2, want)
	}
	if _, err := os.Stat(h.socket); err == nil {
		t.Error("the daemon left a socket: it started on the loose config")
	}
	// The fix the message gives works.
	os.Chmod(h.config, 0o600)
	h.startDaemon().stop()
}

// TestAttackConfigOwnedByAnotherUserIsRefused: a config that nobody owns (even
// 0600) is theirs to change.
func TestAttackConfigOwnedByAnotherUserIsRefused(t *testing.T) {
	uid := configAttacker(t)
	h := newHome(t)
	h.writeConfig("")
	if err := os.Chown(h.config, uid, -1); err != nil {
		t.Fatal(err)
	}
	r, _ := h.runTimed(quickConfigAnswer, "daemon")
	h.wantFailure(r, 2, fmt.Sprintf("%s: owned by uid %d, not by you (uid 0)", h.config, uid))
}

// TestAttackConfigPlantedFilesAnswerWithinASecond: what another user (or a
// mistake) can put where the config is read must not hang the reader, eat
// its memory or take seconds: each is one line and exit 2.
func TestAttackConfigPlantedFilesAnswerWithinASecond(t *testing.T) {
	h := newHome(t)
	fifo := filepath.Join(h.dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(h.dir, "zero.toml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	var keys, envs, manyEnvs strings.Builder
	for i := 0; i < 80000; i++ {
		fmt.Fprintf(&keys, "k%d = 1\n", i)
	}
	for i := 0; i < 60000; i++ {
		envs.WriteString("[[environment]]\n")
	}
	for i := 0; i < 200000; i++ {
		manyEnvs.WriteString("[[environment]]\n")
	}
	file := func(name, text string) string {
		p := filepath.Join(h.dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ name, path, want string }{
		{"named pipe", fifo, "a named pipe, not a regular file"},
		{"symlink to /dev/zero", zero, "a device, not a regular file"},
		{"2 MiB", file("big.toml", "#"+strings.Repeat("x", 2<<20)), "larger than 1 MiB"},
		{"80k unknown keys", file("keys.toml", keys.String()), ":101: more than 100 keys in one table"},
		{"60k environments", file("envs.toml", envs.String()), ":1001: more than 1000 environments"},
		{"200k environments", file("many.toml", manyEnvs.String()), "larger than 1 MiB"},
		{"50 MB name", file("name.toml", "[[environment]]\nname = \""+strings.Repeat("A", 50<<20)+"\"\n"), "larger than 1 MiB"},
		{"900 KB name", file("name2.toml", "[[environment]]\nname = \""+strings.Repeat("A", 900<<10)+"\"\n"), `must be lowercase letters, digits and dashes only (got "AAAA`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, took := h.runTimed(quickConfigAnswer, "daemon", "--config", tc.path)
			t.Logf("%s: exit %d after %v, %d bytes of stderr", tc.name, r.code, took.Round(time.Millisecond), len(r.stderr))
			h.wantFailure(r, 2, tc.path)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %.300q does not say %q", r.stderr, tc.want)
			}
			if len(r.stderr) > 2000 {
				t.Errorf("stderr is %d bytes", len(r.stderr))
			}
		})
	}
}

// TestAttackConfigWithAByteOrderMarkStarts: editors on Windows save one.
func TestAttackConfigWithAByteOrderMarkStarts(t *testing.T) {
	h := newHome(t)
	h.writeConfig("\uFEFF[settings]\nrefresh_margin = \"7m\"\n")
	h.startDaemon().stop()
}

// TestAttackConfigThousandEnvironmentsStartWithTheKeychain: the most environments a
// config may hold start together, reading the real keychain a few at a
// time instead of a thousand D-Bus calls at once.
func TestAttackConfigThousandEnvironmentsStartWithTheKeychain(t *testing.T) {
	requireKeychain(t)
	h := newHome(t)
	var b strings.Builder
	prefix := h.envName("many")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "[[environment]]\nname = \"%s-%d\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:1/token\"\nclient_id = \"id\"\n", prefix, i)
	}
	h.writeConfig(b.String())
	start := time.Now()
	d := h.startDaemon()
	out := h.mustRun("", "status", "--json")
	t.Logf("1000 environments: daemon answered status after %v", time.Since(start).Round(time.Millisecond))
	if n := strings.Count(out, `"name": "`+prefix+"-"); n != 1000 {
		t.Errorf("status lists %d environments, want 1000", n)
	}
	d.stop()
}
