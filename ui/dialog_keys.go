package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// closeOnEscape makes Escape close d while it is open when no focused
// field takes the key itself (nothing focused, a button focused): the
// form's fields close it on their own (formEntry, formSelect). The
// window's keys come back when d closes.
func closeOnEscape(c fyne.Canvas, d dialog.Dialog) {
	before := c.OnTypedKey()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			d.Hide()
			return
		}
		if before != nil {
			before(k)
		}
	})
	d.SetOnClosed(func() { c.SetOnTypedKey(before) })
}
