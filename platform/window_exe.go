package platform

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The window is an executable of its own (cmd/tokentray-window), so that
// tokentray links no Fyne. It ships beside tokentray (bin/ of `make build`,
// /usr/bin of a package, Contents/MacOS of the macOS bundle, the folder of
// the Windows zip) or in the package's libexec folder.

// WindowAddForm is the flag of tokentray-window that opens it on the Add
// environment form (the tray's "Add environment…", `tokentray window --add`).
const WindowAddForm = "add"

// WindowLibexecDir is where a Linux package may put tokentray-window
// instead of beside tokentray.
const WindowLibexecDir = "/usr/lib/tokentray"

// WindowExecutable finds tokentray-window for the running tokentray:
// beside its executable, else (Linux) in WindowLibexecDir. The error of a
// missing one names every place it looked.
func WindowExecutable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find tokentray-window: %w", err)
	}
	var more []string
	if runtime.GOOS == "linux" {
		more = append(more, WindowLibexecDir)
	}
	return findWindowExecutable(self, more...)
}

// findWindowExecutable looks for the window beside self, then in dirs.
func findWindowExecutable(self string, dirs ...string) (string, error) {
	name := "tokentray-window"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	var looked []string
	for _, dir := range append([]string{filepath.Dir(self)}, dirs...) {
		p := filepath.Join(dir, name)
		looked = append(looked, p)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && (runtime.GOOS == "windows" || st.Mode()&0o111 != 0) {
			return p, nil
		}
	}
	return "", fmt.Errorf("the window's executable is missing: no %s (install tokentray-window beside tokentray; `make build` puts both in bin/)",
		strings.Join(looked, ", no "))
}
