package manager

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// callbackPeerUID finds who owns the other end of an accepted loopback
// connection, the way SO_PEERCRED does for a unix socket: the kernel's TCP
// table lists the peer's socket (local address = our remote, remote = our
// local) with its owner's uid. A socket with no inode is an orphan (closed
// by its owner, or TIME_WAIT) whose uid column reads 0; it proves nothing.
func callbackPeerUID(c net.Conn) (int, error) {
	local, lok := c.LocalAddr().(*net.TCPAddr)
	remote, rok := c.RemoteAddr().(*net.TCPAddr)
	if !lok || !rok {
		return -1, fmt.Errorf("not a TCP connection (%s)", c.RemoteAddr())
	}
	table := "/proc/net/tcp6"
	if local.IP.To4() != nil {
		table = "/proc/net/tcp"
	}
	wantLocal, wantRemote := procNetAddr(remote), procNetAddr(local)
	f, err := os.Open(table)
	if err != nil {
		return -1, fmt.Errorf("look up callback peer: %w", err)
	}
	defer f.Close()
	// A flood makes the table long: match the bytes before splitting a line.
	pair := []byte(" " + wantLocal + " " + wantRemote + " ")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !bytes.Contains(sc.Bytes(), pair) {
			continue
		}
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[1] != wantLocal || fields[2] != wantRemote {
			continue
		}
		if fields[9] == "0" {
			return -1, fmt.Errorf("look up callback peer %s: its socket has no owner any more", remote)
		}
		uid, err := strconv.Atoi(fields[7])
		if err != nil {
			return -1, fmt.Errorf("look up callback peer %s: uid column %q: %w", remote, fields[7], err)
		}
		return uid, nil
	}
	if err := sc.Err(); err != nil {
		return -1, fmt.Errorf("look up callback peer: read %s: %w", table, err)
	}
	return -1, fmt.Errorf("look up callback peer %s: not in %s", remote, table)
}

// procNetAddr writes addr as /proc/net/tcp{,6} does: each 32-bit word of
// the address in host byte order, then the port, in upper-case hex.
func procNetAddr(addr *net.TCPAddr) string {
	ip := addr.IP.To4()
	if ip == nil {
		ip = addr.IP.To16()
	}
	var b strings.Builder
	for i := 0; i+4 <= len(ip); i += 4 {
		fmt.Fprintf(&b, "%08X", binary.NativeEndian.Uint32(ip[i:i+4]))
	}
	fmt.Fprintf(&b, ":%04X", addr.Port)
	return b.String()
}

// callbackPeerCheck says whether this platform can tell who connected.
const callbackPeerCheck = true
