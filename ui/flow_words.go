package ui

import (
	"strings"

	"github.com/tokentray/tokentray/config"
)

// A client-credentials environment signs nobody in: its main action gets
// a token right away and its opposite forgets that token. The card's
// buttons, next steps, confirmations and error titles all take their
// words from here, so they agree.

// Labels of the client-credentials actions.
const (
	labelGetToken = "Get new token"
	labelForget   = "Forget token"
)

// signInLabel is the button that gets an environment of flow its tokens.
func signInLabel(flow config.Flow) string {
	if flow == config.FlowClientCredentials {
		return labelGetToken
	}
	return labelAuthorize
}

// signOutLabel is the button that forgets them.
func signOutLabel(flow config.Flow) string {
	if flow == config.FlowClientCredentials {
		return labelForget
	}
	return labelSignOut
}

// renewLabel is the button that gets a new token once the old one
// expired: Refresh, or for client credentials Get new token.
func renewLabel(flow config.Flow) string {
	if flow == config.FlowClientCredentials {
		return labelGetToken
	}
	return labelRefresh
}

// signInWhat names a failed sign-in of env for an error's title: "Get a
// new token for cc-local", "Authorize web".
func signInWhat(flow config.Flow, env string) string {
	if flow == config.FlowClientCredentials {
		return "Get a new token for " + env
	}
	return labelAuthorize + " " + env
}

// withoutName drops the "env: " the engine puts before its messages,
// for a view that names the environment already.
func withoutName(env, msg string) string {
	if env == "" {
		return msg
	}
	return strings.TrimPrefix(msg, env+": ")
}
