package server

import (
	"time"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// The engine's snapshots as the socket sends them (platform/socket holds
// the wire types, which import no engine).

// WireStatus is st as GET /v1/environments and /v1/events carry it, its
// next step worded for the command line (next_step).
func WireStatus(st manager.Status) socket.Status {
	out := socket.Status{
		Name: st.Name, Preset: st.Preset, Flow: st.Flow, State: socket.State(st.State),
		ExpiresAt: st.ExpiresAt, ExpiresIn: st.ExpiresIn, IssuedAt: st.IssuedAt,
		Scopes: st.Scopes, GrantedScopes: st.GrantedScopes, MissingScopes: st.MissingScopes,
		HasRefresh: st.HasRefresh, TokenType: st.TokenType, Persistent: st.Persistent, Store: st.Store, Error: st.Error, Warning: st.Warning,
		Guarded: st.Guarded, Held: st.Held, RefreshFailing: st.RefreshFailing,
		Proxy: st.Proxy.URL, ProxyProblem: st.Proxy.Problem,
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	if st.Next != nil {
		out.Next = wireNext(*st.Next)
		out.NextStep = socket.NextStepText(st.Name, out.Next)
	}
	if c := st.Claims; c != nil {
		out.Claims = &socket.Claims{Subject: c.Subject, Issuer: c.Issuer, Audience: c.Audience, Scopes: c.Scopes, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt}
	}
	if st.Login != nil {
		l := wireLogin(*st.Login)
		out.Login = &l
	}
	if st.LastRead != nil {
		r := wireRead(*st.LastRead)
		out.LastRead = &r
	}
	if w := st.Waiting; w != nil {
		out.Waiting = &socket.Waiting{Host: w.Host, Since: w.Since, Timeout: int64(w.Timeout / time.Second)}
	}
	if a := st.ProviderAnswer; a != nil {
		out.ProviderError = &socket.ProviderAnswer{Status: a.StatusCode, Error: a.Code, Description: a.Description, Body: a.Body, Host: a.Host, Time: a.Time}
	}
	return out
}

// WireStatuses is WireStatus of each, never nil.
func WireStatuses(list []manager.Status) []socket.Status {
	out := make([]socket.Status, 0, len(list))
	for _, st := range list {
		out = append(out, WireStatus(st))
	}
	return out
}

func wireLogin(l manager.LoginInfo) socket.LoginInfo {
	return socket.LoginInfo{AuthorizationURL: l.AuthorizationURL, UserCode: l.UserCode, VerificationURI: l.VerificationURI,
		VerificationURIComplete: l.VerificationURIComplete, ExpiresAt: l.ExpiresAt}
}

func wireRead(r manager.Read) socket.Read {
	out := socket.Read{Time: r.Time, Count: max(r.Count, 1), PID: r.PID, UID: r.UID, Exe: r.Exe, Cmdline: r.Cmdline, Through: r.Through, Via: r.Via, Refreshed: r.Refreshed}
	if out.Count > 1 {
		out.First = r.First
	}
	return out
}

func wireReads(list []manager.Read) []socket.Read {
	out := make([]socket.Read, 0, len(list))
	for _, r := range list {
		out = append(out, wireRead(r))
	}
	return out
}

// wireEvent is ev as /v1/events sends it.
func wireEvent(ev manager.Event) socket.Event {
	out := socket.Event{Kind: socket.EventKind(ev.Kind), Env: ev.Env, Message: ev.Message, Time: ev.Time}
	if ev.Status != nil {
		st := WireStatus(*ev.Status)
		out.Status = &st
	}
	if ev.Read != nil {
		r := wireRead(*ev.Read)
		out.Read = &r
	}
	return out
}

// wireNext is the engine's next step as the wire says it.
func wireNext(n manager.Next) *socket.Next {
	return &socket.Next{Action: socket.NextAction(n.Action), Key: n.Key, RetryAt: n.RetryAt, Scopes: n.Scopes}
}

// WireToken is t as the token endpoints (and the host's proxies) answer
// it, as of now.
func WireToken(t manager.Token, now time.Time) socket.TokenAnswer {
	a := socket.NewTokenAnswer(t.AccessToken, t.TokenType, t.ExpiresAt, now)
	a.DPoP = t.DPoPProof
	return a
}
