package platform

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWindowExecutableBesideTokentrayComesFirst(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix file modes")
	}
	bin, libexec := t.TempDir(), t.TempDir()
	self := filepath.Join(bin, "tokentray")
	for _, p := range []string{filepath.Join(bin, "tokentray-window"), filepath.Join(libexec, "tokentray-window")} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := findWindowExecutable(self, libexec)
	if err != nil || got != filepath.Join(bin, "tokentray-window") {
		t.Fatalf("found %q, %v; want the one beside tokentray", got, err)
	}
	// A package that keeps it in its libexec folder (/usr/lib/tokentray).
	os.Remove(filepath.Join(bin, "tokentray-window"))
	got, err = findWindowExecutable(self, libexec)
	if err != nil || got != filepath.Join(libexec, "tokentray-window") {
		t.Fatalf("found %q, %v; want the one in the libexec folder", got, err)
	}
}

func TestMissingWindowExecutableSaysWhereItLooked(t *testing.T) {
	bin, libexec := t.TempDir(), t.TempDir()
	// Not executable: not taken.
	if err := os.WriteFile(filepath.Join(libexec, "tokentray-window"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := findWindowExecutable(filepath.Join(bin, "tokentray"), libexec)
	if err == nil {
		t.Fatal("found a window that is not there")
	}
	for _, want := range []string{filepath.Join(bin, "tokentray-window"), filepath.Join(libexec, "tokentray-window"), "make build"} {
		if runtime.GOOS != "windows" && !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
