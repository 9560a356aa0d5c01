package manager_test

import (
	"context"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// BenchmarkTokenValid is the engine's hot path: a caller asking for a
// token that is still valid (no provider call), from 1 and many goroutines.
func BenchmarkTokenValid(b *testing.B) {
	srv := oauthserver.Start(b, oauthserver.Options{})
	r := newRig(b, srv, nil, ccEnv(srv))
	if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	if n := srv.TokenRequests(); n != 1 {
		b.Fatalf("%d token requests, want 1", n)
	}
}
