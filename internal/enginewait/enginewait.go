// Package enginewait is test support: waiting for the engine from tests
// outside package manager, without a test hook in the shipped engine.
package enginewait

import (
	"context"
	"fmt"
	"time"

	"github.com/tokentray/tokentray/manager"
)

// Login waits until the authorization of env has ended: nil once the
// environment holds a valid token, an error naming the state and the
// engine's error otherwise, or ctx's error (10 s at most without a
// deadline).
func Login(ctx context.Context, m *manager.Manager, env string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	for {
		st, err := m.Status(env)
		if err != nil {
			return err
		}
		switch st.State {
		case manager.StateValid:
			return nil
		case manager.StateAuthorizing, manager.StateRefreshing:
		default:
			return fmt.Errorf("login of %s ended in %s: %s", env, st.State, st.Error)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("login of %s: %w", env, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Loaded waits until no environment of m is still reading its secret and
// tokens from the store (manager.StateLoading), for tests that look at a
// state right after Start; 10 s at most.
func Loaded(m *manager.Manager) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		loading := ""
		for _, st := range m.Environments() {
			if st.State == manager.StateLoading {
				loading = st.Name
			}
		}
		if loading == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is still loading after 10 s", loading)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
