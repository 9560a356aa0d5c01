package socket

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/tokentray/tokentray/config"
)

// InUseError says another process already serves the socket.
type InUseError struct {
	Path string
	PID  int32 // 0 when the holder could not be asked (it is still starting)
}

func (e *InUseError) Error() string {
	if e.PID == 0 && !peerCheck {
		// Windows cannot say who holds a unix socket.
		return fmt.Sprintf("another tokentray is already serving on %s; stop it first or pass --socket PATH", e.Path)
	}
	if e.PID == 0 {
		return fmt.Sprintf("another tokentray is starting on %s; stop it first or pass --socket PATH", e.Path)
	}
	return fmt.Sprintf("another tokentray (pid %d) is already serving on %s; stop it first or pass --socket PATH", e.PID, e.Path)
}

// Listen claims the socket at path for this process: one instance per
// socket. A live holder is named in an *InUseError; a socket file left by a
// crashed run (nobody answers) is replaced. The directory must be a 0700
// one of ours (EnsureSocketDir), the socket is made 0600, and every
// accepted connection passes the SO_PEERCRED (macOS: LOCAL_PEERCRED) check:
// a peer running as another user gets a 403 and is hung up on. Windows has
// neither modes nor peer credentials: the directory's ACL keeps others out.
// Closing the listener removes the socket file.
func Listen(path string, log *slog.Logger) (net.Listener, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := EnsureSocketDir(path); err != nil {
		return nil, fmt.Errorf("socket directory for %s: %w", path, err)
	}
	// The lock closes the gap between "nobody answers" and "listening" when
	// two instances start at once; the dial below names the holder.
	lock, err := openLockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	if err := tryLock(lock); err != nil {
		lock.Close()
		if errors.Is(err, errLocked) {
			pid, _ := socketHolder(path)
			return nil, &InUseError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("socket lock %s.lock: %w", path, err)
	}
	fail := func(err error) (net.Listener, error) {
		lock.Close()
		return nil, err
	}

	// What is there must be a socket (or nothing): a symlink, even a
	// dangling one, would make bind say "address already in use".
	if err := checkSocketFile(path); err != nil {
		return fail(err)
	}
	pid, err := socketHolder(path)
	switch {
	case err == nil:
		return fail(&InUseError{Path: path, PID: pid})
	case errors.Is(err, fs.ErrNotExist):
	case connRefused(err):
		if err := removeStaleSocket(path); err != nil {
			return fail(err)
		}
		log.Info("replaced a stale socket file from an earlier run", "socket", path)
	default:
		return fail(fmt.Errorf("check for another tokentray on %s: %w", path, err))
	}

	l, err := net.Listen("unix", path)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", path, err))
	}
	if err := restrictSocketFile(path); err != nil {
		l.Close()
		return fail(fmt.Errorf("chmod %s: %w", path, err))
	}
	return &peerCheckedListener{Listener: l, uid: uint32(os.Getuid()), log: log, lock: lock}, nil
}

// errLocked is tryLock's "another process holds the lock".
var errLocked = errors.New("lock held by another process")

// checkLockFile keeps the opened lock file f only if it is a regular file
// of ours.
func checkLockFile(f *os.File, name string) (*os.File, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("socket lock %s: %w", name, err)
	}
	if uid, ok := fileOwner(fi); !fi.Mode().IsRegular() || (ok && uid != os.Getuid()) {
		f.Close()
		return nil, fmt.Errorf("socket lock %s is not a regular file of yours (%s, owner %s); remove it and start again", name, fi.Mode().Type(), describeUID(uid))
	}
	return f, nil
}

// checkSocketFile says what is at path when it is neither missing nor a
// socket, and what to do about it.
func checkSocketFile(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("check socket %s: %w", path, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return fmt.Errorf("%s is a symlink (to %s), not a socket; remove it (rm %s) and start again, or pass --socket PATH", path, config.Printable(target, 0), path)
	case fi.Mode()&fs.ModeSocket == 0:
		return fmt.Errorf("%s exists and is not a socket; remove it or pass --socket PATH", path)
	}
	return nil
}

// socketHolder asks whoever answers on path for its pid (SO_PEERCRED of
// the client end names the server). fs.ErrNotExist: no socket file;
// ECONNREFUSED: a file nobody listens on.
func socketHolder(path string) (int32, error) {
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	cred, err := peerCred(c)
	if err != nil {
		return 0, nil // someone answers; who is unknown
	}
	return cred.PID, nil
}

func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("stale socket %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket; remove it or pass --socket PATH", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}

// peerCheckedListener hands the HTTP server only connections from the
// user that runs tokentray.
type peerCheckedListener struct {
	net.Listener
	uid  uint32
	log  *slog.Logger
	lock *os.File
}

func (l *peerCheckedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if !peerCheck {
			return c, nil // Windows: no SO_PEERCRED; the directory's ACL is the check
		}
		cred, err := peerCred(c)
		if err == nil && cred.UID == l.uid {
			return &PeerConn{Conn: c, Cred: cred}, nil
		}
		if err != nil {
			l.log.Warn("refused a socket peer whose credentials could not be read", "error", err)
		} else {
			l.log.Warn("refused a socket peer running as another user", "peer_uid", cred.UID, "peer_pid", cred.PID)
		}
		go refusePeer(c)
	}
}

// PeerConn is an accepted connection with the kernel's word on who holds
// the other end, read once at accept (the server names its caller from it).
type PeerConn struct {
	net.Conn
	Cred PeerCred
}

func (l *peerCheckedListener) Close() error {
	err := l.Listener.Close()
	if l.lock != nil { // nil for systemd's socket (ListenSystemd)
		l.lock.Close()
	}
	return err
}

const refusalBody = `{"error":"forbidden","message":"this tokentray belongs to another user"}`

// refusePeer reads the request head (an answer sent before the request is
// an "unsolicited response" to HTTP clients), writes a raw 403 and hangs
// up. It drains what the peer sent first: closing a unix socket with
// unread data makes the peer's read fail with ECONNRESET instead of
// showing it the refusal.
func refusePeer(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	readRequestHead(c, 16<<10)
	fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		len(refusalBody), refusalBody)
	if uc, ok := c.(*net.UnixConn); ok {
		_ = uc.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// readRequestHead reads until the blank line that ends an HTTP request
// head, at most limit bytes, or until the deadline.
func readRequestHead(c net.Conn, limit int) {
	buf := make([]byte, 0, 1024)
	chunk := make([]byte, 1024)
	for len(buf) < limit {
		n, err := c.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if bytes.Contains(buf, []byte("\r\n\r\n")) || err != nil {
			return
		}
	}
}
