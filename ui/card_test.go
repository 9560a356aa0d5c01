package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

func newTestCard(t *testing.T, s socket.Status) (*card, *[]string) {
	t.Helper()
	test.NewTempApp(t)
	var calls []string
	rec := func(action string) func(string) {
		return func(env string) { calls = append(calls, action+" "+env) }
	}
	c := newCard(envActions{
		Authorize: rec("authorize"), Cancel: rec("cancel"), Refresh: rec("refresh"),
		CopyToken: rec("copy-token"), CopyHeader: rec("copy-header"), SignOut: rec("sign-out"), Edit: rec("edit"),
		Reads:    rec("reads"),
		CopyText: func(text string) { calls = append(calls, "copy-text "+text) },
	})
	c.update(s, now)
	return c, &calls
}

func TestValidCardShowsCountdownLifetimeAndCopyActions(t *testing.T) {
	c, calls := newTestCard(t, validStatus("zepto-sandbox"))
	text := shownText(c.root)
	for _, want := range []string{"zepto-sandbox", "zepto-sandbox · authorization code", "VALID", "expires in 1h 52m"} {
		if !strings.Contains(text, want) {
			t.Errorf("card shows %q, want it to contain %q", text, want)
		}
	}
	if got, want := buttons(c.root), []string{labelCopyToken, labelCopyHeader, labelRefresh, labelSignOut, labelEdit, labelDetails}; !slices.Equal(got, want) {
		t.Errorf("buttons = %q, want %q", got, want)
	}
	// 8 minutes of a 2h00m07s lifetime are gone.
	if got := c.bar.Value; got < 0.93 || got > 0.94 {
		t.Errorf("lifetime bar = %.3f, want about 0.933", got)
	}
	test.Tap(button(t, c.root, labelCopyHeader))
	if !slices.Equal(*calls, []string{"copy-header zepto-sandbox"}) {
		t.Errorf("tapping Copy header called %q", *calls)
	}
}

func TestCountdownTicksWithoutRebuildingTheCard(t *testing.T) {
	c, _ := newTestCard(t, validStatus("local"))
	before := c.buttons.Objects[0]
	c.tick(now.Add(2*time.Minute + 7*time.Second))
	if got := c.countdown.Text; got != "expires in 1h 50m" {
		t.Errorf("after 2m07s countdown = %q, want %q", got, "expires in 1h 50m")
	}
	if c.buttons.Objects[0] != before {
		t.Error("a tick rebuilt the buttons; it should only move the countdown")
	}
	c.tick(now.Add(2 * time.Hour))
	if got := c.countdown.Text; got != "expired 7m 53s ago" {
		t.Errorf("past expiry countdown = %q", got)
	}
	if c.bar.Value != 0 {
		t.Errorf("lifetime bar past expiry = %v, want 0", c.bar.Value)
	}
}

func TestNeedsLoginCardOffersAuthorizeAndSaysWhatToDo(t *testing.T) {
	s := socket.Status{
		Name: "zepto-sandbox", Preset: "zepto-sandbox", Flow: config.FlowAuthorizationCode, State: socket.StateNeedsLogin,
		Persistent: true, Error: "provider answered invalid_grant (HTTP 400)", Next: &socket.Next{Action: socket.NextLogin},
	}
	c, calls := newTestCard(t, s)
	text := shownText(c.root)
	for _, want := range []string{"NEEDS LOGIN", "no token", "Error: provider answered invalid_grant (HTTP 400)", "Next: choose Authorize to sign in"} {
		if !strings.Contains(text, want) {
			t.Errorf("card shows %q, want it to contain %q", text, want)
		}
	}
	if got := buttons(c.root); !slices.Equal(got, []string{labelAuthorize, labelEdit, labelDetails}) {
		t.Errorf("buttons = %q, want Authorize and Edit only", got)
	}
	if c.bar.Visible() {
		t.Error("a card without a token shows a lifetime bar")
	}
	test.Tap(button(t, c.root, labelAuthorize))
	if !slices.Equal(*calls, []string{"authorize zepto-sandbox"}) {
		t.Errorf("tapping Authorize called %q", *calls)
	}
}

