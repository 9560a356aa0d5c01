package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// The token read over the socket next to its floor: a fixed-answer
// net/http server on the same kind of socket, answering a body of the same
// size, measured in the same run (go test -bench Socket ./platform/).
// The whole-process load test with p50/p99 is e2e/bench_test.go.

func BenchmarkSocketTokenRead(b *testing.B) {
	path, body := benchTokenServer(b)
	runSocketBench(b, path, "/v1/environments/shared/token", len(body))
}

func BenchmarkSocketFixedAnswerFloor(b *testing.B) {
	_, body := benchTokenServer(b) // the same answer size as the real one
	path := socketPathForTest(b)
	ln := listenForTest(b, path)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	runSocketBench(b, path, "/v1/environments/shared/token", len(body))
}

// benchTokenServer serves a client-credentials environment on a socket and
// returns its path and one token answer.
func benchTokenServer(b *testing.B) (string, []byte) {
	b.Helper()
	oauth := oauthserver.Start(b, oauthserver.Options{AccessTokenTTL: time.Hour})
	store := manager.NewMemoryStore()
	_ = store.SaveSecret("shared", manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
	cfg := &config.Config{Environments: []config.Environment{
		{Name: "shared", Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
	}}
	log := slog.New(slog.DiscardHandler)
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	m.Start()
	path := socketPathForTest(b)
	ln := listenForTest(b, path)
	s := NewServer(m, log, Limits{})
	go s.Serve(ln)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		m.Close()
	})
	resp, err := unixHTTPClient(path).Get("http://tokentray/v1/environments/shared/token")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("token read: HTTP %d %s", resp.StatusCode, body)
	}
	return path, body
}

// runSocketBench reads target with 1, 8 and 32 concurrent keep-alive
// clients sharing b.N requests; ns/op is wall time per request.
func runSocketBench(b *testing.B, path, target string, wantLen int) {
	for _, clients := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			client := unixHTTPClient(path)
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						resp, err := client.Get("http://tokentray" + target)
						if err != nil {
							b.Error(err)
							return
						}
						n, _ := io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK || int(n) != wantLen {
							b.Errorf("HTTP %d, %d bytes", resp.StatusCode, n)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
