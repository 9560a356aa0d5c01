package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCommandsLinkNoFyne: every package this executable links runs its
// init before main, in every command. Fyne (and GL through it) belongs to
// tokentray-window alone.
func TestCommandsLinkNoFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "fyne.io/fyne/") || strings.HasPrefix(pkg, "github.com/go-gl/") ||
			pkg == "github.com/tokentray/tokentray/ui" {
			t.Errorf("tokentray links %s", pkg)
		}
	}
}
