package platform

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// ErrNoBrowser means there is no command to open a browser with.
var ErrNoBrowser = errors.New("no browser found: set $BROWSER or install xdg-utils (xdg-open), or open the URL by hand")

// OpenBrowser opens rawURL (http or https only) in the user's browser: the
// first command of $BROWSER found on PATH, else the desktop's opener
// (xdg-open, open, or the Windows URL handler). The browser is started
// detached and OpenBrowser returns at once; it does not wait for it.
func OpenBrowser(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Also keeps a URL from being read as a command-line option.
		return errors.New("open browser: not an http(s) URL")
	}
	name, args, err := browserCommand(rawURL)
	if err != nil {
		return err
	}
	cmd := exec.Command(name, args...)
	detach(cmd) // the browser must outlive tokentray and ignore its Ctrl-C
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open browser with %s: %w", name, err)
	}
	go cmd.Wait() //nolint:errcheck // only reaps the process; it may outlive us
	return nil
}

// browserCommand picks the command line that opens u.
func browserCommand(u string) (name string, args []string, err error) {
	// $BROWSER is a colon-separated list of commands; "%s" in one stands for
	// the URL, otherwise the URL is its last argument.
	for _, entry := range strings.Split(os.Getenv("BROWSER"), ":") {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		path, err := exec.LookPath(fields[0])
		if err != nil {
			continue
		}
		args, replaced := fields[1:], false
		for i, a := range args {
			if strings.Contains(a, "%s") {
				args[i], replaced = strings.ReplaceAll(a, "%s", u), true
			}
		}
		if !replaced {
			args = append(args, u)
		}
		return path, args, nil
	}

	var opener []string
	switch runtime.GOOS {
	case "darwin":
		opener = []string{"open"}
	case "windows":
		opener = []string{"rundll32", "url.dll,FileProtocolHandler"}
	default:
		opener = []string{"xdg-open"}
	}
	path, err := exec.LookPath(opener[0])
	if err != nil {
		return "", nil, ErrNoBrowser
	}
	return path, append(opener[1:], u), nil
}
