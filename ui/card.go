package ui

import (
	"cmp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
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
	labelDetails    = "Details"
)

// card shows one environment. update sets everything from a snapshot;
// tick only moves the countdown, so the once-a-second work stays small.
type card struct {
	actions envActions
	status  socket.Status

	root       *widget.Card
	name       *hoverLabel // truncated; the whole name on hover
	subtitle   *hoverLabel // provider and flow, beside the name
	badge      *badge
	countdown  *widget.Label
	bar        *lifetimeBar
	errorText  *widget.Label
	warnText   *widget.Label
	nextText   *widget.Label
	extras     *cardExtras   // a held hand edit, the proxy (card_extras.go)
	details    *widget.Label // granted scopes and JWT claims, behind the Details button
	showDetail bool          // the Details disclosure is open
	lastRead   *widget.Label // who read the token last, and when
	login      *fyne.Container
	buttons    *fyne.Container
	content    *fyne.Container // everything under the card, laid out again when a text comes or goes
	loginKey   string          // what the login box shows, so ticks do not redraw the QR code
	// onFocus is called when one of the card's buttons takes the keyboard
	// focus, so the list can scroll the card into view.
	onFocus func()
	// onResize is called when the card changed height on its own (Details).
	onResize func()
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
	c.extras = newCardExtras(a.CopyText, func() {
		if c.onFocus != nil {
			c.onFocus()
		}
	})
	c.name = newHoverLabel()
	c.name.TextStyle = fyne.TextStyle{Bold: true}
	c.subtitle = newHoverLabel()
	c.subtitle.Importance = widget.LowImportance
	c.subtitle.SizeName = theme.SizeNameCaptionText
	for _, l := range []*hoverLabel{c.name, c.subtitle} {
		l.onResize = func() {
			c.relayout()
			if c.onResize != nil {
				c.onResize()
			}
		}
	}
	// One line: name and subtitle share it, each cut with an ellipsis, so
	// a long name never widens the window and the card stays compact.
	header := container.NewBorder(nil, nil, nil, container.NewHBox(c.badge.box, c.countdown),
		container.NewGridWithColumns(2, c.name, c.subtitle))
	// The buttons come before the login box and the details, so the main
	// action and Cancel are visible without scrolling.
	// Tighter than a VBox: six cards fit in a 600 px window.
	c.content = container.New(layout.NewCustomPaddedVBoxLayout(theme.Padding()/2),
		header,
		c.extras.held,   // before anything else: the file says one thing, the card another
		c.bar.Container, // the container itself: the renderer only draws known types
		c.errorText, c.warnText, c.nextText,
		c.extras.proxy, c.extras.proxyProblem,
		c.buttons,
		c.login,
		c.details,
		c.lastRead,
	)
	c.root = widget.NewCard("", "", c.content)
	return c
}

// wrapped is a hidden label that wraps at words: a card's lines and the
// form's notes and problems, shown once they have text.
func wrapped(imp widget.Importance) *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = imp
	l.Hide()
	return l
}

// update shows a new snapshot.
func (c *card) update(s socket.Status, now time.Time) {
	c.status = s
	c.name.setText(s.Name)
	c.subtitle.setText(subtitle(s))
	c.badge.set(s.State)
	if refreshFailing(s) {
		// Still valid, but the provider does not answer: a warning, not VALID.
		c.badge.apply(refreshFailingLook) // badge.go: its colours keep their contrast
	}
	setText(c.errorText, cardError(s))
	setText(c.warnText, cardWarning(s))
	c.extras.update(s)
	c.setDetails()
	c.updateLogin(s)
	c.buttons.Objects = c.buttonsFor(s, now)
	c.buttons.Refresh()
	c.tick(now)
	c.relayout()
}

// relayout lays the card out again after texts appeared or went: without
// it the buttons are drawn over a new error until the window is resized.
// The list around the card follows (mainView.update and tick).
func (c *card) relayout() {
	c.content.Refresh()
	c.root.Refresh()
}

// setDetails shows the details while the disclosure is open.
func (c *card) setDetails() {
	text := ""
	if c.showDetail {
		text = cmp.Or(tokenDetails(c.status), "No scopes or claims known yet.")
	}
	setText(c.details, text)
}

// toggleDetails opens or closes the Details disclosure.
func (c *card) toggleDetails(b *focusButton) {
	c.showDetail = !c.showDetail
	b.SetIcon(detailsIcon(c.showDetail))
	c.setDetails()
	c.relayout()
	if c.onResize != nil {
		c.onResize()
	}
}

func detailsIcon(open bool) fyne.Resource {
	if open {
		return theme.MenuDropUpIcon()
	}
	return theme.MenuDropDownIcon()
}

// badgeRefreshFailing is the badge of a valid token the engine fails to refresh.
var badgeRefreshFailing = refreshFailingLook.label

// refreshFailing: the token is valid, refreshing it fails, a retry is planned.
func refreshFailing(s socket.Status) bool {
	return s.RefreshFailing || (s.State == socket.StateValid && s.Next != nil && s.Next.Action == socket.NextRetry)
}

