package ui

import (
	"cmp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

// envActions are what a card's buttons do; each gets the environment name.
// The window wires them to the engine; tests wire them to recorders.
type envActions struct {
	Authorize, Cancel, Refresh, CopyToken, CopyHeader, SignOut, Edit func(env string)
	Reads                                                            func(env string)    // the read log
	OpenURL                                                          func(rawURL string) // open the authorization page again
	CopyText                                                         func(text string)   // a user code or link: not a secret, not cleared
}

// Button labels, shared with the tests.
const (
	labelAuthorize  = "Authorize"
	labelCancel     = "Cancel"
	labelRefresh    = "Refresh"
	labelCopyToken  = "Copy token"
	labelCopyHeader = "Copy header"
	labelSignOut    = "Sign out"
	labelEdit       = "Edit"
	labelCopyCode   = "Copy code"
	labelOpenAgain  = "Open browser again"
	labelCopyLink   = "Copy link"
	labelSettings   = "Settings"
	labelReads      = "Reads"
)

// card shows one environment. update sets everything from a snapshot;
// tick only moves the countdown, so the once-a-second work stays small.
type card struct {
	actions envActions
	status  manager.Status

	root      *widget.Card
	badge     *badge
	countdown *widget.Label
	bar       *lifetimeBar
	errorText *widget.Label
	warnText  *widget.Label
	nextText  *widget.Label
	details   *widget.Label // granted scopes and JWT claims, when known
	lastRead  *widget.Label // who read the token last, and when
	login     *fyne.Container
	buttons   *fyne.Container
	loginKey  string // what the login box shows, so ticks do not redraw the QR code
}

func newCard(a envActions) *card {
	c := &card{
		actions:   a,
		badge:     newBadge(),
		countdown: widget.NewLabel(""),
		bar:       newLifetimeBar(),
		errorText: wrapped(widget.DangerImportance),
		warnText:  wrapped(widget.WarningImportance),
		nextText:  wrapped(widget.MediumImportance),
		details:   wrapped(widget.LowImportance),
		lastRead:  wrapped(widget.MediumImportance),
		login:     container.NewVBox(),
		buttons:   container.NewHBox(),
	}
	c.root = widget.NewCard("", "", container.NewVBox(
		container.NewHBox(c.badge.box, c.countdown),
		c.bar.Container, // the container itself: the renderer only draws known types
		c.errorText, c.warnText, c.nextText,
		c.details,
		c.lastRead,
		c.login,
		c.buttons,
	))
	return c
}

func wrapped(imp widget.Importance) *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = imp
	l.Hide()
	return l
}

// update shows a new snapshot.
func (c *card) update(s manager.Status, now time.Time) {
	c.status = s
	c.root.SetTitle(s.Name)
	c.root.SetSubTitle(subtitle(s))
	c.badge.set(s.State)
	setText(c.errorText, prefixed("Error: ", s.Error))
	warning := s.Warning
	if len(s.MissingScopes) > 0 {
		warning = strings.TrimSpace(warning + " Not granted: " + strings.Join(s.MissingScopes, ", ") + ".")
	}
	setText(c.warnText, warning)
	setText(c.nextText, prefixed("Next: ", cardNextStep(s)))
	setText(c.details, tokenDetails(s))
	c.updateLogin(s)
	c.buttons.Objects = c.buttonsFor(s, now)
	c.buttons.Refresh()
	c.tick(now)
}

// tick moves the countdown and the lifetime bar.
func (c *card) tick(now time.Time) {
	c.countdown.SetText(countdownText(c.status, now))
	setText(c.lastRead, lastReadText(c.status.LastRead, now))
	if share, ok := lifetimeLeft(c.status, now); ok {
		c.bar.SetValue(share)
		c.bar.Show()
	} else {
		c.bar.Hide()
	}
}

// cardNextStep words the engine's next step for the card, pointing at the
// card's own buttons where it has one.
func cardNextStep(s manager.Status) string {
	n := s.Next
	if n == nil {
		return ""
	}
	switch n.Action {
	case manager.NextLogin:
		return "choose " + labelAuthorize + " to sign in"
	case manager.NextSetSecret:
		return "choose " + labelEdit + " and set the client secret"
	case manager.NextEditConfig:
		return "choose " + labelEdit + " and fill in " + cmp.Or(n.Key, "client_id")
	case manager.NextCheckCredentials:
		return "check the client ID and secret (" + labelEdit + "), then choose " + labelAuthorize
	case manager.NextCheckNetwork:
		return "check the network; tokentray retries " + cardRetryWhen(n.RetryAt)
	case manager.NextRetry:
		return "tokentray retries " + cardRetryWhen(n.RetryAt) + "; the current token stays valid"
	case manager.NextRefresh:
		return "a new token is fetched on first use, or choose " + labelRefresh
	case manager.NextWaitForBrowser:
		return "finish the authorization in the browser"
	}
	return string(n.Action)
}

