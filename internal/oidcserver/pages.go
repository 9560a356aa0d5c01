package oidcserver

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"sync"

	"github.com/zitadel/oidc/v3/example/server/storage"
)

// devicePages are what a person sees at the verification URI: enter the
// user code, sign in, then allow or deny the device. They follow
// zitadel's exampleop/device.go, with a server-side session instead of
// an encrypted cookie.
type devicePages struct {
	storage *storage.Storage
	users   storage.UserStore
	mux     *http.ServeMux

	mu       sync.Mutex
	sessions map[string]pageSession // by cookie value
}

// pageSession is a signed-in user looking at one user code.
type pageSession struct {
	userCode, username string
}

const sessionCookie = "device_session"

func newDevicePages(st *storage.Storage, users storage.UserStore) *devicePages {
	p := &devicePages{storage: st, users: users, mux: http.NewServeMux(), sessions: map[string]pageSession{}}
	p.mux.HandleFunc("/device", p.userCode)
	p.mux.HandleFunc("POST /device/login", p.login)
	p.mux.HandleFunc("POST /device/confirm", p.confirm)
	return p
}

func (p *devicePages) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

var pages = template.Must(template.New("").Parse(`
{{define "usercode"}}<!DOCTYPE html><title>Device authorization</title>
<h1>Device authorization</h1><p class="error">{{.Error}}</p>
<form method="POST" action="/device"><label>Code <input name="user_code"></label><button>Next</button></form>
{{end}}
{{define "login"}}<!DOCTYPE html><title>Sign in</title>
<h1>Sign in to approve {{.UserCode}}</h1><p class="error">{{.Error}}</p>
<form method="POST" action="/device/login"><input type="hidden" name="user_code" value="{{.UserCode}}">
<label>Username <input name="username"></label><label>Password <input name="password" type="password"></label>
<button>Sign in</button></form>
{{end}}
{{define "confirm"}}<!DOCTYPE html><title>Confirm device</title>
<h1>Welcome back {{.Username}}</h1><p>Device {{.ClientID}} asks for: {{range .Scopes}}{{.}} {{end}}</p>
<form method="POST" action="/device/confirm"><button name="action" value="allowed">Allow</button>
<button name="action" value="denied">Deny</button></form>
{{end}}
{{define "done"}}<!DOCTYPE html><title>Done</title><p>Device authorization {{.}}. You can return to the device.</p>
{{end}}`))

func render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, data)
}

// userCode asks for the code, or with one (typed in, or from
// verification_uri_complete) asks the user to sign in.
func (p *devicePages) userCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		render(w, http.StatusBadRequest, "usercode", map[string]string{"Error": "unreadable form"})
		return
	}
	code := r.Form.Get("user_code")
	if code == "" {
		render(w, http.StatusOK, "usercode", map[string]string{})
		return
	}
	if _, err := p.storage.GetDeviceAuthorizationByUserCode(r.Context(), code); err != nil {
		render(w, http.StatusBadRequest, "usercode", map[string]string{"Error": "unknown code " + code})
		return
	}
	render(w, http.StatusOK, "login", map[string]string{"UserCode": code})
}

func (p *devicePages) login(w http.ResponseWriter, r *http.Request) {
	code, user, pass := r.PostFormValue("user_code"), r.PostFormValue("username"), r.PostFormValue("password")
	if err := p.storage.CheckUsernamePasswordSimple(user, pass); err != nil {
		render(w, http.StatusUnauthorized, "login", map[string]string{"UserCode": code, "Error": "wrong username or password"})
		return
	}
	state, err := p.storage.GetDeviceAuthorizationByUserCode(r.Context(), code)
	if err != nil {
		render(w, http.StatusBadRequest, "usercode", map[string]string{"Error": "unknown code " + code})
		return
	}
	id := randomID()
	p.mu.Lock()
	p.sessions[id] = pageSession{userCode: code, username: user}
	p.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/device", HttpOnly: true})
	render(w, http.StatusOK, "confirm", map[string]any{"Username": user, "ClientID": state.ClientID, "Scopes": state.Scopes})
}

func (p *devicePages) confirm(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	p.mu.Lock()
	sess, ok := pageSession{}, false
	if err == nil {
		sess, ok = p.sessions[c.Value]
		delete(p.sessions, c.Value)
	}
	p.mu.Unlock()
	if !ok {
		render(w, http.StatusBadRequest, "usercode", map[string]string{"Error": "sign in first"})
		return
	}
	action := r.PostFormValue("action")
	switch action {
	case "allowed":
		// The subject is the user's id: the provider looks the user up by
		// it for the ID token and JWT claims.
		err = p.storage.CompleteDeviceAuthorization(r.Context(), sess.userCode, p.users.GetUserByUsername(sess.username).ID)
	case "denied":
		err = p.storage.DenyDeviceAuthorization(r.Context(), sess.userCode)
	default:
		render(w, http.StatusBadRequest, "usercode", map[string]string{"Error": "action must be allowed or denied"})
		return
	}
	if err != nil {
		render(w, http.StatusBadRequest, "usercode", map[string]string{"Error": err.Error()})
		return
	}
	render(w, http.StatusOK, "done", action)
}

func randomID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
