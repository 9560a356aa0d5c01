package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"
	"github.com/tokentray/tokentray/platform/socket"
)

// updateLogin shows where to authorize while the engine waits for the user:
// the device flow's code with a QR code to scan, or the browser link again.
// It is rebuilt only when the login changes.
func (c *card) updateLogin(s socket.Status) {
	key := ""
	if s.State == socket.StateAuthorizing && s.Login != nil && s.Login.UserCode != "" {
		key = s.Login.AuthorizationURL + "|" + s.Login.UserCode + "|" + s.Login.VerificationURI
	}
	if key == c.loginKey {
		return
	}
	c.loginKey = key
	c.login.Objects = nil
	if key != "" {
		c.login.Objects = c.loginObjects(*s.Login)
	}
	c.login.Refresh()
}

func (c *card) loginObjects(l socket.LoginInfo) []fyne.CanvasObject {
	copyText := func(text string) func() {
		return func() {
			if c.actions.CopyText != nil {
				c.actions.CopyText(text)
			}
		}
	}
	if l.UserCode != "" {
		uri := l.VerificationURI
		code := canvas.NewText(l.UserCode, theme.Color(theme.ColorNameForeground))
		code.TextSize = 2 * theme.TextSize()
		code.TextStyle = fyne.TextStyle{Monospace: true}
		objs := []fyne.CanvasObject{
			selectable("Open " + uri + " on any device and enter this code:"),
			container.NewHBox(code, widget.NewButtonWithIcon(labelCopyCode, theme.ContentCopyIcon(), copyText(l.UserCode))),
		}
		target := l.VerificationURIComplete
		if target == "" {
			target = uri
		}
		if qr := qrImage(target); qr != nil {
			objs = append(objs, container.NewHBox(qr))
		}
		return objs
	}
	// The browser flow: the card's buttons open the page again or copy the
	// link, and the countdown says how long the login waits.
	return nil
}

// qrImage draws text as a QR code, or nil when it does not fit one.
func qrImage(text string) fyne.CanvasObject {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil
	}
	img := canvas.NewImageFromImage(q.Image(256))
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScalePixels
	img.SetMinSize(fyne.NewSize(160, 160))
	return img
}

func selectable(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Selectable = true
	l.Wrapping = fyne.TextWrapWord
	return l
}