func TestErrorCardWithLiveTokenStillOffersTheToken(t *testing.T) {
	s := validStatus("campaignflow-prod")
	s.State = socket.StateError
	s.Error = "provider answered invalid_client (HTTP 401)"
	s.Next = &socket.Next{Action: socket.NextCheckCredentials}
	c, _ := newTestCard(t, s)
	text := shownText(c.root)
	for _, want := range []string{"ERROR", "expires in 1h 52m", "Error: provider answered invalid_client", "Next: check the client ID and secret (Edit), then choose Authorize"} {
		if !strings.Contains(text, want) {
			t.Errorf("card shows %q, want it to contain %q", text, want)
		}
	}
	if got := buttons(c.root); got[0] != labelCopyToken || !slices.Contains(got, labelAuthorize) {
		t.Errorf("buttons = %q, want Copy token first and Authorize offered", got)
	}
}

func TestUnconfiguredCardOnlyOffersEdit(t *testing.T) {
	s := socket.Status{Name: "local", Flow: config.FlowClientCredentials, State: socket.StateUnconfigured,
		Next: &socket.Next{Action: socket.NextSetSecret}, Persistent: true}
	c, _ := newTestCard(t, s)
	if got := buttons(c.root); !slices.Equal(got, []string{labelEdit, labelDetails}) {
		t.Errorf("buttons = %q, want Edit only", got)
	}
	if text := shownText(c.root); !strings.Contains(text, "NOT SET UP") || !strings.Contains(text, "custom provider · client credentials") {
		t.Errorf("card shows %q", text)
	}
}

func TestDeviceCodeCardShowsTheCodeAndAQRCode(t *testing.T) {
	s := socket.Status{Name: "tv", Flow: config.FlowDeviceCode, State: socket.StateAuthorizing, Persistent: true,
		Login: &socket.LoginInfo{UserCode: "WDJB-MJHT", VerificationURI: "https://example.com/device",
			VerificationURIComplete: "https://example.com/device?user_code=WDJB-MJHT", ExpiresAt: now.Add(10 * time.Minute)}}
	c, calls := newTestCard(t, s)
	text := shownText(c.root)
	for _, want := range []string{"AUTHORIZING", "Open https://example.com/device on any device and enter this code:", "WDJB-MJHT"} {
		if !strings.Contains(text, want) {
			t.Errorf("card shows %q, want it to contain %q", text, want)
		}
	}
	var qr *canvas.Image
	visibleObjects(c.root, func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok {
			qr = img
		}
	})
	if qr == nil || qr.Image == nil {
		t.Fatal("no QR code image on the card")
	}
	test.Tap(button(t, c.root, labelCopyCode))
	test.Tap(button(t, c.root, labelCancel))
	if !slices.Equal(*calls, []string{"copy-text WDJB-MJHT", "cancel tv"}) {
		t.Errorf("calls = %q", *calls)
	}
	// The QR code is drawn once per login, not on every update.
	c.update(s, now.Add(time.Second))
	var again *canvas.Image
	visibleObjects(c.root, func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok {
			again = img
		}
	})
	if again != qr {
		t.Error("an update of the same login redrew the QR code")
	}
}

func TestAuthorizationCodeLoginOffersTheLinkAgain(t *testing.T) {
	s := socket.Status{Name: "local", Flow: config.FlowAuthorizationCode, State: socket.StateAuthorizing, Persistent: true,
		Login: &socket.LoginInfo{AuthorizationURL: "http://127.0.0.1:9096/authorize?client_id=test-client"}}
	c, calls := newTestCard(t, s)
	if got := buttons(c.root); !slices.Equal(got, []string{labelOpenAgain, labelCopyLink, labelCancel, labelDetails}) {
		t.Errorf("buttons = %q", got)
	}
	test.Tap(button(t, c.root, labelCopyLink))
	if !slices.Equal(*calls, []string{"copy-text http://127.0.0.1:9096/authorize?client_id=test-client"}) {
		t.Errorf("calls = %q", *calls)
	}
}

