package tray

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// What a title says besides the state, and the lines of its submenu that
// say it in full: tokens kept in memory only, a hand edit held back for
// the user's answer, and a scope change a new sign-in would bring. The
// lines are plain items, not disabled ones: disabling an item sends the
// whole menu again (fyne.io/systray), one menu per environment at every
// rebuild; a click on one opens the window, which says more.

// Title marks, after the state: "● valid 1h 52m · in memory  zepto-sandbox".
const (
	markMemory = " · in memory"
	markHeld   = " · edit held"
)

// marks is what the title adds to the state of s.
func marks(s socket.Status) string {
	out := ""
	if s.Reauthorize() {
		what := "sign in"
		if s.Flow == config.FlowClientCredentials {
			what = "new token"
		}
		out += " · " + what + " for " + socket.ScopeList(s.Next.Scopes)
	}
	if s.Store == "memory" {
		out += markMemory
	}
	if s.Held != "" {
		out += markHeld
	}
	return out
}

// notes are the submenu lines that explain the marks.
func notes(s socket.Status) []string {
	var out []string
	if s.Reauthorize() {
		verb := "Sign in again"
		if s.Flow == config.FlowClientCredentials {
			verb = "Get a new token"
		}
		out = append(out, socket.ReauthorizeText(verb, s.Next))
	}
	if s.Store == "memory" {
		out = append(out, "Tokens in memory only: gone when tokentray quits")
	}
	if s.Held != "" {
		out = append(out, "Edit held: "+config.Printable(s.Held, 0))
	}
	return out
}

// tooltip is the overall state: "tokentray: 3 valid, 1 needs login".
func tooltip(statuses []socket.Status) string {
	if len(statuses) == 0 {
		return Title + ": no environments yet"
	}
	counts := map[socket.State]int{}
	for _, s := range statuses {
		counts[s.State]++
	}
	var parts []string
	for _, state := range tooltipOrder {
		if n := counts[state]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, stateWord(state)))
			delete(counts, state)
		}
	}
	for _, state := range slices.Sorted(maps.Keys(counts)) { // states this build does not know
		parts = append(parts, fmt.Sprintf("%d %s", counts[state], stateWord(state)))
	}
	return Title + ": " + strings.Join(parts, ", ")
}

// tooltipOrder is the order the tooltip counts states in.
var tooltipOrder = []socket.State{socket.StateValid, socket.StateRefreshing, socket.StateAuthorizing, socket.StateNeedsLogin,
	socket.StateExpired, socket.StateError, socket.StateUnconfigured, socket.StateLocked, socket.StateLoading}

func stateWord(s socket.State) string {
	switch s {
	case socket.StateNeedsLogin:
		return "needs login"
	case socket.StateUnconfigured:
		return "not set up"
	}
	return string(s)
}

// Counting reports whether a title counts seconds (a refresh waiting for
// its provider): the host then updates the tray every second.
func Counting(statuses []socket.Status) bool {
	for _, s := range statuses {
		if s.Waiting != nil {
			return true
		}
	}
	return false
}
