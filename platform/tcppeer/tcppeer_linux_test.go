package tcppeer

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// accept listens on addr, dials it with network and returns both ends.
func accept(t *testing.T, listenAddr, network, dialAddr string) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		t.Skipf("listen %s: %v", listenAddr, err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if network == "mapped" {
		client = dialMapped(t, port)
	} else if client, err = net.Dial(network, net.JoinHostPort(dialAddr, strconv.Itoa(port))); err != nil {
		t.Skipf("dial %s %s: %v", network, dialAddr, err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server, client
}

// dialMapped connects an IPv6 socket to 127.0.0.1:port through its
// IPv4-mapped address, as dual-stack clients (Java's) do; Go's dialer
// would use an IPv4 socket.
func dialMapped(t *testing.T, port int) net.Conn {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("no IPv6 sockets: %v", err)
	}
	sa := &syscall.SockaddrInet6{Port: port, Addr: [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}}
	if err := syscall.Connect(fd, sa); err != nil {
		syscall.Close(fd)
		t.Skipf("connect to the mapped address: %v", err)
	}
	f := os.NewFile(uintptr(fd), "mapped")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLookupFindsTheUserAndProcessThatConnected(t *testing.T) {
	for _, tc := range []struct{ name, listen, network, dial string }{
		{"ipv4", "127.0.0.1:0", "tcp4", "127.0.0.1"},
		{"ipv6", "[::1]:0", "tcp6", "::1"},
		// An IPv6 socket connected to 127.0.0.1 is listed in tcp6 with
		// the IPv4-mapped address, the listener's end in tcp.
		{"ipv6 socket to an ipv4 listener", "127.0.0.1:0", "mapped", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, _ := accept(t, tc.listen, tc.network, tc.dial)
			c, err := Lookup(server)
			if err != nil {
				t.Fatal(err)
			}
			if c.Theirs.UID != uint32(os.Getuid()) || c.Theirs.Inode == 0 || c.Ours.Inode == 0 {
				t.Fatalf("Lookup = %+v, want both ends with inodes and uid %d", c, os.Getuid())
			}
			pid, err := OwnerPID(c.Theirs.Inode, c.Theirs.UID)
			if err != nil || pid != int32(os.Getpid()) {
				t.Errorf("OwnerPID = %d, %v; want this process %d", pid, err, os.Getpid())
			}
			if !Holds(int32(os.Getpid()), c.Ours.Inode) {
				t.Error("Holds: this process does not hold its own end")
			}
			if p, err := Pair(c.Ours.Inode, c.Theirs.Inode); err != nil || p != c {
				t.Errorf("Pair = %+v, %v; want %+v", p, err, c)
			}
		})
	}
}

func TestPairRefusesSocketsOfTwoConnections(t *testing.T) {
	a, _ := accept(t, "127.0.0.1:0", "tcp4", "127.0.0.1")
	b, _ := accept(t, "127.0.0.1:0", "tcp4", "127.0.0.1")
	ca, err := Lookup(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Lookup(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Pair(ca.Ours.Inode, cb.Theirs.Inode); err == nil {
		t.Error("Pair took the ends of two connections for one")
	}
	if _, err := Pair(ca.Ours.Inode, 1<<62); err == nil {
		t.Error("Pair took a socket that does not exist")
	}
}

func TestLookupNamesAnotherUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to connect as another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		t.Skip("no runuser")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// bash's /dev/tcp holds the connection open until stdin closes.
	cmd := exec.Command("runuser", "-u", "nobody", "--", "bash", "-c", "exec 3<>/dev/tcp/"+ln.Addr().(*net.TCPAddr).IP.String()+"/"+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)+"; echo ok; read _")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ok\n" {
		t.Fatalf("nobody did not connect: %q", line)
	}
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	c, err := Lookup(server)
	if err != nil {
		t.Fatal(err)
	}
	if strconv.Itoa(int(c.Theirs.UID)) != nobody.Uid {
		t.Errorf("the peer's uid is %d, want nobody's %s", c.Theirs.UID, nobody.Uid)
	}
	pid, err := OwnerPID(c.Theirs.Inode, c.Theirs.UID)
	if err != nil {
		t.Fatal(err)
	}
	if exe, _ := os.Readlink("/proc/" + strconv.Itoa(int(pid)) + "/exe"); exe != "/usr/bin/bash" && exe != "/bin/bash" {
		t.Errorf("the peer's process %d is %q, want bash", pid, exe)
	}
}
