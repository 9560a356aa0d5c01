package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// pendingClear is the clipboard's timer, fired by the test.
type pendingClear struct {
	after    time.Duration
	fire     func()
	canceled int // how many scheduled clears were canceled
}

func testClipboard(t *testing.T) (*secretClipboard, *pendingClear, func() string) {
	a := test.NewTempApp(t)
	c := newSecretClipboard(a.Clipboard(), 45*time.Second)
	p := &pendingClear{}
	c.later = func(d time.Duration, f func()) func() {
		p.after, p.fire = d, f
		return func() { p.canceled++ }
	}
	return c, p, a.Clipboard().Content
}

func TestCopiedTokenIsClearedAfterTheTimeout(t *testing.T) {
	c, timer, content := testClipboard(t)
	c.copy("Authorization: Bearer tok-1")
	if got := content(); got != "Authorization: Bearer tok-1" {
		t.Fatalf("clipboard = %q right after copy", got)
	}
	if timer.after != 45*time.Second {
		t.Errorf("clear scheduled after %v, want the configured 45s", timer.after)
	}
	timer.fire()
	if got := content(); got != "" {
		t.Errorf("clipboard after the timeout = %q, want empty", got)
	}
}

func TestClipboardIsLeftAloneWhenTheUserCopiedSomethingElse(t *testing.T) {
	c, timer, content := testClipboard(t)
	c.copy("tok-1")
	c.cb.SetContent("my own text")
	timer.fire()
	if got := content(); got != "my own text" {
		t.Errorf("clipboard = %q, want the user's own text kept", got)
	}
}

func TestSecondCopyRestartsTheTimeout(t *testing.T) {
	c, timer, content := testClipboard(t)
	c.copy("tok-1")
	c.copy("tok-2")
	if timer.canceled != 1 {
		t.Errorf("%d clears canceled, want the first one canceled by the second copy", timer.canceled)
	}
	timer.fire()
	if got := content(); got != "" {
		t.Errorf("clipboard = %q, want the second token cleared", got)
	}
}

func TestQuitTakesTheTokenOffTheClipboard(t *testing.T) {
	c, _, content := testClipboard(t)
	c.copy("tok-1")
	c.stop()
	if got := content(); got != "" {
		t.Errorf("clipboard after quit = %q, want empty", got)
	}
}
