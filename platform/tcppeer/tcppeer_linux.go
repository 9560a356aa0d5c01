package tcppeer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Supported says whether this platform can tell who connected.
const Supported = true

// tables are the kernel's TCP socket tables. A client's socket may be in
// either whatever the listener's family: an IPv6 socket connected to
// 127.0.0.1 is listed in tcp6 with the IPv4-mapped address.
var tables = []string{"/proc/net/tcp", "/proc/net/tcp6"}

// Lookup finds both ends of c, a connection this process accepted on a
// loopback listener.
func Lookup(c net.Conn) (Conn, error) {
	local, lok := c.LocalAddr().(*net.TCPAddr)
	remote, rok := c.RemoteAddr().(*net.TCPAddr)
	if !lok || !rok {
		return Conn{}, fmt.Errorf("not a TCP connection (%s)", c.RemoteAddr())
	}
	ours, theirs := local.AddrPort(), remote.AddrPort()
	ours = netip.AddrPortFrom(ours.Addr().Unmap(), ours.Port())
	theirs = netip.AddrPortFrom(theirs.Addr().Unmap(), theirs.Port())
	// A flood makes the table long: look at lines naming both ports only.
	ports := [][]byte{portHex(ours.Port()), portHex(theirs.Port())}
	var found Conn
	var haveOurs, haveTheirs bool
	err := scan(func(line []byte) bool {
		return bytes.Contains(line, ports[0]) && bytes.Contains(line, ports[1])
	}, func(s Socket) bool {
		switch {
		case s.Local == ours && s.Remote == theirs:
			found.Ours, haveOurs = s, true
		case s.Local == theirs && s.Remote == ours:
			found.Theirs, haveTheirs = s, true
		}
		return haveOurs && haveTheirs
	})
	if err != nil {
		return Conn{}, err
	}
	if !haveTheirs {
		return Conn{}, fmt.Errorf("the socket of %s is not in the kernel's table (it closed)", theirs)
	}
	if found.Theirs.Inode == 0 {
		return Conn{}, fmt.Errorf("the socket of %s has no owner any more", theirs)
	}
	return found, nil
}

// Pair finds the sockets with inodes ours and theirs and checks that they
// are the two ends of one connection.
func Pair(ours, theirs uint64) (Conn, error) {
	if ours == 0 || theirs == 0 {
		return Conn{}, errors.New("no socket has inode 0")
	}
	want := [][]byte{[]byte(" " + strconv.FormatUint(ours, 10) + " "), []byte(" " + strconv.FormatUint(theirs, 10) + " ")}
	var found Conn
	var haveOurs, haveTheirs bool
	err := scan(func(line []byte) bool {
		return bytes.Contains(line, want[0]) || bytes.Contains(line, want[1])
	}, func(s Socket) bool {
		switch s.Inode {
		case ours:
			found.Ours, haveOurs = s, true
		case theirs:
			found.Theirs, haveTheirs = s, true
		}
		return haveOurs && haveTheirs
	})
	if err != nil {
		return Conn{}, err
	}
	if !haveOurs || !haveTheirs {
		return Conn{}, fmt.Errorf("sockets %d and %d are not both open", ours, theirs)
	}
	if found.Ours.Local != found.Theirs.Remote || found.Ours.Remote != found.Theirs.Local {
		return Conn{}, fmt.Errorf("sockets %d and %d are not the two ends of one connection", ours, theirs)
	}
	return found, nil
}

// scan reads the tables, parsing the lines keep accepts, until found
// says it has what it wants.
func scan(keep func(line []byte) bool, found func(Socket) bool) error {
	for _, table := range tables {
		f, err := os.Open(table)
		if errors.Is(err, os.ErrNotExist) {
			continue // no IPv6 in this kernel
		}
		if err != nil {
			return fmt.Errorf("read the kernel's TCP table: %w", err)
		}
		sc := bufio.NewScanner(f)
		done := false
		for !done && sc.Scan() {
			if !keep(sc.Bytes()) {
				continue
			}
			if s, ok := parseLine(sc.Bytes()); ok {
				done = found(s)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		if done {
			return nil
		}
	}
	return nil
}

// parseLine reads one line of a table:
// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
func parseLine(line []byte) (Socket, bool) {
	fields := strings.Fields(string(line))
	if len(fields) < 10 {
		return Socket{}, false
	}
	local, lok := parseAddr(fields[1])
	remote, rok := parseAddr(fields[2])
	uid, uerr := strconv.ParseUint(fields[7], 10, 32)
	inode, ierr := strconv.ParseUint(fields[9], 10, 64)
	if !lok || !rok || uerr != nil || ierr != nil {
		return Socket{}, false
	}
	return Socket{Local: local, Remote: remote, UID: uint32(uid), Inode: inode}, true
}

// parseAddr reads an address as the tables write it: each 32-bit word of
// the address in host byte order, a colon, the port, in hex.
func parseAddr(s string) (netip.AddrPort, bool) {
	addrHex, portText, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(addrHex)
	port, perr := strconv.ParseUint(portText, 16, 16)
	if !ok || err != nil || perr != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.NativeEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), true
}

// portHex is how a line writes a port: ":1F90 ".
func portHex(port uint16) []byte { return fmt.Appendf(nil, ":%04X ", port) }

// Bounds of OwnerPID's search: a desktop runs a few hundred processes.
const (
	maxProcesses = 8192
	searchTime   = 500 * time.Millisecond
)

// OwnerPID finds the process that holds the socket with inode, among the
// processes of uid (the table's owner of the socket). A socket passed to
// several processes is held by each; the first found is returned.
func OwnerPID(inode uint64, uid uint32) (int32, error) {
	dir, err := os.Open("/proc")
	if err != nil {
		return 0, err
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return 0, err
	}
	want := "socket:[" + strconv.FormatUint(inode, 10) + "]"
	deadline := time.Now().Add(searchTime)
	for i, name := range names {
		if i >= maxProcesses || time.Now().After(deadline) {
			return 0, fmt.Errorf("the process holding socket %d was not found among the first %d processes", inode, i)
		}
		pid, err := strconv.ParseInt(name, 10, 32)
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+name, &st) != nil || st.Uid != uid {
			continue
		}
		if holds(name, want) {
			return int32(pid), nil
		}
	}
	return 0, fmt.Errorf("no process of uid %d holds socket %d (it closed)", uid, inode)
}

// Holds reports whether process pid holds the socket with inode.
func Holds(pid int32, inode uint64) bool {
	return holds(strconv.Itoa(int(pid)), "socket:["+strconv.FormatUint(inode, 10)+"]")
}

func holds(pid, want string) bool {
	fdDir := "/proc/" + pid + "/fd/"
	d, err := os.Open(fdDir)
	if err != nil {
		return false // gone, or not ours to read
	}
	fds, _ := d.Readdirnames(-1)
	d.Close()
	for _, fd := range fds {
		if target, err := os.Readlink(fdDir + fd); err == nil && target == want {
			return true
		}
	}
	return false
}
