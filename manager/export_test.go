package manager

import "context"

// Test-only exports: they stay out of the shipped binary.

// WaitLogin blocks until the running authorization of name ends; nil once
// tokens are stored, and nil at once when no authorization is running but
// the environment holds tokens.
func (m *Manager) WaitLogin(ctx context.Context, name string) error {
	e, err := m.env(name)
	if err != nil {
		return err
	}
	return e.waitLogin(ctx)
}
