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
//
// Consecutive reads by the same reader the same way that did not refresh
// are one entry: Count of them, from First to Time. A proxy handing the
// token to one client 10,000 times is one line, not the whole log.
type Read struct {
	Time      time.Time // of the latest read
	First     time.Time // of the first read the entry counts
	Count     int       // reads the entry stands for, at least 1
	PID       int32
	UID       uint32
	Exe       string
	Cmdline   string
	Through   string // the tokentray command the reader ran (Reader.Through)
	Via       string // how it left: "copy", "tray", "proxy"; "" for a plain read
	Refreshed bool
}

// continues reports whether r is one more of the reads newest counts:
// the same reader the same way, neither waiting for a refresh (a read
// that refreshed is worth a line of its own).
func (newest *Read) continues(r Read) bool {
	return !newest.Refreshed && !r.Refreshed && newest.PID == r.PID && newest.UID == r.UID &&
		newest.Exe == r.Exe && newest.Cmdline == r.Cmdline && newest.Through == r.Through && newest.Via == r.Via
}

// announceEvery bounds how often reads counted into one entry are
// announced (EventRead): views show the count, not every read.
const announceEvery = time.Second

// readLog keeps the last MaxReads reads of each environment, by name, in
// a ring. The zero value is ready.
type readLog struct {
	mu    sync.Mutex
	rings map[string]*readRing
}

type readRing struct {
	reads     [MaxReads]Read
	next      int       // where the next read goes
	n         int       // how many are held, at most MaxReads
	announced time.Time // when the newest entry was last announced
}

// add logs r and returns the entry it is now part of, and whether to
// announce it: always for a new entry, at most every announceEvery for
// one that counts one more read.
func (l *readLog) add(env string, r Read) (Read, bool) {
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
	if ring.n > 0 {
		newest := &ring.reads[(ring.next-1+MaxReads)%MaxReads]
		if newest.continues(r) {
			newest.Time = r.Time
			newest.Count++
			if r.Time.Sub(ring.announced) < announceEvery {
				return *newest, false
			}
			ring.announced = r.Time
			return *newest, true
		}
	}
	r.First, r.Count = r.Time, 1
	ring.reads[ring.next] = r
	ring.next = (ring.next + 1) % MaxReads
	if ring.n < MaxReads {
		ring.n++
	}
	ring.announced = r.Time
	return r, true
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
