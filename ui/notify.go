package ui

import (
	"fyne.io/fyne/v2"

	"github.com/tokentray/tokentray/manager"
)

// notificationFor is the desktop notification an engine event deserves, or
// nil. Only what needs the user (or answers them) interrupts: signing in
// finished, a refresh token was rejected, the provider has been unreachable
// for long. Routine refreshes stay quiet.
func notificationFor(ev manager.Event) *fyne.Notification {
	switch ev.Kind {
	case manager.EventLoginDone:
		return fyne.NewNotification("Signed in to "+ev.Env,
			"tokentray keeps the token of "+ev.Env+" fresh from now on.")
	case manager.EventNeedsLogin:
		return fyne.NewNotification(ev.Env+" needs you to sign in again",
			"The provider rejected the refresh token. Open tokentray and choose Authorize on "+ev.Env+".")
	case manager.EventUnreachable:
		body := "tokentray keeps retrying. "
		if ev.Message != "" {
			body = ev.Message + ". " + body
		}
		if ev.Status != nil && ev.Status.ExpiresAt != nil {
			body += "The current token is good until " + ev.Status.ExpiresAt.Local().Format("15:04") + "."
		}
		return fyne.NewNotification(ev.Env+": provider unreachable", body)
	}
	return nil
}
