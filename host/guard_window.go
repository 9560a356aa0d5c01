package host

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/tokentray/tokentray/platform/socket"
)

// The guard's question in the window: the host gives the window child it
// starts a private channel (its end of a connected unix socket pair,
// passed as fd 3, which no other process has: window_channel_*.go) and
// asks there too. Questions go host -> window as JSON lines, answers come
// back window -> host on the same socket:
//
//	{"id":1,"env":"prod","reader":"curl (pid 42)","command":"curl ...","deadline":"2026-11-30T12:00:00Z"}
//	{"id":1,"allow":true}
//	{"id":1,"done":true}   the question was answered elsewhere or timed out
//
// Nothing on the socket API takes part: only the window the host started
// can answer. A socket cannot be opened through /proc/PID/fd (ENXIO), the
// window makes itself non-dumpable before Go starts
// (cmd/tokentray-window), and on Linux the host reads only what the
// child's own pid wrote (SCM_CREDENTIALS), so a copy of the descriptor
// taken in the first milliseconds of its life answers nothing.

// WindowAsker asks the user in the window. Ask returns when the user
// answers, or with ctx's error when ctx ends first (the question is then
// withdrawn), or with another error when the window cannot ask.
type WindowAsker interface {
	Ask(ctx context.Context, q socket.GuardQuestion) (allow bool, err error)
}

// errWindowGone is an Ask on a channel whose window has closed.
var errWindowGone = errors.New("the window closed")

// GuardChannel is the host's end of the channel to one window child: a
// WindowAsker. Serve reads the answers; its owner runs it and calls Close
// when the child has exited.
type GuardChannel struct {
	conn io.ReadWriteCloser // answers from the window, questions to it

	wmu sync.Mutex // one line at a time

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan bool
	gone    chan struct{} // closed when Serve has ended
	once    sync.Once
}

// NewGuardChannel returns the host's end of a channel: answers read from
// conn, questions written to it.
func NewGuardChannel(conn io.ReadWriteCloser) *GuardChannel {
	return &GuardChannel{conn: conn, waiting: map[uint64]chan bool{}, gone: make(chan struct{})}
}

// Serve delivers the window's answers until the window's end closes (the
// child exited) or Close. Lines that are not answers to an open question
// are ignored.
func (c *GuardChannel) Serve() {
	defer c.once.Do(func() { close(c.gone) })
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		var a socket.GuardAnswer
		if json.Unmarshal(sc.Bytes(), &a) != nil || a.ID == 0 {
			continue
		}
		c.mu.Lock()
		ch, ok := c.waiting[a.ID]
		delete(c.waiting, a.ID)
		c.mu.Unlock()
		if ok {
			ch <- a.Allow // buffered: Ask may have stopped waiting
		}
	}
}

// Close closes the channel; Serve returns and open questions fail.
func (c *GuardChannel) Close() { c.conn.Close() }

// Ask shows q in the window (with an ID of the channel's own) and waits
// for the answer, ctx, or the window to go away. When ctx ends first the
// window is told the question is done.
func (c *GuardChannel) Ask(ctx context.Context, q socket.GuardQuestion) (bool, error) {
	answer := make(chan bool, 1)
	c.mu.Lock()
	select {
	case <-c.gone:
		c.mu.Unlock()
		return false, errWindowGone
	default:
	}
	c.next++
	q.ID, q.Done = c.next, false
	c.waiting[q.ID] = answer
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.waiting, q.ID)
		c.mu.Unlock()
	}
	if err := c.send(q); err != nil {
		forget()
		return false, fmt.Errorf("ask in the window: %w", err)
	}
	select {
	case allow := <-answer:
		return allow, nil
	case <-c.gone:
		forget()
		return false, errWindowGone
	case <-ctx.Done():
		forget()
		_ = c.send(socket.GuardQuestion{ID: q.ID, Done: true})
		return false, ctx.Err()
	}
}

func (c *GuardChannel) send(q socket.GuardQuestion) error {
	line, err := json.Marshal(q)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err = c.conn.Write(append(line, '\n'))
	return err
}
