//go:build linux

package server

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
)

// process is what /proc says of a process; what cannot be read (it has
// exited, or hides behind hidepid) is left empty.
type process struct {
	exe, cmdline string
	ppid         int32
	session      string // the kernel's audit session id, "" when none
}

// processInfo reads pid's executable path, command line (arguments
// joined by spaces), parent and login session from /proc.
func processInfo(pid int32) process {
	dir := "/proc/" + strconv.Itoa(int(pid))
	var p process
	// A process whose binary was replaced shows "path (deleted)"; keep it
	// as the kernel says it.
	p.exe, _ = os.Readlink(dir + "/exe")
	if f, err := os.Open(dir + "/cmdline"); err == nil {
		// Read a little more than is kept: the rest is cut anyway.
		b, _ := io.ReadAll(io.LimitReader(f, 4*maxCmdline))
		f.Close()
		b = bytes.TrimRight(b, "\x00")
		p.cmdline = strings.ReplaceAll(string(b), "\x00", " ")
	}
	if b, err := os.ReadFile(dir + "/stat"); err == nil {
		// "pid (comm) state ppid ...": comm may hold spaces and ')'.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			if f := strings.Fields(string(b[i+1:])); len(f) > 1 {
				n, _ := strconv.ParseInt(f[1], 10, 32)
				p.ppid = int32(n)
			}
		}
	}
	// The audit session id is inherited and cannot be changed by the
	// process, so it tells one login from another (an ssh login);
	// 4294967295 is "unset".
	if b, err := os.ReadFile(dir + "/sessionid"); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" && s != "4294967295" {
			p.session = s
		}
	}
	return p
}
