package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

func absRect(o fyne.CanvasObject) (top, bottom float32) {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return p.Y, p.Y + o.Size().Height
}

// Broken 3: an error appearing on a shown card lays it out again at once,
// so the buttons sit below the error, not over it.
func TestCardLaysOutAgainWhenAnErrorAppears(t *testing.T) {
	test.NewTempApp(t)
	v := newMainView(envActions{}, "/tmp/s.sock", func(string) {}, nil)
	w := test.NewWindow(v.root)
	defer w.Close()
	w.Resize(fyne.NewSize(760, 600))
	a, b := validStatus("zepto-sandbox"), validStatus("campaignflow-test")
	v.update([]socket.Status{a, b}, now)
	c := v.cards["zepto-sandbox"]
	before := c.root.MinSize().Height

	retry := now.Add(23 * time.Second)
	a.Error = "provider unreachable: dial tcp 10.0.0.1:443: connect: connection refused (after 3 attempts, the last one 2 s ago)"
	a.Next = &socket.Next{Action: socket.NextRetry, RetryAt: &retry}
	v.update([]socket.Status{a, b}, now)

	if after := c.root.MinSize().Height; after <= before {
		t.Fatalf("card min height %v after an error appeared, was %v: want it to grow", after, before)
	}
	if got, want := c.root.Size().Height, c.root.MinSize().Height; got < want {
		t.Errorf("card is %v high, needs %v: not laid out again", got, want)
	}
	_, errBottom := absRect(c.errorText)
	for _, o := range c.buttons.Objects {
		if top, _ := absRect(o); top < errBottom {
			t.Errorf("button %q starts at y=%v, over the error text ending at y=%v", o.(*focusButton).Text, top, errBottom)
		}
	}
	_, cardBottom := absRect(c.root)
	if top, _ := absRect(v.cards["campaignflow-test"].root); top < cardBottom {
		t.Errorf("the next card starts at y=%v, over the grown card ending at y=%v", top, cardBottom)
	}
}

func TestRefreshFailingCardWarnsAndCountsDownToTheRetry(t *testing.T) {
	s := validStatus("zepto-sandbox")
	retry := now.Add(23 * time.Second)
	s.Error = "provider unreachable"
	s.Next = &socket.Next{Action: socket.NextRetry, RetryAt: &retry}
	s.RefreshFailing = true
	c, _ := newTestCard(t, s)
	text := shownText(c.root)
	for _, want := range []string{badgeRefreshFailing, "retrying in 23 s", "the current token stays valid", "expires in 1h 52m"} {
		if !strings.Contains(text, want) {
			t.Errorf("card shows %q, want %q", text, want)
		}
	}
	if strings.Contains(text, "\nVALID\n") {
		t.Error("the badge still says plain VALID")
	}
	if got, want := c.badge.bg.FillColor, fyne.CurrentApp().Settings().Theme().Color("warning", fyne.CurrentApp().Settings().ThemeVariant()); got != want {
		t.Errorf("badge colour %v, want the warning colour %v", got, want)
	}
	c.tick(now.Add(time.Second))
	if !strings.Contains(c.nextText.Text, "retrying in 22 s") {
		t.Errorf("a second later: %q, want retrying in 22 s", c.nextText.Text)
	}
	c.tick(now.Add(30 * time.Second))
	if !strings.Contains(c.nextText.Text, "retrying now") {
		t.Errorf("past the retry: %q", c.nextText.Text)
	}
}

func TestExpiredCardPointsAtRefreshNotACommand(t *testing.T) {
	s := validStatus("zepto-sandbox")
	s.State = socket.StateExpired
	s.ExpiresAt = at(-3 * time.Minute)
	retry := now.Add(9 * time.Second)
	s.Error = "provider unreachable"
	s.Next = &socket.Next{Action: socket.NextCheckNetwork, RetryAt: &retry}
	s.NextStep = "run `tokentray refresh zepto-sandbox`"
	c, _ := newTestCard(t, s)
	text := shownText(c.root)
	if strings.Contains(text, "`") || strings.Contains(text, "tokentray refresh") || strings.Contains(text, "tokentray token") {
		t.Errorf("an expired card suggests a command line: %q", text)
	}
	if !strings.Contains(text, "retrying in 9 s (") || !strings.Contains(text, "), or choose Refresh") {
		t.Errorf("card shows %q, want the retry countdown and the Refresh button", text)
	}
	if got := buttons(c.root); !slices.Contains(got, labelRefresh) {
		t.Errorf("buttons %q, want Refresh", got)
	}
}

func authorizingStatus(left time.Duration) socket.Status {
	return socket.Status{
		Name: "zepto-sandbox", Preset: "zepto-sandbox", Flow: config.FlowAuthorizationCode,
		State: socket.StateAuthorizing, Persistent: true,
		Next:  &socket.Next{Action: socket.NextWaitForBrowser},
		Login: &socket.LoginInfo{AuthorizationURL: "https://auth.zepto.example/authorize?client_id=x", ExpiresAt: now.Add(left)},
	}
}

