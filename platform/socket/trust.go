package socket

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/tokentray/tokentray/config"
)

// UntrustedSocketError says the client refused a socket that another user
// could have put there (a planted directory or socket, a directory others
// can write, a server running as someone else). Nothing was sent to it.
type UntrustedSocketError struct {
	Path  string // the socket
	What  string // the path at fault (the socket or its directory); "" for the server
	Why   string // what is wrong with it
	Owner int    // uid that owns What, or the server's uid
}

func (e *UntrustedSocketError) Error() string {
	what := "its server"
	if e.What != "" {
		what = config.Printable(e.What, 0)
	}
	return fmt.Sprintf("refusing the socket %s: %s %s (owner: %s; you: uid %d); nothing was sent. Remove it and start tokentray again, or pass --socket PATH in a directory only you can write",
		config.Printable(e.Path, 0), what, e.Why, describeUID(e.Owner), os.Getuid())
}

// describeUID is "uid 65534 (nobody)", or "uid N" for an unknown user.
func describeUID(uid int) string {
	if uid < 0 {
		return "unknown"
	}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return fmt.Sprintf("uid %d (%s)", uid, config.Printable(u.Username, 64))
	}
	return "uid " + strconv.Itoa(uid)
}

// dialTrusted dials the socket at path only if nobody but uid can have
// put it there, and hangs up unless the server runs as uid. A missing
// directory or socket is left to the dial, which then says "not running".
func dialTrusted(ctx context.Context, d *net.Dialer, path string, uid int) (net.Conn, error) {
	if err := checkSocketPath(path, uid); err != nil {
		return nil, err
	}
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	if err := checkServer(c, path, uid); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// checkSocketPath wants the socket's directory to be a real directory of
// uid that others cannot write (so nobody else can plant or swap the
// socket), and the socket itself a socket of uid.
func checkSocketPath(path string, uid int) error {
	dir := filepath.Dir(path)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check socket directory %s: %w", dir, err)
	}
	owner, _ := fileOwner(fi)
	untrusted := func(what, why string) error {
		return &UntrustedSocketError{Path: path, What: what, Why: why, Owner: owner}
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return untrusted(dir, "is a symlink, not a directory")
	case !fi.IsDir():
		return untrusted(dir, "is not a directory")
	case unixModes && owner != uid:
		return untrusted(dir, "belongs to another user")
	case unixModes && fi.Mode().Perm()&0o022 != 0:
		return untrusted(dir, fmt.Sprintf("can be written by other users (mode %04o)", fi.Mode().Perm()))
	}

	fi, err = os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check socket %s: %w", path, err)
	}
	owner, _ = fileOwner(fi)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return untrusted(path, "is a symlink, not a socket")
	case unixModes && owner != uid:
		return untrusted(path, "belongs to another user")
	}
	return nil // a socket, or a leftover file of ours: the dial tells
}

// checkServer wants the process that listens on c to run as uid, as the
// kernel recorded it (SO_PEERCRED of the client end names the server).
func checkServer(c net.Conn, path string, uid int) error {
	if !peerCheck {
		return nil // Windows: no SO_PEERCRED; the directory's ACL is the check
	}
	cred, err := peerCred(c)
	if err != nil {
		return &UntrustedSocketError{Path: path, Why: fmt.Sprintf("could not be identified (%v)", err), Owner: -1}
	}
	if int(cred.UID) != uid {
		return &UntrustedSocketError{Path: path, Why: fmt.Sprintf("runs as another user (pid %d)", cred.PID), Owner: int(cred.UID)}
	}
	return nil
}