// cardRetryWhen is to the second: early retries are seconds apart.
func cardRetryWhen(at *time.Time) string {
	if at == nil || at.IsZero() {
		return "soon"
	}
	return "at " + at.Local().Format("15:04:05")
}

// tokenDetails says what the provider granted and, for a JWT access token,
// what its claims say. The claims are read, not verified: shown, never trusted.
func tokenDetails(s manager.Status) string {
	var lines []string
	if len(s.GrantedScopes) > 0 {
		lines = append(lines, "Granted scopes: "+strings.Join(s.GrantedScopes, " "))
	}
	if c := s.Claims; c != nil {
		var parts []string
		add := func(label, value string) {
			if value != "" {
				parts = append(parts, label+" "+value)
			}
		}
		add("subject", c.Subject)
		add("issuer", c.Issuer)
		add("audience", strings.Join(c.Audience, ", "))
		add("scopes", strings.Join(c.Scopes, " "))
		if !c.IssuedAt.IsZero() {
			add("issued", c.IssuedAt.Local().Format("2 Jan 15:04:05"))
		}
		if !c.ExpiresAt.IsZero() {
			add("expires", c.ExpiresAt.Local().Format("2 Jan 15:04:05"))
		}
		if len(parts) > 0 {
			lines = append(lines, "JWT claims (unverified): "+strings.Join(parts, " · "))
		}
	}
	return strings.Join(lines, "\n")
}

func subtitle(s manager.Status) string {
	provider := s.Preset
	if provider == "" {
		provider = "custom provider"
	}
	sub := provider + " · " + strings.ReplaceAll(string(s.Flow), "_", " ")
	if s.Guarded {
		sub += " · guarded: each program's read asks you first"
	}
	return sub
}

func prefixed(prefix, text string) string {
	if text == "" {
		return ""
	}
	return prefix + text
}

func setText(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// buttonsFor picks the actions that fit the state; the first is the one
// the user most likely wants and is highlighted.
func (c *card) buttonsFor(s manager.Status, now time.Time) []fyne.CanvasObject {
	name := s.Name
	btn := func(label string, icon fyne.Resource, fn func(string)) *widget.Button {
		return widget.NewButtonWithIcon(label, icon, func() {
			if fn != nil {
				fn(name)
			}
		})
	}
	authorize := btn(labelAuthorize, theme.LoginIcon(), c.actions.Authorize)
	refresh := btn(labelRefresh, theme.ViewRefreshIcon(), c.actions.Refresh)
	copyToken := btn(labelCopyToken, theme.ContentCopyIcon(), c.actions.CopyToken)
	copyHeader := btn(labelCopyHeader, theme.ContentCopyIcon(), c.actions.CopyHeader)
	signOut := btn(labelSignOut, theme.LogoutIcon(), c.actions.SignOut)
	cancel := btn(labelCancel, theme.CancelIcon(), c.actions.Cancel)
	edit := btn(labelEdit, theme.DocumentCreateIcon(), c.actions.Edit)
	reads := btn(labelReads, theme.ListIcon(), c.actions.Reads)

	live := s.UsableFor(now, 0)
	var out []*widget.Button
	switch s.State {
	case manager.StateUnconfigured:
		out = []*widget.Button{edit}
	case manager.StateNeedsLogin:
		out = []*widget.Button{authorize, edit}
	case manager.StateAuthorizing:
		out = []*widget.Button{cancel}
	case manager.StateValid, manager.StateRefreshing:
		out = []*widget.Button{copyToken, copyHeader, refresh, signOut, edit}
		if s.LastRead != nil {
			out = append(out, reads)
		}
	case manager.StateExpired:
		if s.HasRefresh || s.Flow == config.FlowClientCredentials {
			out = []*widget.Button{refresh, authorize, signOut, edit}
		} else {
			out = []*widget.Button{authorize, signOut, edit}
		}
	case manager.StateError:
		if live {
			out = []*widget.Button{copyToken, copyHeader, refresh, authorize, signOut, edit}
		} else {
			out = []*widget.Button{authorize, refresh, signOut, edit}
		}
	default:
		out = []*widget.Button{edit}
	}
	if s.State == manager.StateRefreshing {
		refresh.Disable()
	}
	if s.State != manager.StateValid && s.State != manager.StateRefreshing {
		out[0].Importance = widget.HighImportance
	}
	objs := make([]fyne.CanvasObject, len(out))
	for i, b := range out {
		objs[i] = b
	}
	return objs
}