func TestCountdownText(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    socket.Status
		want string
	}{
		{"hours", socket.Status{State: socket.StateValid, ExpiresAt: at(time.Hour + 52*time.Minute + 7*time.Second + 900*time.Millisecond)}, "expires in 1h 52m"},
		{"last ten minutes", socket.Status{State: socket.StateValid, ExpiresAt: at(4*time.Minute + 10*time.Second + 900*time.Millisecond)}, "expires in 4m 10s"},
		{"under a minute", socket.Status{State: socket.StateValid, ExpiresAt: at(42 * time.Second)}, "expires in 42s"},
		{"days", socket.Status{State: socket.StateValid, ExpiresAt: at(49*time.Hour + 5*time.Second)}, "expires in 2d 1h"},
		{"expired", socket.Status{State: socket.StateExpired, ExpiresAt: at(-3*time.Minute - 10*time.Second)}, "expired 3m 10s ago"},
		{"no expiry given", socket.Status{State: socket.StateValid}, "the provider gave no expiry"},
		{"no token", socket.Status{State: socket.StateNeedsLogin}, "no token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := countdownText(tc.s, now); got != tc.want {
				t.Errorf("countdownText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCardShowsGrantedScopesAndJWTClaims(t *testing.T) {
	s := validStatus("okta")
	s.GrantedScopes = []string{"openid", "read"}
	s.Claims = &socket.Claims{
		Subject:   "user-42",
		Audience:  []string{"api://payments"},
		Scopes:    []string{"read"},
		IssuedAt:  time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC),
	}
	c, _ := newTestCard(t, s)
	test.Tap(button(t, c.root, labelDetails)) // behind the disclosure
	text := shownText(c.root)
	for _, want := range []string{"Granted scopes: openid read", "JWT claims (unverified)", "subject user-42", "audience api://payments", "scopes read", "issued ", "expires "} {
		if !strings.Contains(text, want) {
			t.Errorf("card shows %q, want it to contain %q", text, want)
		}
	}
	// An opaque token shows no claims line.
	c.update(validStatus("opaque"), now)
	if strings.Contains(shownText(c.root), "JWT claims") {
		t.Error("claims shown for a token without any")
	}
}

func TestNeedsLoginCardPointsAtItsAuthorizeButton(t *testing.T) {
	s := socket.Status{Name: "web", Flow: config.FlowAuthorizationCode, State: socket.StateNeedsLogin,
		Persistent: true, Next: &socket.Next{Action: socket.NextLogin}}
	c, _ := newTestCard(t, s)
	if text := shownText(c.root); !strings.Contains(text, "Next: choose Authorize to sign in") {
		t.Errorf("card shows %q", text)
	}
}

func TestCardWordsEachNextStepInItsOwnButtons(t *testing.T) {
	at := time.Date(2026, 3, 1, 15, 4, 5, 0, time.Local)
	before := at.Add(-23*time.Second - 400*time.Millisecond)
	for _, tc := range []struct {
		next *socket.Next
		want string
	}{
		{nil, ""},
		{&socket.Next{Action: socket.NextLogin}, "choose Authorize to sign in"},
		{&socket.Next{Action: socket.NextSetSecret}, "choose Edit and set the client secret"},
		{&socket.Next{Action: socket.NextEditConfig, Key: "client_id"}, "choose Edit and fill in client_id"},
		{&socket.Next{Action: socket.NextCheckCredentials}, "check the client ID and secret (Edit), then choose Authorize"},
		{&socket.Next{Action: socket.NextCheckNetwork, RetryAt: &at}, "check the network; retrying in 24 s (15:04:05), or choose Refresh"},
		{&socket.Next{Action: socket.NextRetry, RetryAt: &at}, "refresh failing; retrying in 24 s (15:04:05); the current token stays valid"},
		{&socket.Next{Action: socket.NextRefresh}, "choose Refresh to get a new token"},
		{&socket.Next{Action: socket.NextWaitForBrowser}, "finish the authorization in the browser"},
	} {
		s := socket.Status{Name: "web", Next: tc.next, NextStep: "run `tokentray login web`"}
		if got := cardNextStep(s, before); got != tc.want {
			t.Errorf("cardNextStep(%+v) = %q, want %q", tc.next, got, tc.want)
		}
		if strings.Contains(cardNextStep(s, before), "`tokentray") {
			t.Errorf("the card words %+v as a command", tc.next)
		}
	}
}
