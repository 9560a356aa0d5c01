package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// envActions wires the cards' buttons to requests to the host.
func (w *window) envActions() envActions {
	return envActions{
		Authorize:  w.authorize,
		Cancel:     w.cancelLogin,
		Refresh:    w.refreshToken,
		CopyToken:  func(env string) { w.copyToken(env, "raw") },
		CopyHeader: func(env string) { w.copyToken(env, "header") },
		SignOut:    w.confirmSignOut,
		Edit:       w.openEditForm,
		Reads:      w.showReads,
		OpenURL:    w.openURL,
		// A user code or a link: not a secret, the window copies it itself.
		CopyText: func(text string) { w.app.Clipboard().SetContent(text) },
	}
}

// authorize asks the host to start a login and open the browser; the card
// shows the link again (or the device code) while it waits. Client
// credentials fetch a token right away.
func (w *window) authorize(env string) {
	w.background(func(ctx context.Context) error {
		_, err := w.client.Authorize(ctx, env)
		return err
	}, func(err error) {
		if err != nil && !hasCode(err, socket.CodeLoginInProgress) {
			w.fail(signInWhat(w.flowOf(env), env), env, err)
		}
	})
}

// flowOf is env's flow as the host last said.
func (w *window) flowOf(env string) config.Flow {
	for _, s := range w.statuses {
		if s.Name == env {
			return s.Flow
		}
	}
	return ""
}

func (w *window) cancelLogin(env string) {
	w.background(func(ctx context.Context) error {
		return w.client.CancelLogin(ctx, env)
	}, func(err error) {
		if err != nil {
			w.fail("Cancel the login of "+env, env, err)
		}
	})
}

func (w *window) refreshToken(env string) {
	w.background(func(ctx context.Context) error {
		_, err := w.client.Refresh(ctx, env)
		return err
	}, func(err error) {
		if err != nil {
			w.fail("Refresh "+env, env, err)
			return
		}
		w.view.flash("Refreshed the token of " + env + ".")
	})
}

// copyToken asks the host to put a token valid for at least a minute (or
// the whole Authorization header) on its clipboard; the host clears it
// after clipboard_clear unless something else was copied meanwhile.
func (w *window) copyToken(env, format string) {
	what := "token"
	if format == "header" {
		what = "Authorization header"
	}
	var clearsIn time.Duration
	w.background(func(ctx context.Context) (err error) {
		clearsIn, err = w.client.Copy(ctx, env, format)
		return err
	}, func(err error) {
		switch {
		case hasCode(err, socket.CodeNoClipboard):
			w.view.flash("This tokentray has no clipboard (started as `tokentray daemon`): " +
				"use `tokentray token " + env + "` instead.")
		case err != nil:
			w.fail("Copy the "+what+" of "+env, env, err)
		default:
			w.view.flash(fmt.Sprintf("Copied the %s of %s; clears in %d s unless you copy something else.",
				what, env, int(clearsIn.Round(time.Second)/time.Second)))
		}
	})
}

// Labels of the sign-out confirmation: they say what they do.
const (
	labelConfirmSignOut = labelSignOut
	labelKeep           = "Keep"
)

// confirmSignOut asks before signing out (forgetting the token, for
// client credentials), in the words of the button that asked.
func (w *window) confirmSignOut(env string) {
	flow := w.flowOf(env)
	title := "Sign out of " + env + "?"
	text := "tokentray revokes the refresh token where the provider supports it and forgets the tokens.\n" +
		"You will have to authorize again to get new ones."
	if flow == config.FlowClientCredentials {
		title = "Forget the token of " + env + "?"
		text = "tokentray revokes the token where the provider supports it and forgets it.\n" +
			"The next read, or " + labelGetToken + ", gets a new one with the client credentials."
	}
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(title, signOutLabel(flow), labelKeep, msg,
		func(ok bool) {
			w.confirm = nil
			if !ok {
				return
			}
			w.background(func(ctx context.Context) error {
				_, err := w.client.Logout(ctx, env)
				return err
			}, func(err error) {
				if err != nil {
					w.fail(signOutLabel(flow)+" of "+env, env, err)
				}
			})
		}, w.win)
	d.Resize(fyne.NewSize(480, 0))
	w.confirm = d
	d.Show()
}

// openURL opens the authorization page again in the system browser.
func (w *window) openURL(raw string) {
	u, err := url.Parse(raw)
	if err == nil {
		err = w.app.OpenURL(u)
	}
	if err != nil {
		w.fail("Open the authorization page", "", err)
	}
}

// fail tells the user an action on env failed; what names the action
// and env ("Refresh cc-local"), so the engine's "env: " is dropped.
func (w *window) fail(what, env string, err error) {
	dialog.ShowError(fmt.Errorf("%s: %s", what, withoutName(env, userMessage(err))), w.win)
}

// hasCode reports whether err is the host's error answer with that code.
func hasCode(err error, code string) bool {
	var apiErr *socket.APIError
	return errors.As(err, &apiErr) && apiErr.Code == code
}

// userMessage turns the host's error answers into what to do next.
func userMessage(err error) string {
	switch {
	case hasCode(err, socket.CodeNeedsLogin):
		return "this environment needs you to sign in: choose Authorize."
	case hasCode(err, socket.CodeUnconfigured):
		return "this environment is not set up yet: choose Edit and fill in the client ID and secret."
	case errors.Is(err, socket.ErrNotRunning):
		return "tokentray is not running; the window reconnects when it is back."
	case errors.Is(err, context.DeadlineExceeded):
		return "tokentray or the provider did not answer in time; try again, or check your network."
	}
	var apiErr *socket.APIError
	if errors.As(err, &apiErr) && apiErr.Summary != "" {
		return apiErr.Summary // the message names the environment, which fail's title does already
	}
	return err.Error()
}

// statusNames are the environments' names, in the config's order.
func statusNames(statuses []socket.Status) []string {
	names := make([]string, len(statuses))
	for i, s := range statuses {
		names[i] = s.Name
	}
	return names
}

// saveProblems is what a failed save puts under the form's fields: the
// host's problems with each field, or the error as one problem; nil when
// the save went through.
func saveProblems(err error) []socket.Problem {
	var apiErr *socket.APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &apiErr) && len(apiErr.Problems) > 0:
		return apiErr.Problems
	default:
		return []socket.Problem{{Message: userMessage(err)}}
	}
}
