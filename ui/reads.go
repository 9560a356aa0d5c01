package ui

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/tokentray/tokentray/config"
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

// readColumns are the Reads dialog's columns, as `tokentray reads` names
// them, and the share of the width each gets.
var readColumns = []struct {
	title string
	width float32
}{{"TIME", 0.15}, {"READS", 0.1}, {"PROGRAM", 0.35}, {"VIA", 0.23}, {"REFRESHED", 0.17}}

// columns lays its objects out side by side, each given its column's
// share of the width, all as high as the highest.
type columns struct{}

func (columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width += m.Width
		s.Height = max(s.Height, m.Height)
	}
	return s
}

func (columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, o := range objs {
		w := size.Width * readColumns[i].width
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

// readsView is the read log, newest first: a row per entry with how many
// reads it counts and how the token left (VIA), and under it the
// program's command line, cut with "…" and shown whole when pointed at.
// relayout is called when a line changes height.
func readsView(reads []socket.Read, relayout func()) fyne.CanvasObject {
	if len(reads) == 0 {
		return widget.NewLabel("Nobody has read this token since tokentray started.")
	}
	head := container.New(columns{})
	for _, c := range readColumns {
		head.Add(widget.NewLabelWithStyle(c.title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	rows := container.NewVBox(head)
	cell := func(text string) *hoverLabel {
		l := newHoverLabel()
		l.setText(text)
		l.onResize = relayout
		return l
	}
	for _, r := range reads {
		refreshed := "no"
		if r.Refreshed {
			refreshed = "yes"
		}
		row := container.New(columns{},
			cell(r.Time.Local().Format("15:04:05")),
			cell(strconv.Itoa(max(r.Count, 1))),
			cell(config.Printable(readerName(r), 0)),
			cell(cmp.Or(config.Printable(socket.ReadVia(r), 0), "-")),
			cell(refreshed))
		cmdline := cell(cmp.Or(config.Printable(socket.ShortCmdline(r.Exe, r.Cmdline), 0), "(no command line)"))
		cmdline.Importance = widget.LowImportance
		rows.Add(container.NewVBox(widget.NewSeparator(), row, cmdline))
	}
	return rows
}

// showReads asks the host for env's read log and shows it in a dialog;
// Escape closes it.
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
		var scroll *container.Scroll
		scroll = container.NewVScroll(readsView(reads, func() { scroll.Content.Refresh(); scroll.Refresh() }))
		scroll.SetMinSize(fyne.NewSize(640, 360))
		d := dialog.NewCustom("Who read "+env, "Close", scroll, w.win)
		closeOnEscape(w.win.Canvas(), d)
		d.Show()
	})
}
