//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// soakDuration is 75 s in `make test` (at least two rotations of a 30 s
// token) and 10 minutes with TOKENTRAY_SOAK=1 (`make soak`);
// TOKENTRAY_SOAK_DURATION overrides both.
func soakDuration() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("TOKENTRAY_SOAK_DURATION")); err == nil && d > 0 {
		return d
	}
	if os.Getenv("TOKENTRAY_SOAK") == "1" {
		return 10 * time.Minute
	}
	return 75 * time.Second
}

// TestSoak32ClientsReadThroughRotations: 32 clients read the token over the
// socket of the real daemon (real keychain, real provider) while access
// tokens expire every 30 s and every refresh rotates the refresh token.
// Zero failed reads, no refresh token presented twice, memory flat.
func TestSoak32ClientsReadThroughRotations(t *testing.T) {
	requireKeychain(t)
	const clients, ttl = 32, 30 * time.Second
	duration := soakDuration()
	srv := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: ttl})
	h := newHome(t)
	env := h.envName("soak")
	h.writeConfig("[settings]\nrefresh_margin = \"10s\"\n\n" + codeConfig(srv, env))
	h.seedSecret(env)
	d := h.startDaemon()
	if r := h.login(env); r.code != 0 {
		t.Fatalf("login: exit %d: %s", r.code, r.stderr)
	}

	var reads, failures atomic.Int64
	var firstFailure atomic.Value
	issued := sync.Map{} // every access token handed out
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	rssStart := rssKiB(t, d.pid())
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			cl := socket.NewClient(h.socket, 10*time.Second)
			defer cl.Close()
			minValid := time.Duration(i%4) * 2 * time.Second // 0, 2s, 4s, 6s
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				ans, err := cl.Token(context.Background(), env, minValid)
				reads.Add(1)
				if err == nil && (ans.AccessToken == "" || time.Until(ans.ExpiresAt) < minValid-3*time.Second) {
					err = fmt.Errorf("token valid for %s, asked for %s", time.Until(ans.ExpiresAt).Round(time.Second), minValid)
				}
				if err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				issued.Store(ans.AccessToken.Reveal(), true)
			}
		})
	}
	// Memory mid-way, after the first rotations have warmed the daemon up.
	var rssWarm int64
	select {
	case <-time.After(min(duration/3, 40*time.Second)):
		rssWarm = rssKiB(t, d.pid())
	case <-ctx.Done():
	}
	wg.Wait()
	rssEnd := rssKiB(t, d.pid())

	seen := srv.RefreshTokensSeen()
	unique := map[string]bool{}
	for _, rt := range seen {
		if unique[rt] {
			t.Errorf("a refresh token was presented twice")
		}
		unique[rt] = true
	}
	tokens := 0
	issued.Range(func(any, any) bool { tokens++; return true })
	t.Logf("soak %s: %d clients, %d reads, %d failed, %d distinct access tokens, %d rotations (%d token requests); daemon RSS %d KiB at start, %d KiB warm, %d KiB at end",
		duration, clients, reads.Load(), failures.Load(), tokens, len(seen), srv.TokenRequests(), rssStart, rssWarm, rssEnd)
	if n := failures.Load(); n != 0 {
		t.Errorf("%d of %d reads failed; first: %v", n, reads.Load(), firstFailure.Load())
	}
	if want := int(duration/ttl) - 1; len(seen) < want {
		t.Errorf("%d rotations in %s of %s tokens, want at least %d", len(seen), duration, ttl, want)
	}
	if rssWarm > 0 && rssEnd > rssWarm+rssWarm/2+8*1024 {
		t.Errorf("daemon memory grew from %d KiB to %d KiB", rssWarm, rssEnd)
	}
	// Nothing issued shows up in the daemon's (debug) log.
	logs := d.logs.String()
	leaks := 0
	for _, rt := range seen {
		leaks += strings.Count(logs, rt)
	}
	issued.Range(func(k, _ any) bool { leaks += strings.Count(logs, k.(string)); return true })
	if leaks != 0 {
		t.Errorf("%d tokens appear in the daemon's log", leaks)
	}
	d.stop()
}

// rssKiB is a process's resident memory, or 0 without /proc.
func rssKiB(t *testing.T, pid int) int64 {
	t.Helper()
	rss, _, err := procMemoryKiB(pid)
	if err != nil {
		t.Logf("no /proc: %v", err)
	}
	return rss
}
