//go:build linux

package platform

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The host's clipboard on a real X server (scripts/testenv.sh's Xvfb),
// read back with xclip as any other program would.

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
