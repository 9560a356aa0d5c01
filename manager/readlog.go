package manager

import (
	"context"
	"sync"
	"time"
)

// MaxReads is how many reads the read log keeps per environment.
const MaxReads = 200

// Read is one token handed out over the socket: when, to which process,
// and whether the read waited for a refresh. It never holds the token.
// PID 0 and an empty Exe mean the platform did not say.
type Read struct {
	Time      time.Time `json:"time"`
	PID       int32     `json:"pid"`
	UID       uint32    `json:"uid"`
	Exe       string    `json:"exe"`
	Cmdline   string    `json:"cmdline"`
	Refreshed bool      `json:"refreshed"`
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

// RecordRead adds r to env's read log (a missing Time is now). It
// publishes no event: token reads are the hot path, and a view that shows
// "last read" asks for the status (its last_read) when it draws.
func (m *Manager) RecordRead(env string, r Read) {
	if r.Time.IsZero() {
		r.Time = m.clock.Now()
	}
	m.reads.add(env, r)
}

// Reads is env's read log, newest first, or ErrUnknownEnvironment.
func (m *Manager) Reads(env string) ([]Read, error) {
	if _, err := m.env(env); err != nil {
		return nil, err
	}
	return m.reads.list(env), nil
}

// TokenRead is Token for a reader that is logged: refreshed says whether
// the token was replaced while the caller waited (it found the old one
// wanting and got a fresh one, or joined a refresh that was running).
func (m *Manager) TokenRead(ctx context.Context, name string, minValid time.Duration) (t Token, refreshed bool, err error) {
	e, err := m.env(name)
	if err != nil {
		return Token{}, false, err
	}
	e.ensureLoaded()
	before := e.generation()
	t, err = e.token(ctx, minValid)
	if err != nil {
		return Token{}, false, err
	}
	return t, e.generation() != before, nil
}

// generation is the token generation, bumped whenever the tokens change.
func (e *environment) generation() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gen
}
