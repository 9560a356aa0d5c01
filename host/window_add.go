package host

import (
	"context"
	"errors"
	"time"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/tray"
)

// openWindow starts the window child as it is (openWindowWith).
func (h *host) openWindow() error { return h.openWindowWith() }

// openAddForm starts the window child on the Add environment form (the
// tray's "Add environment…", POST /v1/window {"form":"add"}). A window
// that is open already stays as it is: with no environment it shows the
// same choices on its first page.
func (h *host) openAddForm() error { return h.openWindowWith("--" + platform.WindowAddForm) }

// forgetToken is the tray's "Forget token" of a client-credentials
// environment: its token is revoked where the provider can and
// forgotten; the next read fetches a new one.
func (h *host) forgetToken(env string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.m.Logout(ctx, env); err != nil && !errors.Is(err, manager.ErrUnknownEnvironment) {
		h.notify(env, "Forget the token of "+env, errorText(err), notifyNews)
		return
	}
	h.notify(env, "Forgot the token of "+env, "The next read fetches a new one.", notifyFeedback)
}

// trayActionTitle names a tray action that failed, for its notification.
func trayActionTitle(a tray.Action, env string) string {
	if a == tray.ActionGetToken {
		return "Get a new token for " + env
	}
	return string(a) + " " + env
}
