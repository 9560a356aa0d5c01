// Command desktop_baseline is the smallest Fyne app with a tray menu and a
// hidden window. desktop_test.go measures it next to tokentray to tell
// Fyne's own idle cost (its event loop wakes 60 times a second, window or
// not) from tokentray's.
package main

import (
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.example.baseline")
	w := a.NewWindow("baseline")
	w.SetContent(widget.NewLabel("hello"))
	if desk, ok := a.(desktop.App); ok {
		desk.SetSystemTrayMenu(fyne.NewMenu("baseline", fyne.NewMenuItem("Show", w.Show)))
	}
	if os.Getenv("SHOW") == "1" {
		w.Show()
	}
	a.Run()
}
