package host

import (
	"net"

	"golang.org/x/sys/unix"
)

// socketPair is a connected pair of stream sockets, close-on-exec: only
// the child that is handed one end (ExtraFiles) inherits it.
func socketPair() ([2]int, error) {
	return unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
}

// passCredentials makes the kernel stamp every write that arrives on fd
// with the pid of the process that wrote it (SO_PASSCRED).
func passCredentials(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
}

// senderOnly is the host's end of the window channel that reads only what
// process pid (the window child) wrote. Another process of the user that
// took a copy of the child's descriptor (pidfd_getfd(2), in the
// milliseconds before the child made itself non-dumpable) can write into
// the socket too; its bytes carry its own pid, which it cannot forge, and
// are dropped. With SO_PASSCRED the kernel never joins the writes of two
// processes in one read.
type senderOnly struct {
	*net.UnixConn
	pid int32
	oob []byte
}

// onlyFrom wraps the host's end of the channel so that it reads only what
// pid wrote.
func onlyFrom(conn *net.UnixConn, pid int) *senderOnly {
	return &senderOnly{UnixConn: conn, pid: int32(pid), oob: make([]byte, unix.CmsgSpace(unix.SizeofUcred))}
}

func (s *senderOnly) Read(p []byte) (int, error) {
	for {
		n, oobn, _, _, err := s.ReadMsgUnix(p, s.oob)
		if n > 0 && !s.fromWindow(s.oob[:oobn]) {
			if err != nil {
				return 0, err
			}
			continue // another writer: not an answer
		}
		return n, err
	}
}

// fromWindow reports whether the control message names the window's pid.
func (s *senderOnly) fromWindow(oob []byte) bool {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return false
	}
	for _, m := range msgs {
		if cred, err := unix.ParseUnixCredentials(&m); err == nil {
			return cred.Pid == s.pid
		}
	}
	return false
}
