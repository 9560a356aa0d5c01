//go:build linux

package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// TestKillDashNineAtEveryStepOfARefresh kills the daemon with SIGKILL at
// each step of a refresh with rotation (TOKENTRAY_TEST_PAUSE_AT, see
// cli/checkpoint.go, built only with -tags crashtest) and starts it again
// on the same keychain:
//
//   - before_request: the provider never saw the refresh token; the next
//     start refreshes with it and serves a valid token without login.
//   - after_response (= before the save): the provider rotated, the new
//     tokens were never saved. The next start tries the saved refresh
//     token once, gets invalid_grant and says needs_login with what
//     happened: no loop, and no stale access token handed out as valid.
//   - after_save: the new tokens are in the keychain; the next start
//     serves them without login.
func TestKillDashNineAtEveryStepOfARefresh(t *testing.T) {
	requireKeychain(t)
	useCrashBinary(t)
	for _, step := range []string{"before_request", "after_response", "after_save"} {
		t.Run(step, func(t *testing.T) {
			srv := oauthserver.Start(t, oauthserver.Options{})
			h := newHome(t)
			env := h.envName("crash")
			h.writeConfig(codeConfig(srv, env))
			h.seedSecret(env)

			d := h.startDaemon()
			first := d
			if r := h.login(env); r.code != 0 {
				t.Fatalf("login exit %d: %s\n%s", r.code, r.stderr, d.logs)
			}
			before := strings.TrimSpace(h.mustRun("", "token", env))
			d.stop()

			// The daemon stops for good at step; a forced refresh gets it there.
			t.Setenv("TOKENTRAY_TEST_PAUSE_AT", step)
			d = h.startDaemon()
			paused := d
			refresh := exec.Command(binary, "refresh", env)
			refresh.Env = h.environ()
			if err := refresh.Start(); err != nil {
				t.Fatal(err)
			}
			pausedLine := "tokentray: paused at " + step + " for " + env
			waitFor(t, "the daemon to pause", 20*time.Second, func() bool { return strings.Contains(d.logs.String(), pausedLine) })
			requestsAtCrash := srv.TokenRequests()
			d.kill() // SIGKILL: no cleanup, no save
			_ = refresh.Wait()
			t.Setenv("TOKENTRAY_TEST_PAUSE_AT", "")

			d = h.startDaemon()
			state := func() map[string]any {
				var list []map[string]any
				if err := json.Unmarshal([]byte(h.mustRun("", "status", "--json")), &list); err != nil || len(list) != 1 {
					t.Fatalf("status --json: %v %v", err, list)
				}
				return list[0]
			}
			waitFor(t, "the restarted daemon to settle", 20*time.Second, func() bool {
				s := state()["state"]
				return s == "valid" || s == "needs_login" || s == "error"
			})

			switch step {
			case "before_request", "after_save":
				if s := state(); s["state"] != "valid" {
					t.Fatalf("after restart: %v; want valid without login\n%s", s, d.logs)
				}
				tok := strings.TrimSpace(h.mustRun("", "token", env))
				if !acceptedByProvider(t, srv, tok) {
					t.Fatal("after restart the token is not one the provider honours")
				}
				if step == "after_save" && tok == before {
					t.Error("after_save: the restart served the token from before the refresh")
				}
				// And the saved refresh token still works.
				if r := h.run("", "refresh", env); r.code != 0 {
					t.Fatalf("refresh after restart: exit %d: %s", r.code, r.stderr)
				}
			case "after_response":
				s := state()
				if s["state"] != "needs_login" {
					t.Fatalf("after restart: %v; want needs_login\n%s", s, d.logs)
				}
				msg, _ := s["error"].(string)
				next, _ := s["next_step"].(string)
				if !strings.Contains(msg, "stopped during a refresh") || !strings.Contains(next, "tokentray login "+env) {
					t.Errorf("status says %q / %q; want what happened and what to do", msg, next)
				}
				h.wantFailure(h.run("", "token", env), 3, "tokentray login "+env)
				// No loop: one check of the saved refresh token, then silence.
				time.Sleep(3 * time.Second)
				if n := srv.TokenRequests() - requestsAtCrash; n != 1 {
					t.Errorf("%d token requests after the restart, want 1", n)
				}
				if acceptedByProvider(t, srv, before) {
					t.Error("the provider still honours the access token from before the rotation; the test proves nothing")
				}
				if r := h.login(env); r.code != 0 {
					t.Fatalf("login after the lost rotation: exit %d: %s", r.code, r.stderr)
				}
				if tok := strings.TrimSpace(h.mustRun("", "token", env)); !acceptedByProvider(t, srv, tok) {
					t.Error("after a new login the token is not one the provider honours")
				}
			}
			d.stop()
			// No token issued in this run shows up in any of the three
			// daemons' debug logs.
			for i, logs := range []string{first.logs.String(), paused.logs.String(), d.logs.String()} {
				for _, secret := range append(srv.RefreshTokensSeen(), before, oauthserver.DefaultClientSecret) {
					if strings.Contains(logs, secret) {
						t.Errorf("daemon %d logged a secret", i+1)
					}
				}
			}
		})
	}
}

// useCrashBinary points this test's commands at a tokentray built with the
// crash hook (-tags crashtest): the shipped binary has no such hook.
func useCrashBinary(t *testing.T) {
	t.Helper()
	crashPath := filepath.Join(filepath.Dir(binary), "tokentray-crashtest")
	build := exec.Command("go", "build", "-tags", "crashtest", "-o", crashPath, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the crash-test binary: %v\n%s", err, out)
	}
	shipped := binary
	binary = crashPath
	t.Cleanup(func() { binary = shipped })
}
