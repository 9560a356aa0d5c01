// Package tray is the system tray: a thin view over the engine, modelled
// after Tailscale's Linux tray. It reads Status snapshots, rebuilds its menu
// when they change, and sends every click back through Handlers.
package tray

import (
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

// Action is one thing the user can do with an environment from the tray.
// The values are the menu labels.
type Action string

const (
	ActionAuthorize  Action = "Authorize"
	ActionCopyToken  Action = "Copy token"
	ActionCopyHeader Action = "Copy header"
	ActionRefresh    Action = "Refresh now"
)

// Labels of the fixed items after the environments.
const (
	LabelOpenWindow = "Open window"
	LabelQuit       = "Quit"
)

// MenuModel is what the tray shows, free of Fyne so it can be compared and
// tested as plain data.
type MenuModel struct {
	Notice    string     // a disabled line at the top ("" for none)
	Envs      []EnvEntry // one submenu each, in config order
	Attention bool       // any environment needs the user: attention icon
}

// EnvEntry is one environment's submenu.
type EnvEntry struct {
	Env     string
	Title   string // name, state and time left
	Actions []ActionItem
}

// ActionItem is one entry of an environment's submenu.
type ActionItem struct {
	Action  Action
	Enabled bool
}

// BuildMenuModel turns engine snapshots into the tray menu. Times are
// shown to the minute, since the tray is refreshed once a minute.
func BuildMenuModel(statuses []manager.Status, now time.Time) MenuModel {
	var mm MenuModel
	persistent := true
	for _, s := range statuses {
		if s.State.NeedsAttention() {
			mm.Attention = true
		}
		if !s.Persistent {
			persistent = false
		}
		canUse := canUseToken(s, now)
		canLogin := s.State != manager.StateUnconfigured && s.State != manager.StateAuthorizing
		mm.Envs = append(mm.Envs, EnvEntry{
			Env:   s.Name,
			Title: s.Name + " — " + stateLine(s, now),
			Actions: []ActionItem{
				{ActionAuthorize, canLogin},
				{ActionCopyToken, canUse},
				{ActionCopyHeader, canUse},
				{ActionRefresh, canUse},
			},
		})
	}
	switch {
	case len(statuses) == 0:
		mm.Notice = "No environments yet: open the window to add one"
	case !persistent:
		mm.Notice = "No keychain: tokens are kept in memory only"
	}
	return mm
}

// canUseToken says whether asking the engine for a token can work without
// the user: a live token, a refresh token, or client credentials.
func canUseToken(s manager.Status, now time.Time) bool {
	switch s.State {
	case manager.StateUnconfigured, manager.StateNeedsLogin, manager.StateAuthorizing:
		return false
	}
	return s.UsableFor(now, 0) || s.HasRefresh || s.Flow == config.FlowClientCredentials
}

// stateLine is the short state text of a submenu title.
func stateLine(s manager.Status, now time.Time) string {
	switch s.State {
	case manager.StateValid:
		if s.ExpiresAt == nil {
			return "valid"
		}
		return "valid, " + manager.FormatTimeLeft(s.ExpiresAt.Sub(now)) + " left"
	case manager.StateRefreshing:
		return "refreshing"
	case manager.StateAuthorizing:
		return "waiting for authorization"
	case manager.StateNeedsLogin:
		return "needs login"
	case manager.StateExpired:
		return "expired"
	case manager.StateError:
		if s.UsableFor(now, 0) {
			return "error, " + manager.FormatTimeLeft(s.ExpiresAt.Sub(now)) + " left"
		}
		return "error"
	case manager.StateUnconfigured:
		return "not set up"
	}
	return string(s.State)
}
