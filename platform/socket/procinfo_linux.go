//go:build linux

package socket

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
)

// processInfo reads the executable path and the command line (arguments
// joined by spaces) of pid from /proc. What cannot be read (the process
// has exited, or hides behind hidepid) is "".
func processInfo(pid int32) (exe, cmdline string) {
	dir := "/proc/" + strconv.Itoa(int(pid))
	exe, _ = os.Readlink(dir + "/exe")
	// A process whose binary was replaced shows "path (deleted)"; keep it
	// as the kernel says it.
	if f, err := os.Open(dir + "/cmdline"); err == nil {
		// Read a little more than is kept: the rest is cut anyway.
		b, _ := io.ReadAll(io.LimitReader(f, 4*maxCmdline))
		f.Close()
		b = bytes.TrimRight(b, "\x00")
		cmdline = strings.ReplaceAll(string(b), "\x00", " ")
	}
	return exe, cmdline
}
