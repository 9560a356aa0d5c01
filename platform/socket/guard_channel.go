package socket

import (
	"bufio"
	"encoding/json"
	"io"
	"time"
)

// The wire of the guard's private channel between the host and the window
// child it started (a connected unix socket pair, the child's end its fd
// 3; host/guard_window.go is the host's end): one JSON object a line,
// questions one way and answers the other on the same socket.

// GuardChannelEnv, set to "3" by the host in a window child's
// environment, says the child's fd 3 is the guard's channel. The window
// unsets it once read; `tokentray window` clears it, so a window started
// by hand never trusts an fd 3 it inherited.
const GuardChannelEnv = "TOKENTRAY_GUARD_FD"

// GuardQuestion is one question for the window.
type GuardQuestion struct {
	ID       uint64    `json:"id"`
	Env      string    `json:"env,omitempty"`
	Reader   string    `json:"reader,omitempty"`  // "curl (pid 42)"
	Summary  string    `json:"summary,omitempty"` // the question: "Allow curl to read the prod token?"
	Allow    string    `json:"allow,omitempty"`   // the Allow button's label: "Allow for 10 min"
	Command  string    `json:"command,omitempty"` // the reader's command line
	Deadline time.Time `json:"deadline,omitzero"` // denied after this
	// Done: the question was answered elsewhere or timed out; the window
	// takes it away.
	Done bool `json:"done,omitempty"`
}

// GuardAnswer is the window's answer to question ID.
type GuardAnswer struct {
	ID    uint64 `json:"id"`
	Allow bool   `json:"allow"`
}

// ReadGuardQuestions is the window's end: it calls fn with every message
// the host sends on r (questions, and Done for withdrawn ones) until r
// ends.
func ReadGuardQuestions(r io.Reader, fn func(GuardQuestion)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		var q GuardQuestion
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil || q.ID == 0 {
			continue
		}
		fn(q)
	}
	return sc.Err()
}

// WriteGuardAnswer is the window's answer to question id on w.
func WriteGuardAnswer(w io.Writer, id uint64, allow bool) error {
	line, err := json.Marshal(GuardAnswer{ID: id, Allow: allow})
	if err != nil {
		return err
	}
	_, err = w.Write(append(line, '\n'))
	return err
}
