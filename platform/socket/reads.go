package socket

import (
	"context"
	"net"
	"net/http"
	"sync"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

// maxCmdline is how many characters of a reader's command line the read
// log keeps; maxExe the same for its executable path.
const (
	maxCmdline = 512
	maxExe     = 256
)

// reader is who holds one connection: the kernel's credentials, taken
// when the connection was accepted, and (looked up on the first token
// read, then kept) the executable and command line of that process.
type reader struct {
	cred   PeerCred
	credOK bool

	once    sync.Once
	exe     string
	cmdline string
}

type readerKey struct{}

// connContext is the http.Server's ConnContext: it stashes the peer's
// credentials in every request's context of the connection.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*cappedConn); ok {
		c = cc.Conn
	}
	rd := &reader{}
	if cred, err := peerCred(c); err == nil {
		rd.cred, rd.credOK = cred, true
	}
	return context.WithValue(ctx, readerKey{}, rd)
}

// readerOf describes the process behind r as a read log entry (Time and
// Refreshed are left to the caller).
func readerOf(r *http.Request) manager.Read {
	rd, _ := r.Context().Value(readerKey{}).(*reader)
	if rd == nil || !rd.credOK {
		return manager.Read{}
	}
	rd.once.Do(func() {
		if rd.cred.PID <= 0 {
			return
		}
		exe, cmdline := processInfo(rd.cred.PID)
		rd.exe = config.Printable(exe, maxExe)
		rd.cmdline = config.Printable(cmdline, maxCmdline)
	})
	return manager.Read{PID: rd.cred.PID, UID: rd.cred.UID, Exe: rd.exe, Cmdline: rd.cmdline}
}

// recordRead logs that r was handed a token of env. It never sees the token.
func (s *Server) recordRead(r *http.Request, env string, refreshed bool) {
	rd := readerOf(r)
	rd.Refreshed = refreshed
	s.m.RecordRead(env, rd)
}

// reads is GET /v1/environments/{name}/reads: the read log, newest first.
func (s *Server) reads(w http.ResponseWriter, r *http.Request) {
	list, err := s.m.Reads(r.PathValue("name"))
	if err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	if list == nil {
		list = []manager.Read{}
	}
	writeJSON(w, http.StatusOK, list)
}

// Reads is GET /v1/environments/{name}/reads: who read the token, newest first.
func (c *Client) Reads(ctx context.Context, name string) ([]manager.Read, error) {
	var out []manager.Read
	return out, c.do(ctx, http.MethodGet, envPath(name, "/reads"), nil, &out)
}
