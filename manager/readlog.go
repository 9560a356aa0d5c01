package manager

import (
	"sync"
	"time"
)

// MaxReads is how many reads the read log keeps per environment.
const MaxReads = 200

// Read is one token handed out (Manager.Read): when, to which process,
// how, and whether the read waited for a refresh. It never holds the token.
// PID 0 and an empty Exe mean the platform did not say.
type Read struct {
	Time      time.Time
	PID       int32
	UID       uint32
	Exe       string
	Cmdline   string
	Through   string // the tokentray command the reader ran (Reader.Through)
	Via       string // how it left: "copy", "tray", "proxy"; "" for a plain read
	Refreshed bool
}

// readLog keeps the last MaxReads reads of each environment, by name, in
// a ring. The zero value is ready.
type readLog struct {
	mu    sync.Mutex
	rings map[string]*readRing
}

type readRing struct {
	reads [MaxReads]Read
	next  int // where the next read goes
	n     int // how many are held, at most MaxReads
}

func (l *readLog) add(env string, r Read) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rings == nil {
		l.rings = map[string]*readRing{}
	}
	ring := l.rings[env]
	if ring == nil {
		ring = &readRing{}
		l.rings[env] = ring
	}
	ring.reads[ring.next] = r
	ring.next = (ring.next + 1) % MaxReads
	if ring.n < MaxReads {
		ring.n++
	}
}

// list gives env's reads, newest first.
func (l *readLog) list(env string) []Read {
	l.mu.Lock()
	defer l.mu.Unlock()
	ring := l.rings[env]
	if ring == nil {
		return []Read{}
	}
	out := make([]Read, 0, ring.n)
	for i := 1; i <= ring.n; i++ {
		out = append(out, ring.reads[(ring.next-i+MaxReads)%MaxReads])
	}
	return out
}

// last is env's newest read, or nil.
func (l *readLog) last(env string) *Read {
	l.mu.Lock()
	defer l.mu.Unlock()
	ring := l.rings[env]
	if ring == nil || ring.n == 0 {
		return nil
	}
	r := ring.reads[(ring.next-1+MaxReads)%MaxReads]
	return &r
}

// Reads is env's read log, newest first, or ErrUnknownEnvironment.
func (m *Manager) Reads(env string) ([]Read, error) {
	if _, err := m.env(env); err != nil {
		return nil, err
	}
	return m.reads.list(env), nil
}

// generation is the token generation, bumped whenever the tokens change.
func (e *environment) generation() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gen
}