// timedOut reports a login that ended because the user did not finish it.
func timedOut(s socket.Status) bool {
	return s.State == socket.StateNeedsLogin && strings.Contains(s.Error, "authorization timed out")
}

// cardError words the engine's problem for the card.
func cardError(s socket.Status) string {
	if timedOut(s) {
		return "The " + strings.TrimPrefix(s.Error, "the ") + "; choose " + labelAuthorize + " to try again."
	}
	return prefixed("Error: ", withoutName(s.Name, s.Error)) // the card names it
}

// tick moves the countdown, the retry countdown and the lifetime bar; it
// reports whether the card's height may have changed.
func (c *card) tick(now time.Time) (resized bool) {
	s := c.status
	c.countdown.SetText(countdownText(s, now))
	next := ""
	switch {
	case timedOut(s), s.State == socket.StateAuthorizing:
		// Said once: by the error, or by the countdown of the login.
	case s.Waiting != nil:
		next = cardWaiting(s, now)
	default:
		next = prefixed("Next: ", cardNextStep(s, now))
	}
	before := [3]bool{c.nextText.Visible(), c.lastRead.Visible(), c.bar.Visible()}
	setText(c.nextText, next)
	setText(c.lastRead, lastReadText(s.LastRead, now))
	if share, ok := lifetimeLeft(s, now); ok {
		c.bar.SetValue(share)
		c.bar.Show()
	} else {
		c.bar.Hide()
	}
	if before != [3]bool{c.nextText.Visible(), c.lastRead.Visible(), c.bar.Visible()} {
		c.relayout()
		return true
	}
	return false
}

// cardNextStep words the engine's next step for the card, pointing at the
// card's own buttons where it has one.
func cardNextStep(s socket.Status, now time.Time) string {
	n := s.Next
	if n == nil {
		return ""
	}
	switch n.Action {
	case socket.NextLogin:
		if s.Flow == config.FlowClientCredentials {
			return "choose " + labelGetToken
		}
		return "choose " + labelAuthorize + " to sign in"
	case socket.NextSetSecret:
		return "choose " + labelEdit + " and set the client secret"
	case socket.NextEditConfig:
		return "choose " + labelEdit + " and fill in " + cmp.Or(n.Key, "client_id")
	case socket.NextCheckCredentials:
		return "check the client ID and secret (" + labelEdit + "), then choose " + signInLabel(s.Flow)
	case socket.NextCheckNetwork:
		return "check the network; " + socket.RetryIn(n.RetryAt, now) + ", or choose " + renewLabel(s.Flow)
	case socket.NextRetry:
		return "refresh failing; " + socket.RetryIn(n.RetryAt, now) + "; the current token stays valid"
	case socket.NextRefresh:
		if s.Flow == config.FlowClientCredentials {
			return "choose " + labelGetToken
		}
		return "choose " + labelRefresh + " to get a new token"
	case socket.NextWaitForBrowser:
		return "finish the authorization in the browser"
	case socket.NextReauthorize:
		return cardReauthorize(s)
	}
	return string(n.Action)
}

