package cli

import (
	"fmt"
	"time"
)

// guardedReadTimeout is how long `token` and `exec` wait for an answer:
// a read of a guarded environment waits up to a minute for the user, then
// the engine may still refresh.
const guardedReadTimeout = 2 * time.Minute

// deniedLine is the one line for a denied read: who was denied (the
// server's message names the program and why) and how to allow it.
func (c *cli) deniedLine(env, msg string) string {
	if msg == "" {
		msg = fmt.Sprintf("this program was denied a token of %s", env)
	}
	return fmt.Sprintf("denied: %s; to allow it, answer \"Allow\" in the desktop app's notification or window (`tokentray window`), or set guard = \"none\" for %s in %s",
		msg, env, c.configPath())
}
