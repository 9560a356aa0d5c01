// Package initlog holds what the standard logger prints while the program's
// packages initialize, so a client command's stderr stays its one line and
// the window adds no noise to the host's log. (Fyne's lang package, which
// only tokentray-window links, logs "Error parsing user locale C" from its
// init when LANG=C.UTF-8, the default of many containers.)
//
// It works by initialization order: it imports only log, io and os, so it
// runs before the packages that need much more. Each main imports it first
// and calls Release before doing anything else.
package initlog

import (
	"bytes"
	"log"
	"os"
	"sync"
)

var (
	mu   sync.Mutex
	held bytes.Buffer
)

type holder struct{}

func (holder) Write(p []byte) (int, error) {
	mu.Lock()
	defer mu.Unlock()
	return held.Write(p)
}

func init() { log.SetOutput(holder{}) }

// Release sends the standard logger to stderr again and returns what it
// printed until now.
func Release() string {
	log.SetOutput(os.Stderr)
	mu.Lock()
	defer mu.Unlock()
	return held.String()
}
