// Package tray is the system tray: a thin view over the engine, modelled
// after Tailscale's Linux tray. It reads Status snapshots, rebuilds its menu
// when they change, and sends every click back through Handlers. It is
// drawn with fyne.io/systray straight over D-Bus (StatusNotifierItem and
// dbusmenu): no GUI toolkit loop runs for it, so it costs nothing while
// nobody looks at it.
package tray

import (
	"slices"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// Action is one thing the user can do with an environment from the tray.
// The values are the menu labels.
type Action string

const (
	ActionAuthorize   Action = "Authorize"
	ActionOpenBrowser Action = "Open browser" // while authorizing
	ActionCopyLink    Action = "Copy link"    // while authorizing
	ActionCancel      Action = "Cancel"       // while authorizing
	ActionCopyToken   Action = "Copy token"
	ActionCopyHeader  Action = "Copy header"
	ActionRefresh     Action = "Refresh"
	ActionSetUp       Action = "Set up in window" // not configured yet
	// Client credentials have nothing to authorize in a browser: their
	// Refresh gets a new token, and signing out forgets it.
	ActionGetToken Action = "Get new token"
	ActionForget   Action = "Forget token"
)

// Labels of the fixed items after the environments.
const (
	Title               = "tokentray" // the tray item's title and the start of its tooltip
	LabelOpenWindow     = "Open window"
	LabelStartAtLogin   = "Start at login"
	LabelQuit           = "Quit"
	LabelAddEnvironment = "Add environment…" // with no environments: the window on the Add form
	NoticeNone          = "No environments yet"
	NoticeStarting      = "Starting…"
)

// Handlers are what the tray's clicks do. Each runs on a goroutine of
// the tray's own (one per menu item), never on the caller of Update.
type Handlers struct {
	Do             func(env string, a Action)
	OpenWindow     func()        // also what a click on a note line does: the window says more
	AddEnvironment func()        // the window on the Add form
	StartAtLogin   func(on bool) // the checkbox was clicked: on is the wanted state
	Quit           func()
}

// MenuModel is what the tray shows, plain data so it can be compared and
// tested without a tray.
type MenuModel struct {
	Notice string // a disabled line at the top ("" for none)
	// AddEnvironment offers "Add environment…" under the notice: there
	// is no environment yet, and that is the way in.
	AddEnvironment bool
	Envs           []EnvEntry // one submenu each, in config order
	Attention      bool       // any environment needs the user: attention icon
	StartAtLogin   bool       // the "Start at login" checkbox
	// Tooltip is the icon's tooltip: the overall state ("tokentray: 3
	// valid, 1 needs login").
	Tooltip string
}

// GuardedMark is the shield in front of a guarded environment's name.
const GuardedMark = "🛡 "

// TitleSeparator is between the state and the name in a title.
const TitleSeparator = "  "

// maxNameRunes is the longest name a title shows whole; a longer one is
// cut with an ellipsis so one long name does not widen the whole menu.
const maxNameRunes = 28

// EnvEntry is one environment's submenu: only the actions that apply.
type EnvEntry struct {
	Env     string
	Title   string   // state and time left first, then the name: "● valid 1h 52m  zepto-sandbox"
	Notes   []string // lines above the actions that say what the title marks (notes.go)
	Actions []Action
}

// NextMinute is the time the tray's titles are worked out for: the end of
// now's minute. Within a minute the titles then stay as they are, so an
// update between two of the host's minute ticks retitles only what an
// event changed (not every title whose minute just ran out: with a
// thousand environments, a few every second), the tick moves them all at
// once, and no title promises more time than is left. The host's minute
// tick fires at it.
func NextMinute(now time.Time) time.Time { return now.Truncate(time.Minute).Add(time.Minute) }

// titlesAt is the time Update works the titles out for: NextMinute(now), or
// now itself while a title counts seconds (Counting), since the host
// retitles every second then.
func titlesAt(statuses []socket.Status, now time.Time) time.Time {
	if Counting(statuses) {
		return now
	}
	return NextMinute(now)
}

// BuildMenuModel turns engine snapshots into the tray menu. Times are
// shown to the minute, since the tray is refreshed once a minute.
func BuildMenuModel(statuses []socket.Status, now time.Time) MenuModel {
	var mm MenuModel
	persistent := true
	for _, s := range statuses {
		if s.State.NeedsAttention() {
			mm.Attention = true
		}
		if !s.Persistent {
			persistent = false
		}
		name := shortName(s.Name)
		if s.Guarded {
			name = GuardedMark + name // reads ask the user first
		}
		// The state leads so the states line up in a column and the
		// menu is only as wide as the longest name needs.
		title := stateLine(s, now) + marks(s) + TitleSeparator + name
		mm.Envs = append(mm.Envs, EnvEntry{
			Env:     s.Name,
			Title:   title,
			Notes:   notes(s),
			Actions: actionsFor(s, now),
		})
	}
	switch {
	case len(statuses) == 0:
		mm.Notice, mm.AddEnvironment = NoticeNone, true
	case !persistent:
		mm.Notice = "No keychain: tokens in memory only"
	}
	mm.Tooltip = tooltip(statuses)
	return mm
}

// startingModel is the menu before the engine's first snapshot.
func startingModel(startAtLogin bool) MenuModel {
	return MenuModel{Notice: NoticeStarting, StartAtLogin: startAtLogin, Tooltip: Title + ": starting"}
}

// actionsFor lists what applies to one environment now: nothing that
// would only fail or make no sense for its flow.
func actionsFor(s socket.Status, now time.Time) []Action {
	switch s.State {
	case socket.StateUnconfigured:
		return []Action{ActionSetUp}
	case socket.StateAuthorizing:
		var out []Action
		if s.Login != nil && loginLink(*s.Login) != "" {
			out = append(out, ActionOpenBrowser, ActionCopyLink)
		}
		return append(out, ActionCancel)
	}
	var out []Action
	canUse := canUseToken(s, now)
	if s.Flow == config.FlowClientCredentials {
		if canUse {
			out = append(out, ActionCopyToken, ActionCopyHeader, ActionGetToken)
		}
		if s.ExpiresAt != nil {
			out = append(out, ActionForget)
		}
		return out
	}
	if !canUse || needsLogin(s) || s.Reauthorize() {
		out = append(out, ActionAuthorize)
	}
	if canUse {
		out = append(out, ActionCopyToken, ActionCopyHeader, ActionRefresh)
	}
	return out
}

// needsLogin: the engine's next step for s is a new authorization.
func needsLogin(s socket.Status) bool {
	if s.State == socket.StateNeedsLogin {
		return true
	}
	return s.Next != nil && (s.Next.Action == socket.NextLogin || s.Next.Action == socket.NextCheckCredentials)
}

// loginLink is where the user authorizes a running login: the device
// flow's complete verification URI when there is one.
func loginLink(l socket.LoginInfo) string {
	if l.VerificationURIComplete != "" {
		return l.VerificationURIComplete
	}
	if l.AuthorizationURL != "" {
		return l.AuthorizationURL
	}
	return l.VerificationURI
}

// LoginLink is loginLink for the host's "Copy link" and "Open browser
// again": "" when s is not authorizing.
func LoginLink(s socket.Status) string {
	if s.Login == nil {
		return ""
	}
	return loginLink(*s.Login)
}

// canUseToken says whether asking the engine for a token can work without
// the user: a live token, a refresh token, or client credentials.
func canUseToken(s socket.Status, now time.Time) bool {
	switch s.State {
	case socket.StateUnconfigured, socket.StateNeedsLogin, socket.StateAuthorizing:
		return false
	}
	return s.UsableFor(now, 0) || s.HasRefresh || s.Flow == config.FlowClientCredentials
}

// stateLine is the short state that leads a submenu title: a mark to
// scan by, a word, and the time the token has left.
//
//	● valid 1h 52m       ▲ valid 1m, retrying    ↻ refreshing
//	◌ authorizing        ○ needs login           ○ expired
//	✕ error              ▲ error, valid 5m       ○ not set up
func stateLine(s socket.Status, now time.Time) string {
	// To the minute: the tray is retitled once a minute, so seconds would
	// be stale and promise more time than is left.
	left := func() string {
		d := s.ExpiresAt.Sub(now)
		if d < time.Minute {
			return "<1m"
		}
		return socket.FormatTimeLeft(d.Truncate(time.Minute))
	}
	switch s.State {
	case socket.StateValid:
		switch {
		case s.ExpiresAt == nil:
			return "● valid"
		case s.RefreshFailing:
			return "▲ valid " + left() + ", retrying"
		}
		return "● valid " + left()
	case socket.StateRefreshing:
		if s.Waiting != nil {
			return "↻ " + socket.WaitingText(s.Waiting, now) // the host retitles it every second (Counting)
		}
		return "↻ refreshing"
	case socket.StateAuthorizing:
		return "◌ authorizing"
	case socket.StateNeedsLogin:
		return "○ needs login"
	case socket.StateExpired:
		return "○ expired"
	case socket.StateError:
		if s.UsableFor(now, 0) {
			return "▲ error, valid " + left()
		}
		return "✕ error"
	case socket.StateUnconfigured:
		return "○ not set up"
	}
	return "○ " + string(s.State)
}

// shortName cuts a long environment name with an ellipsis.
func shortName(name string) string {
	r := []rune(name)
	if len(r) <= maxNameRunes {
		return name
	}
	return string(r[:maxNameRunes-1]) + "…"
}

// sameEnvironments reports whether two models list the same environments
// in the same order under a notice line or none: then the menu is changed
// in place (titles, the items of a submenu), else it is rebuilt.
func sameEnvironments(a, b MenuModel) bool {
	if (a.Notice == "") != (b.Notice == "") || a.AddEnvironment != b.AddEnvironment || len(a.Envs) != len(b.Envs) {
		return false
	}
	for i := range a.Envs {
		if a.Envs[i].Env != b.Envs[i].Env {
			return false
		}
	}
	return true
}

// sameItems reports whether two entries' submenus hold the same notes
// and actions in the same order.
func sameItems(a, b EnvEntry) bool {
	return slices.Equal(a.Notes, b.Notes) && slices.Equal(a.Actions, b.Actions)
}
