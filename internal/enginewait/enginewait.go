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
