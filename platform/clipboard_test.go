//go:build linux

package platform

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The host's clipboard on a real X server, read back with xclip as any
// other program would. The X server is this package's own Xvfb, not the
// session's: go test runs packages side by side, and the e2e desktop test
// copies to the session's clipboard at the same time.

func TestMain(m *testing.M) {
	privateDisplay()
	os.Exit(m.Run())
}

// privateDisplay starts an Xvfb of our own and points DISPLAY at it, when
// a display was there to begin with (scripts/testenv.sh) and Xvfb is
// installed. Xvfb ends with the test process (Pdeathsig), not before it:
// the clipboard library keeps a connection open, and Xlib exits the
// process when its server goes away.
func privateDisplay() {
	if os.Getenv("DISPLAY") == "" {
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	xvfb.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := xvfb.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "clipboard tests use the session's display:", err)
		return
	}
	w.Close()
	display, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		panic(fmt.Sprintf("Xvfb did not say its display: %v", err))
	}
	os.Setenv("DISPLAY", ":"+strings.TrimSpace(display))
}

func requireX(t *testing.T) *Clipboard {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY: run under scripts/testenv.sh")
	}
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Skip("xclip not installed")
	}
	c, err := NewClipboard()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readX(t *testing.T) string {
	t.Helper()
	out, _ := exec.Command("xclip", "-selection", "clipboard", "-o").Output()
	return string(out)
}

func waitX(t *testing.T, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if readX(t) == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("clipboard = %q, want %q", readX(t), want)
}

func TestCopiedSecretIsClearedAfterTheDelay(t *testing.T) {
	c := requireX(t)
	defer c.Close()
	if err := c.CopySecret("secret-1", time.Second); err != nil {
		t.Fatal(err)
	}
	waitX(t, "secret-1", 2*time.Second)
	waitX(t, "", 3*time.Second)
}

func TestClipboardKeepsWhatTheUserCopiedMeanwhile(t *testing.T) {
	c := requireX(t)
	defer c.Close()
	if err := c.CopySecret("secret-2", time.Second); err != nil {
		t.Fatal(err)
	}
	waitX(t, "secret-2", 2*time.Second)
	cmd := exec.Command("xclip", "-selection", "clipboard", "-i")
	cmd.Stdin = strings.NewReader("users-own")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if got := readX(t); got != "users-own" {
		t.Errorf("clipboard = %q: the clear took away what the user copied", got)
	}
}

func TestASecondCopyRestartsTheDelayAndCloseClears(t *testing.T) {
	c := requireX(t)
	if err := c.CopySecret("first", 800*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := c.CopySecret("second", time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond) // past the first copy's clear
	if got := readX(t); got != "second" {
		t.Fatalf("clipboard = %q: the first copy's timer cleared the second", got)
	}
	c.Close()
	waitX(t, "", 2*time.Second)
}
