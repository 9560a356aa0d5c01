package ui

import (
	"crypto/sha256"
	"time"

	"fyne.io/fyne/v2"
)

// secretClipboard puts tokens on the clipboard and takes them off again
// after a while, unless the user has copied something else meanwhile. It
// remembers only a hash of what it placed, not the token. Its methods run
// on Fyne's main thread.
type secretClipboard struct {
	cb     fyne.Clipboard
	after  time.Duration
	placed [sha256.Size]byte
	armed  bool
	cancel func() // stops the pending clear

	// later runs f on the main thread after d; tests replace it to move
	// time themselves.
	later func(d time.Duration, f func()) (cancel func())
}

func newSecretClipboard(cb fyne.Clipboard, after time.Duration) *secretClipboard {
	return &secretClipboard{cb: cb, after: after, later: func(d time.Duration, f func()) func() {
		t := time.AfterFunc(d, func() { fyne.Do(f) })
		return func() { t.Stop() }
	}}
}

// copy places text and arms the clearing timer.
func (c *secretClipboard) copy(text string) {
	c.cb.SetContent(text)
	c.placed = sha256.Sum256([]byte(text))
	c.armed = true
	if c.cancel != nil {
		c.cancel()
	}
	c.cancel = c.later(c.after, c.clearIfUnchanged)
}

// clearIfUnchanged empties the clipboard when it still holds what copy put
// there; anything the user copied since is left alone.
func (c *secretClipboard) clearIfUnchanged() {
	if !c.armed {
		return
	}
	c.armed = false
	if sha256.Sum256([]byte(c.cb.Content())) == c.placed {
		c.cb.SetContent("")
	}
}

// stop clears at once (on quit) and drops the timer.
func (c *secretClipboard) stop() {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
	c.clearIfUnchanged()
}
