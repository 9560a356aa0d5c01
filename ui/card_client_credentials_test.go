package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

func clientCredentialsStatus(name string, state socket.State) socket.Status {
	s := validStatus(name)
	s.Preset, s.Flow, s.State, s.HasRefresh = "", config.FlowClientCredentials, state, false
	return s
}

// A client-credentials environment signs nobody in: its card gets a new
// token and forgets the one it has, in those words, whatever its state.
func TestClientCredentialsCardsGetANewTokenAndForgetIt(t *testing.T) {
	for _, tc := range []struct {
		state socket.State
		next  *socket.Next
		want  []string
	}{
		{socket.StateValid, nil, []string{"Forget token"}},
		{socket.StateNeedsLogin, &socket.Next{Action: socket.NextLogin}, []string{"Get new token"}},
		{socket.StateExpired, &socket.Next{Action: socket.NextRefresh}, []string{"Get new token", "Forget token"}},
		{socket.StateError, &socket.Next{Action: socket.NextCheckCredentials}, []string{"Get new token", "Forget token"}},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			s := clientCredentialsStatus("cc-local", tc.state)
			s.Next = tc.next
			if tc.state != socket.StateValid {
				s.ExpiresAt, s.IssuedAt = nil, nil
			}
			c, calls := newTestCard(t, s)
			got := buttons(c.root)
			for _, want := range tc.want {
				if !slices.Contains(got, want) {
					t.Errorf("buttons %q, want %q", got, want)
				}
			}
			text := shownText(c.root) + "\n" + strings.Join(got, "\n")
			for _, wrong := range []string{"Authorize", "Sign out", "sign in"} {
				if strings.Contains(text, wrong) {
					t.Errorf("a client-credentials card says %q:\n%s", wrong, text)
				}
			}
			if slices.Contains(got, "Get new token") {
				test.Tap(button(t, c.root, "Get new token"))
				if !slices.Equal(*calls, []string{"authorize cc-local"}) {
					t.Errorf("Get new token called %q, want the host's authorize (a token right away)", *calls)
				}
			}
		})
	}
	// The authorization-code flow keeps its words.
	c, _ := newTestCard(t, validStatus("zepto-sandbox"))
	if got := buttons(c.root); !slices.Contains(got, labelSignOut) || slices.Contains(got, "Forget token") {
		t.Errorf("an authorization-code card shows %q, want Sign out", got)
	}
}

// Getting a token from a provider that is down says so once: the
// environment named once, in the words of the button that was pressed.
func TestAFailedNewTokenNamesTheEnvironmentOnce(t *testing.T) {
	h := startHost(t, func(o *oauthserver.Server) string { return localEnv("cc-local", o) }, server.HostHooks{})
	if err := h.m.Logout(context.Background(), "cc-local"); err != nil {
		t.Fatal(err)
	}
	h.oauth.Close() // the provider is unreachable from now on
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("cc-local") != "" })
	tapButton(t, w.view.cards["cc-local"].root, "Get new token")
	w.until(t, "the error", func() bool { return strings.Contains(w.dialogText(), "can't reach") })
	text := w.dialogText()
	if n := strings.Count(text, "cc-local"); n != 1 {
		t.Errorf("the error names the environment %d times, want once:\n%s", n, text)
	}
	if strings.Contains(text, "Authorize") {
		t.Errorf("the error of a client-credentials environment says Authorize:\n%s", text)
	}
	if !strings.Contains(text, "Get a new token for cc-local") {
		t.Errorf("the error does not say what failed in the button's words:\n%s", text)
	}
	w.until(t, "the card's error", func() bool { return strings.Contains(w.cardText("cc-local"), "can't reach") })
	if card := w.cardText("cc-local"); strings.Contains(card, "cc-local: ") || strings.Contains(card, "Authorize") {
		t.Errorf("the card repeats the name or says Authorize:\n%s", card)
	}
}

// Forget token asks first, in its own words, and Keep keeps the token.
func TestForgetTokenConfirmSaysWhatItDoesAndEscapeKeeps(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	if _, err := h.m.Refresh(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	w := openWindow(t, h.sock)
	w.until(t, "a valid card", func() bool { return strings.Contains(w.cardText("local"), "VALID") })
	tapButton(t, w.view.cards["local"].root, "Forget token")
	top := w.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no confirmation")
	}
	text := shownText(top)
	if !strings.Contains(text, "Forget the token of local?") || strings.Contains(text, "Sign out") || strings.Contains(text, "authorize again") {
		t.Errorf("the confirmation reads:\n%s", text)
	}
	if got := buttons(top); !slices.Equal(got, []string{"Keep", "Forget token"}) {
		t.Errorf("confirmation buttons %q, want Keep and Forget token", got)
	}
	w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if st, _ := h.m.Status("local"); st.State != manager.StateValid {
		t.Errorf("after Escape the environment is %s, want its token kept", st.State)
	}
	tapButton(t, w.view.cards["local"].root, "Forget token")
	test.Tap(button(t, w.win.Canvas().Overlays().Top(), "Forget token"))
	w.until(t, "the token forgotten", func() bool { return !strings.Contains(w.cardText("local"), "VALID") })
}
