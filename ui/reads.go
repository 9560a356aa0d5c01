package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/tokentray/tokentray/platform/socket"
)

// lastReadText is the card's line about the newest read: "last read 12 s
// ago by curl (pid 4242)", or "" when nobody read the token yet.
func lastReadText(r *socket.Read, now time.Time) string {
	if r == nil {
		return ""
	}
	ago := now.Sub(r.Time)
	if ago < 0 {
		ago = 0
	}
	return fmt.Sprintf("last read %s ago by %s", socket.FormatTimeLeft(ago), readerName(*r))
}

// readerName names a reader the way a person knows it: the program's file
// name and its pid.
func readerName(r socket.Read) string {
	name := filepath.Base(r.Exe)
	if r.Exe == "" {
		name = "unknown program"
	}
	if r.PID == 0 {
		return name
	}
	return fmt.Sprintf("%s (pid %d)", name, r.PID)
}

// readsText is the read log as lines, newest first.
func readsText(reads []socket.Read) string {
	if len(reads) == 0 {
		return "Nobody has read this token since tokentray started."
	}
	var b strings.Builder
	for _, r := range reads {
		refreshed := ""
		if r.Refreshed {
			refreshed = " — refreshed first"
		}
		fmt.Fprintf(&b, "%s  %s  uid %d%s\n    %s\n", r.Time.Local().Format("15:04:05"), readerName(r), r.UID, refreshed, r.Cmdline)
	}
	return strings.TrimRight(b.String(), "\n")
}

// showReads asks the host for env's read log and shows it in a dialog.
func (w *window) showReads(env string) {
	var reads []socket.Read
	w.background(func(ctx context.Context) (err error) {
		reads, err = w.client.Reads(ctx, env)
		return err
	}, func(err error) {
		if err != nil {
			w.fail("Reads of "+env, env, err)
			return
		}
		text := widget.NewLabel(readsText(reads))
		text.Wrapping = fyne.TextWrapWord
		scroll := container.NewVScroll(text)
		scroll.SetMinSize(fyne.NewSize(560, 320))
		dialog.ShowCustom("Who read "+env, "Close", scroll, w.win)
	})
}