// tokenDetails says what the provider granted and, for a JWT access token,
// what its claims say. The claims are read, not verified: shown, never trusted.
func tokenDetails(s socket.Status) string {
	var lines []string
	if answer := providerDetails(s); answer != "" {
		lines = append(lines, answer)
	}
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

func subtitle(s socket.Status) string {
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
func (c *card) buttonsFor(s socket.Status, now time.Time) []fyne.CanvasObject {
	name := s.Name
	btn := func(label string, icon fyne.Resource, fn func(string)) *focusButton {
		b := newFocusButton(label, icon, func() {
			if fn != nil {
				fn(name)
			}
		})
		b.onFocus = func() {
			if c.onFocus != nil {
				c.onFocus()
			}
		}
		b.onCopy = func() {
			if c.actions.CopyToken != nil {
				c.actions.CopyToken(name)
			}
		}
		return b
	}
	authorize := btn(signInLabel(s.Flow), theme.LoginIcon(), c.actions.Authorize)
	refresh := btn(labelRefresh, theme.ViewRefreshIcon(), c.actions.Refresh)
	copyToken := btn(labelCopyToken, theme.ContentCopyIcon(), c.actions.CopyToken)
	copyHeader := btn(labelCopyHeader, theme.ContentCopyIcon(), c.actions.CopyHeader)
	signOut := btn(signOutLabel(s.Flow), theme.LogoutIcon(), c.actions.SignOut)
	cancel := btn(labelCancel, theme.CancelIcon(), c.actions.Cancel)
	edit := btn(labelEdit, theme.DocumentCreateIcon(), c.actions.Edit)
	reads := btn(labelReads, theme.ListIcon(), c.actions.Reads)

	live := s.UsableFor(now, 0)
	var out []*focusButton
	switch s.State {
	case socket.StateUnconfigured:
		out = []*focusButton{edit}
	case socket.StateNeedsLogin:
		out = []*focusButton{authorize, edit}
	case socket.StateAuthorizing:
		out = []*focusButton{cancel}
		if l := s.Login; l != nil && l.UserCode == "" && l.AuthorizationURL != "" {
			// The browser flow: opening the page again is what helps.
			open := btn(labelOpenAgain, theme.ComputerIcon(), func(string) {
				if c.actions.OpenURL != nil {
					c.actions.OpenURL(l.AuthorizationURL)
				}
			})
			link := btn(labelCopyLink, theme.ContentCopyIcon(), func(string) {
				if c.actions.CopyText != nil {
					c.actions.CopyText(l.AuthorizationURL)
				}
			})
			out = []*focusButton{open, link, cancel}
		}
	case socket.StateValid, socket.StateRefreshing:
		out = withReauthorize([]*focusButton{copyToken, copyHeader, refresh, signOut, edit}, authorize, s)
		if s.LastRead != nil {
			out = append(out, reads)
		}
	case socket.StateExpired:
		if s.HasRefresh {
			out = []*focusButton{refresh, authorize, signOut, edit}
		} else {
			// Client credentials: Get new token is its refresh.
			out = []*focusButton{authorize, signOut, edit}
		}
	case socket.StateError:
		switch {
		case live:
			out = []*focusButton{copyToken, copyHeader, refresh, authorize, signOut, edit}
		case s.Flow == config.FlowClientCredentials:
			out = []*focusButton{authorize, signOut, edit}
		default:
			out = []*focusButton{authorize, refresh, signOut, edit}
		}
	default:
		out = []*focusButton{edit}
	}
	if s.State == socket.StateRefreshing {
		refresh.Disable()
	}
	if s.State != socket.StateValid && s.State != socket.StateRefreshing &&
		(s.State != socket.StateAuthorizing || out[0] != cancel) {
		out[0].Importance = widget.HighImportance
	}
	details := btn(labelDetails, detailsIcon(c.showDetail), nil)
	details.OnTapped = func() { c.toggleDetails(details) }
	objs := make([]fyne.CanvasObject, 0, len(out)+1)
	for _, b := range out {
		objs = append(objs, b)
	}
	return append(objs, details)
}

// hoverLabel is one line cut with an ellipsis, so a long text never
// widens the window; while the pointer rests on it, it wraps and shows the
// whole text within the same width. (No pop-up: an overlay under the
// pointer would take the hover away again at once.)
type hoverLabel struct {
	widget.Label
	hovered  bool
	onResize func() // the label changed height: lay its card out again
}

func newHoverLabel() *hoverLabel {
	l := &hoverLabel{}
	l.Truncation = fyne.TextTruncateEllipsis
	l.ExtendBaseWidget(l)
	return l
}

func (l *hoverLabel) setText(text string) {
	l.SetText(text)
}

// MouseIn shows the whole text.
func (l *hoverLabel) MouseIn(*desktop.MouseEvent) { l.setHovered(true) }

func (l *hoverLabel) MouseMoved(*desktop.MouseEvent) {}

// MouseOut cuts the text again.
func (l *hoverLabel) MouseOut() { l.setHovered(false) }

func (l *hoverLabel) setHovered(on bool) {
	if l.hovered == on {
		return
	}
	l.hovered = on
	if on {
		l.Truncation, l.Wrapping = fyne.TextTruncateOff, fyne.TextWrapBreak
	} else {
		l.Truncation, l.Wrapping = fyne.TextTruncateEllipsis, fyne.TextWrapOff
	}
	l.Refresh()
	if l.onResize != nil {
		l.onResize()
	}
}

// holds reports whether o is one of the card's buttons.
func (c *card) holds(o fyne.Focusable) bool {
	if o == nil {
		return false
	}
	for _, b := range c.buttons.Objects {
		if f, ok := b.(fyne.Focusable); ok && f == o {
			return true
		}
	}
	return o == fyne.Focusable(c.extras.proxyCopy)
}

// focusButton is a button that Enter presses as well as Space, and that
// tells its card when it takes the keyboard focus. Ctrl+C on it copies
// its card's token (onCopy).
type focusButton struct {
	widget.Button
	onFocus func()
	onCopy  func()
	// onResize is called when the card changed height on its own (Details).
	onResize func()
}

func newFocusButton(label string, icon fyne.Resource, tapped func()) *focusButton {
	b := &focusButton{}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *focusButton) FocusGained() {
	b.Button.FocusGained()
	if b.onFocus != nil {
		b.onFocus()
	}
}

// TypedShortcut copies the card's token on Ctrl+C; every other shortcut
// (Ctrl+W, ...) goes on to the window, as it would without a focus.
func (b *focusButton) TypedShortcut(s fyne.Shortcut) {
	if _, ok := s.(*fyne.ShortcutCopy); ok && b.onCopy != nil {
		b.onCopy()
		return
	}
	if c, ok := fyne.CurrentApp().Driver().CanvasForObject(b).(interface{ TypedShortcut(fyne.Shortcut) }); ok {
		c.TypedShortcut(s)
	}
}

func (b *focusButton) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
		if !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
		}
		return
	}
	b.Button.TypedKey(ev)
}
