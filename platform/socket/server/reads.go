package server

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/tcppeer"
)

// maxCmdline is how many characters of a reader's command line the read
// log keeps; maxExe the same for its executable path.
const (
	maxCmdline = 512
	maxExe     = 256
)

// maxAncestors bounds the walk up the process tree in requesterOf.
const maxAncestors = 16

type callerKey struct{}

// caller is who is on one socket connection: the kernel's word (cred)
// and the reader it names (identify).
type caller struct {
	reader manager.Reader
	cred   socket.PeerCred
}

// connContext is the http.Server's ConnContext, called once per
// connection: it works out who is on the other end (identify) and
// stashes it in the context of every request on it.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*cappedConn); ok {
		c = cc.Conn
	}
	cl := &caller{}
	if pc, ok := c.(*socket.PeerConn); ok {
		cl.cred = pc.Cred
		cl.reader = identify(pc.Cred)
	}
	return context.WithValue(ctx, callerKey{}, cl)
}

// callerConn is the caller of r's connection (never nil).
func callerConn(r *http.Request) *caller {
	if c, ok := r.Context().Value(callerKey{}).(*caller); ok {
		return c
	}
	return &caller{}
}

// callerOf is who sent r: the program behind the socket connection.
func callerOf(r *http.Request) manager.Reader { return callerConn(r).reader }

// IdentifyTCPPeer describes the program of uid that holds the TCP
// socket with that inode as the guard and the read log name a reader
// (identify): the local proxies name the program that connected to them
// with it. A program that is gone or hidden is still this user's: an
// unknown program (pid 0), as the read log says elsewhere.
func IdentifyTCPPeer(inode uint64, uid uint32) manager.Reader {
	pid, _ := tcppeer.OwnerPID(inode, uid)
	return identify(socket.PeerCred{PID: pid, UID: uid})
}

// identify describes the process behind a connection as the guard and
// the read log name it: the requester, the first process up the tree
// that is not tokentray's own command line (for `tokentray token prod`
// run by `python3 deploy.py`, the python process), with the tokentray
// command it went through. A client that talks to the socket itself is
// its own requester.
func identify(cred socket.PeerCred) manager.Reader {
	r := manager.Reader{PID: cred.PID, UID: cred.UID}
	if cred.PID <= 0 {
		return r
	}
	pid, p := cred.PID, processInfo(cred.PID)
	for range maxAncestors {
		if !isTokentrayCommand(p.exe) || p.ppid <= 1 {
			break
		}
		if r.Through == "" {
			r.Through = config.Printable(p.cmdline, maxCmdline)
		}
		parent := processInfo(p.ppid)
		if parent.exe == "" {
			break // gone, or not ours to read: name the command itself
		}
		pid, p = p.ppid, parent
	}
	if pid == cred.PID {
		r.Through = ""
	}
	r.PID = pid
	r.Exe = config.Printable(p.exe, maxExe)
	r.Cmdline = config.Printable(p.cmdline, maxCmdline)
	r.Session = "uid:" + strconv.FormatUint(uint64(cred.UID), 10)
	if p.session != "" {
		r.Session = "session:" + p.session
	}
	return r
}

// isTokentrayCommand: the command line's executable (not the window,
// which is a reader of its own).
func isTokentrayCommand(exe string) bool {
	return filepath.Base(exe) == "tokentray"
}

// reads is GET /v1/environments/{name}/reads: the read log, newest first.
func (s *Server) reads(w http.ResponseWriter, r *http.Request) {
	list, err := s.m.Reads(r.PathValue("name"))
	if err != nil {
		s.writeEngineError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireReads(list))
}
