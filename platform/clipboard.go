package platform

// The host's clipboard. golang.design/x/clipboard was chosen because it
// talks to the X server itself (libX11, loaded with dlopen at Init: no
// xclip or xsel to install), and because its Write returns a channel that
// is signalled when another program takes the clipboard: exactly the
// "clear it later unless something else was copied meanwhile" a token
// needs, without reading the clipboard back. It needs cgo; a build
// without cgo gets an error from NewClipboard and copies nothing.

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.design/x/clipboard"
)

// Clipboard puts secrets on the system clipboard and takes them off again.
// It keeps no copy of what it placed: the X server tells it when someone
// else took the clipboard. Safe for concurrent use.
type Clipboard struct {
	mu    sync.Mutex
	gen   uint64      // bumped by every copy and by every loss of ownership
	owned bool        // the current generation's text is still ours
	timer *time.Timer // clears the current generation
}

// NewClipboard opens the clipboard: an error when there is no display or
// the process was built without cgo.
func NewClipboard() (*Clipboard, error) {
	if err := clipboard.Init(); err != nil {
		return nil, fmt.Errorf("clipboard: %w", err)
	}
	return &Clipboard{}, nil
}

// CopySecret puts text on the clipboard and clears it after clearAfter,
// unless another program has copied something meanwhile. A later
// CopySecret replaces the pending clear. clearAfter <= 0 never clears.
func (c *Clipboard) CopySecret(text string, clearAfter time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	gen := c.gen
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	lost := clipboard.Write(clipboard.FmtText, []byte(text))
	if lost == nil {
		c.owned = false
		return errors.New("clipboard: the X server refused the selection")
	}
	c.owned = true
	go func() {
		<-lost // another owner took it (another program, or our own next write)
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen == gen {
			c.owned = false
			if c.timer != nil {
				c.timer.Stop()
				c.timer = nil
			}
		}
	}()
	if clearAfter > 0 {
		c.timer = time.AfterFunc(clearAfter, func() { c.clear(gen) })
	}
	return nil
}

// clear empties the clipboard if it still holds generation gen.
func (c *Clipboard) clear(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || !c.owned {
		return
	}
	c.gen++
	c.owned = false
	c.timer = nil
	clipboard.Write(clipboard.FmtText, nil)
}

// Close clears the clipboard now if it still holds what CopySecret put
// there (on quit: a token must not outlive the host on the clipboard).
func (c *Clipboard) Close() {
	c.mu.Lock()
	gen := c.gen
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	c.clear(gen)
}
