package manager_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// echoingRefusal answers a token request with an OAuth error whose
// description quotes what the request carried (the refresh token, the
// Authorization header, the client secret), as careless providers do.
func echoingRefusal(status int, code string) oauthserver.HookFunc {
	return func(w http.ResponseWriter, r *http.Request) bool {
		desc := "scope write is not allowed for this client; request had refresh_token=" + r.PostForm.Get("refresh_token") +
			" auth=" + r.Header.Get("Authorization") + " secret=" + oauthserver.DefaultClientSecret +
			" assertion=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl\x1b[31m"
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
		return true
	}
}

func TestProviderErrorAnswerIsKeptWithoutSecrets(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	srv.Hook(echoingRefusal(http.StatusBadRequest, "invalid_scope"))

	_, err := f.refresh("local")
	if err == nil {
		t.Fatal("refresh succeeded against a refusing provider")
	}
	st := f.status("local")
	a := st.ProviderAnswer
	if a == nil {
		t.Fatalf("status keeps no provider answer: %+v", st)
	}
	f.scan.Text("provider answer description", a.Description)
	f.scan.Text("provider answer body", a.Body)
	if a.StatusCode != http.StatusBadRequest || a.Code != "invalid_scope" || a.Host != mustHost(t, srv.TokenURL()) {
		t.Errorf("answer = %+v; want HTTP 400 invalid_scope from the token endpoint's host", a)
	}
	if !strings.HasPrefix(a.Description, "scope write is not allowed for this client") {
		t.Errorf("description %q lost the provider's words", a.Description)
	}
	// The secret scan checks the tokens and the Basic credentials.
	for _, leak := range []string{oauthserver.DefaultClientSecret, "eyJhbGciOiJSUzI1NiJ9", "\x1b"} {
		if strings.Contains(a.Description, leak) {
			t.Errorf("description %q holds %q", a.Description, leak)
		}
	}
	if !strings.Contains(a.Description, "[redacted]") {
		t.Errorf("description %q: nothing was redacted", a.Description)
	}
	if len([]rune(a.Description)) > 401 {
		t.Errorf("description is %d runes long; want it bounded", len([]rune(a.Description)))
	}
	// The words reach the error too, once and cleaned.
	if !strings.Contains(err.Error(), "invalid_scope (HTTP 400): scope write is not allowed") {
		t.Errorf("error %q does not carry the provider's words", err)
	}

	// A success clears it.
	srv.Hook(nil)
	if _, err := f.refresh("local"); err != nil {
		t.Fatal(err)
	}
	if st := f.status("local"); st.ProviderAnswer != nil {
		t.Errorf("after a success the status still shows %+v", st.ProviderAnswer)
	}
}

func TestProviderAnswerThatIsNoOAuthErrorKeepsTheStartOfItsBody(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := ccEnv(srv)
	f := newFaultRig(t, srv, nil, env, faultOptions{})
	// The token fetched at start first: a refresh that joined that flight
	// would get its token, not the 502 below.
	eventually(t, "the token fetched at start", func() bool { return f.status(env.Name).State == manager.StateValid })
	page := "<html><body><h1>502 Bad Gateway</h1>upstream " + strings.Repeat("x", 5000) + "</body></html>"
	srv.Hook(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(page))
		return true
	})
	if _, err := f.refresh(env.Name); err == nil {
		t.Fatal("a token from a 502")
	}
	a := f.status(env.Name).ProviderAnswer
	if a == nil || a.StatusCode != http.StatusBadGateway || a.Code != "" || !strings.HasPrefix(a.Body, "<html><body><h1>502 Bad Gateway</h1>upstream xxx") {
		t.Fatalf("answer = %+v; want HTTP 502 with the start of its page", a)
	}
	if n := len([]rune(a.Body)); n > 401 {
		t.Errorf("body is %d runes long; want it bounded", n)
	}
}

func TestProviderAnswerIsForgottenAtLogout(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	srv.FailNext(1, http.StatusBadRequest)
	_, _ = f.refresh("local")
	if f.status("local").ProviderAnswer == nil {
		t.Fatal("no answer kept after a refused refresh")
	}
	if err := f.m.Logout(t.Context(), "local"); err != nil {
		t.Fatal(err)
	}
	if st := f.status("local"); st.ProviderAnswer != nil || st.State != manager.StateNeedsLogin {
		t.Errorf("after sign-out: state %s, answer %+v; want needs_login and no answer", st.State, st.ProviderAnswer)
	}
}
