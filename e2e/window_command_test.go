//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// `tokentray window` runs tokentray-window from beside itself, in its own
// place (the same process, exec), with the same flags.
func TestWindowCommandRunsTokentrayWindowInItsPlace(t *testing.T) {
	requireDesktop(t)
	h := newHome(t)
	h.writeConfig("")
	h.startDaemon()
	cmd := exec.Command(binary, "window")
	cmd.Env = h.environ("DISPLAY=" + os.Getenv("DISPLAY"))
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitFor(t, "the window", 15*time.Second, func() bool { return visibleWindow("tokentray") != "" })
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid))
	if err != nil || exe != windowBinary {
		t.Fatalf("`tokentray window` (pid %d) runs %q (%v), want %s\n%s", cmd.Process.Pid, exe, err, windowBinary, logs.String())
	}
	if !isWindowProcess(cmd.Process.Pid) {
		t.Errorf("the window's command line does not start with tokentray-window")
	}
}

// Without tokentray-window beside it, `tokentray window` says where it
// looked, in one line, and exits 1.
func TestWindowCommandSaysWhereItLookedForTheWindow(t *testing.T) {
	h := newHome(t)
	alone := filepath.Join(t.TempDir(), "tokentray")
	copyFile(t, binary, alone, 0o755)
	cmd := exec.Command(alone, "window")
	cmd.Env = h.environ()
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1: %s", err, out)
	}
	h.wantFailure(result{code: 1, stderr: string(out)}, 1, "no "+filepath.Join(filepath.Dir(alone), "tokentray-window")+", no /usr/lib/tokentray/tokentray-window")
}
