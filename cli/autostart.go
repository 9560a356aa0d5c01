package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

// startWait is how long a command waits for the tokentray it started.
const startWait = 5 * time.Second

// commandClient is the client of a command that needs a running
// tokentray: one is started when none answers (startOnDemand), unless
// TOKENTRAY_NO_AUTOSTART=1.
func (c *cli) commandClient(timeout time.Duration) *socket.Client {
	cl := c.client(timeout)
	if os.Getenv("TOKENTRAY_NO_AUTOSTART") != "1" {
		cl.StartWhenNotRunning(c.startOnDemand)
	}
	return cl
}

// startOnDemand starts a tokentray in the background, as gpg-agent is
// started: the desktop app hidden in the tray in a graphical session (a
// display and a session bus), `tokentray daemon` otherwise; detached from
// this command, logging to $XDG_STATE_HOME/tokentray/tokentray.log. The
// lock beside the socket makes commands that race start one; each waits
// up to startWait for it to answer.
func (c *cli) startOnDemand(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	path := c.socketPath()
	release, err := socket.LockStart(ctx, path)
	if err != nil {
		return &socket.StartError{Err: fmt.Errorf("no running tokentray on %s, and none could be started: %w", path, err)}
	}
	defer release()
	if socket.Answering(ctx, path) {
		return nil // another command started it while this one waited
	}
	exe, err := os.Executable()
	if err != nil {
		return &socket.StartError{Err: fmt.Errorf("no running tokentray on %s, and none could be started: %w", path, err)}
	}
	args := []string{"daemon"}
	if graphicalSession() {
		args = []string{"--hidden"}
	}
	args = append(args, "--config", c.configPath(), "--socket", path)
	logPath := platform.StatePath("tokentray.log")
	logged := fileSize(logPath)
	pid, exited, err := platform.StartDetached(exe, args, logPath)
	if err != nil {
		return &socket.StartError{Err: fmt.Errorf("no running tokentray on %s, and starting one failed: %w", path, err)}
	}
	failed := func(what string) error {
		why := lastLine(logPath, logged)
		if why == "" {
			why = "see " + logPath
		}
		return &socket.StartError{Err: fmt.Errorf("started `tokentray %s` (pid %d), but it %s: %s", args[0], pid, what, why)}
	}
	for !socket.Answering(ctx, path) {
		select {
		case <-exited:
			return failed("did not answer: it stopped")
		case <-ctx.Done():
			return failed(fmt.Sprintf("did not answer on %s within %s", path, startWait))
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// graphicalSession: a display to show a tray and window on, and a session
// bus for the tray, notifications and the keychain.
func graphicalSession() bool {
	return (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "") && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// lastLine is the last non-empty line written to the log at path after
// offset: why the started tokentray did not come up.
func lastLine(path string, offset int64) string {
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) <= offset {
		return ""
	}
	var last string
	sc := bufio.NewScanner(bytes.NewReader(data[offset:]))
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			last = string(line)
		}
	}
	return last
}
