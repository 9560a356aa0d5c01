package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/tray"
)

// envActions wires the cards' buttons to the engine.
func (d *desktopApp) envActions() envActions {
	return envActions{
		Authorize:  d.authorize,
		Cancel:     d.m.CancelLogin,
		Refresh:    d.refreshToken,
		CopyToken:  func(env string) { d.copyToken(env, false) },
		CopyHeader: func(env string) { d.copyToken(env, true) },
		SignOut:    d.confirmSignOut,
		Edit:       d.openEditForm,
		OpenURL:    d.openURL,
		CopyText:   func(text string) { d.app.Clipboard().SetContent(text) },
	}
}

// trayAction runs a tray click.
func (d *desktopApp) trayAction(env string, a tray.Action) {
	switch a {
	case tray.ActionAuthorize:
		d.authorize(env)
	case tray.ActionCopyToken:
		d.copyToken(env, false)
	case tray.ActionCopyHeader:
		d.copyToken(env, true)
	case tray.ActionRefresh:
		d.refreshToken(env)
	}
}

// authorize starts a login and opens the browser (the engine's
// Authorize does both); the card shows the link again (or the device
// code) while it waits. Client credentials fetch a token right away.
func (d *desktopApp) authorize(env string) {
	go func() {
		// Not bounded: the login runs on in the background after Authorize
		// returns, and must not be tied to a context that ends here.
		_, err := d.m.Authorize(context.Background(), env)
		fyne.Do(func() {
			if err != nil && !errors.Is(err, manager.ErrLoginInProgress) {
				d.fail("Authorize "+env, err)
			}
		})
	}()
}

func (d *desktopApp) refreshToken(env string) {
	background(time.Minute, func(ctx context.Context) {
		_, err := d.m.Refresh(ctx, env)
		fyne.Do(func() {
			if err != nil {
				d.fail("Refresh "+env, err)
				return
			}
			d.view.flash("Refreshed the token of " + env + ".")
		})
	})
}

// copyToken puts a token valid for at least a minute (refreshed first if
// needed) on the clipboard, or the whole Authorization header.
func (d *desktopApp) copyToken(env string, header bool) {
	background(time.Minute, func(ctx context.Context) {
		tok, err := d.m.Token(ctx, env, minValidForCopy)
		fyne.Do(func() {
			if err != nil {
				d.fail("Copy the token of "+env, err)
				return
			}
			what, text := copyText(tok, header)
			d.clip.after = d.m.Config().Settings.ClipboardClear // as the config says now
			d.clip.copy(text)
			d.view.flash(fmt.Sprintf("Copied the %s of %s; the clipboard clears in %s unless you copy something else.",
				what, env, d.clip.after.Round(time.Second)))
		})
	})
}

// copyText is what Copy token or Copy header puts on the clipboard; the
// header carries the token's real type.
func copyText(tok manager.Token, header bool) (what, text string) {
	if header {
		return "Authorization header", manager.AuthorizationHeader(tok.TokenType, tok.AccessToken.Reveal())
	}
	return "token", tok.AccessToken.Reveal()
}

func (d *desktopApp) confirmSignOut(env string) {
	dialog.ShowConfirm("Sign out of "+env+"?",
		"tokentray revokes the refresh token where the provider supports it and forgets the tokens.\n"+
			"You will have to authorize again to get new ones.",
		func(ok bool) {
			if !ok {
				return
			}
			background(time.Minute, func(ctx context.Context) {
				err := d.m.Logout(ctx, env)
				fyne.Do(func() {
					if err != nil {
						d.fail("Sign out of "+env, err)
					}
				})
			})
		}, d.win)
}

// fail tells the user an action failed: in the window when it shows,
// otherwise as a notification (the click came from the tray).
func (d *desktopApp) fail(what string, err error) {
	msg := userMessage(err)
	if d.visible {
		dialog.ShowError(fmt.Errorf("%s: %s", what, msg), d.win)
		return
	}
	d.app.SendNotification(fyne.NewNotification(what+" failed", msg))
}

// userMessage turns engine errors into what to do next.
func userMessage(err error) string {
	switch {
	case errors.Is(err, manager.ErrNeedsLogin):
		return "this environment needs you to sign in: choose Authorize."
	case errors.Is(err, manager.ErrUnconfigured):
		return "this environment is not set up yet: choose Edit and fill in the client ID and secret."
	case errors.Is(err, context.DeadlineExceeded):
		return "the provider did not answer in time; try again, or check your network."
	}
	return err.Error()
}