func TestAuthorizingCardShowsTimeLeftOnceAndOpensTheBrowserFirst(t *testing.T) {
	c, calls := newTestCard(t, authorizingStatus(4*time.Minute+12*time.Second))
	text := shownText(c.root)
	if !strings.Contains(text, "waiting for you to authorize — 4:12 left") {
		t.Errorf("card shows %q, want the time left of the login", text)
	}
	if n := strings.Count(strings.ToLower(text), "waiting for you"); n != 1 {
		t.Errorf("the authorizing card says it is waiting %d times: %q", n, text)
	}
	if strings.Contains(text, "finish the authorization in the browser") {
		t.Error("the card repeats the waiting in a Next line")
	}
	got := buttons(c.root)
	if len(got) < 3 || got[0] != labelOpenAgain || !slices.Contains(got, labelCancel) {
		t.Fatalf("buttons %q, want Open browser again first and Cancel", got)
	}
	if imp := button(t, c.root, labelOpenAgain).Importance; imp != widget.HighImportance {
		t.Errorf("Open browser again importance %v, want high", imp)
	}
	if imp := button(t, c.root, labelCancel).Importance; imp == widget.HighImportance {
		t.Error("Cancel is highlighted as the main action")
	}
	// The buttons come before anything long, so Cancel is in view.
	if slices.Index(c.content.Objects, fyne.CanvasObject(c.buttons)) > slices.Index(c.content.Objects, fyne.CanvasObject(c.login)) {
		t.Error("the buttons sit below the login box")
	}
	c.tick(now.Add(time.Second))
	if !strings.Contains(c.countdown.Text, "4:11 left") {
		t.Errorf("a second later the countdown says %q", c.countdown.Text)
	}
	test.Tap(button(t, c.root, labelCancel))
	if !slices.Equal(*calls, []string{"cancel zepto-sandbox"}) {
		t.Errorf("Cancel called %q", *calls)
	}
}

func TestTimedOutLoginSaysSoOnTheCard(t *testing.T) {
	s := socket.Status{
		Name: "zepto-sandbox", Flow: config.FlowAuthorizationCode, State: socket.StateNeedsLogin, Persistent: true,
		Error: "authorization timed out after 5 minutes", Next: &socket.Next{Action: socket.NextLogin},
	}
	c, _ := newTestCard(t, s)
	text := shownText(c.root)
	if !strings.Contains(text, "The authorization timed out after 5 minutes; choose Authorize to try again.") {
		t.Errorf("card shows %q, want the timeout said", text)
	}
	if got := buttons(c.root); len(got) == 0 || got[0] != labelAuthorize {
		t.Errorf("buttons %q, want Authorize first", got)
	}
}

func TestLongNameIsCutAndSaidWholeWithoutWideningTheWindow(t *testing.T) {
	test.NewTempApp(t)
	v := newMainView(envActions{}, "/tmp/s.sock", func(string) {}, nil)
	w := test.NewWindow(v.root)
	defer w.Close()
	w.Resize(fyne.NewSize(760, 600))
	long := "zepto-sandbox-eu-west-1-payments-reconciliation-nightly-batch-test-x" // 67 characters
	v.update([]socket.Status{validStatus(long)}, now)
	if got := v.root.MinSize().Width; got > 760 {
		t.Errorf("a 67-character name makes the window at least %v wide, want at most 760", got)
	}
	c := v.cards[long]
	if c.name.Truncation != fyne.TextTruncateEllipsis {
		t.Error("the name is not cut with an ellipsis")
	}
	oneLine := c.name.MinSize().Height
	c.name.MouseIn(nil)
	if c.name.Truncation != fyne.TextTruncateOff || c.name.MinSize().Height <= oneLine {
		t.Error("hovering the name does not show it whole")
	}
	if got := v.root.MinSize().Width; got > 760 {
		t.Errorf("the hovered name widens the window to %v", got)
	}
	_, nameBottom := absRect(c.name)
	if top, _ := absRect(c.buttons); c.name.Size().Height < c.name.MinSize().Height || top < nameBottom {
		t.Error("the card was not laid out again for the whole name")
	}
	c.name.MouseOut()
	if c.name.Truncation != fyne.TextTruncateEllipsis || c.name.MinSize().Height != oneLine {
		t.Error("the whole name stays after the pointer left")
	}
}

func TestSixCompactCardsFitIn600Pixels(t *testing.T) {
	test.NewTempApp(t)
	var statuses []socket.Status
	for i := range 6 {
		s := validStatus(fmt.Sprintf("env-%d", i))
		s.GrantedScopes = []string{"openid", "payments:read", "payments:write"}
		statuses = append(statuses, s)
	}
	c, _ := newTestCard(t, statuses[0])
	if h := c.root.MinSize().Height; 6*h > 600 {
		t.Errorf("a valid card is %v high: %v for six, want at most 600", h, 6*h)
	}
	if strings.Contains(shownText(c.root), "Granted scopes") {
		t.Error("scopes shown on the card, want them behind Details")
	}
	test.Tap(button(t, c.root, labelDetails))
	if !strings.Contains(shownText(c.root), "payments:read") {
		t.Error("Details does not show the scopes")
	}
	test.Tap(button(t, c.root, labelDetails))
	if strings.Contains(shownText(c.root), "payments:read") {
		t.Error("Details does not close")
	}
}
