package ui

import (
	"cmp"
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// The guard's question in the window: when the host started this window
// it passed a private channel (guard_channel_*.go, a socket) on which it
// asks the same question as in its notification. The answer goes back on that
// channel only; nothing on the socket can approve a read.

// labelGuardDeny is the guard question's No; its Yes is the host's label
// (GuardQuestion.Allow): "Allow for 15 min" with guard_window = "15m", a
// plain "Allow" for a change, which approves nothing for later.
const labelGuardDeny = "Deny"

// guardDialog is one question on screen.
type guardDialog struct {
	q     socket.GuardQuestion
	d     *dialog.CustomDialog
	left  *widget.Label
	ended bool
}

// watchGuardQuestions shows the questions the host sends on ch and
// writes the answers back on it, until ch ends (the host closed it) or
// stop closes it.
func (w *window) watchGuardQuestions(ch io.ReadWriteCloser) {
	w.guard = ch
	w.guardQs = map[uint64]*guardDialog{}
	w.guardReads.Add(1)
	go func() {
		defer w.guardReads.Done()
		_ = socket.ReadGuardQuestions(ch, func(q socket.GuardQuestion) {
			w.onMain(func() { w.guardMessage(q) })
		})
	}()
}

// guardMessage shows a question, or takes one away that was answered
// elsewhere or timed out.
func (w *window) guardMessage(q socket.GuardQuestion) {
	if q.Done {
		if gd := w.guardQs[q.ID]; gd != nil {
			gd.ended = true
			delete(w.guardQs, q.ID)
			w.dropConfirm(gd.d)
			gd.d.Hide()
		}
		return
	}
	if _, ok := w.guardQs[q.ID]; ok {
		return
	}
	gd := &guardDialog{q: q}
	reader := config.Printable(q.Reader, 80)
	env := config.Printable(q.Env, 80)
	body := fmt.Sprintf("%s asks for the access token of %s, which is guarded.", reader, env)
	if q.Summary != "" { // the title says what is asked: a read, a sign-out, a change
		body = fmt.Sprintf("%s is guarded: %s waits for your answer.", env, reader)
	}
	msg := widget.NewLabel(body)
	msg.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(msg)
	if q.Command != "" {
		cmd := widget.NewLabel("Command: " + config.Printable(q.Command, 200))
		cmd.Wrapping = fyne.TextWrapWord
		content.Add(cmd)
	}
	gd.left = widget.NewLabel("")
	content.Add(gd.left)
	title := config.Printable(q.Summary, 160)
	if title == "" {
		title = fmt.Sprintf("Allow %s to read the token of %s?", reader, env)
	}
	allow := cmp.Or(config.Printable(q.Allow, 40), "Allow")
	gd.d = dialog.NewCustomWithoutButtons(title, content, w.win)
	gd.d.SetButtons([]fyne.CanvasObject{
		widget.NewButton(labelGuardDeny, func() { w.answerGuard(gd, false) }),
		&widget.Button{Text: allow, Importance: widget.HighImportance, OnTapped: func() { w.answerGuard(gd, true) }},
	})
	// Escape is Deny; a dialog closed any other way says nothing and the
	// notification (or the timeout) decides.
	gd.d.SetOnClosed(func() {
		if !gd.ended {
			w.answerGuard(gd, false)
		}
	})
	gd.d.Resize(fyne.NewSize(520, 0))
	w.guardQs[q.ID] = gd
	w.tickGuardQuestions(time.Now())
	w.confirm = gd.d
	gd.d.Show()
	w.win.RequestFocus()
}

// answerGuard sends the user's answer and closes the question.
func (w *window) answerGuard(gd *guardDialog, allow bool) {
	if gd.ended {
		return
	}
	gd.ended = true
	delete(w.guardQs, gd.q.ID)
	w.dropConfirm(gd.d)
	gd.d.Hide()
	if err := socket.WriteGuardAnswer(w.guard, gd.q.ID, allow); err != nil {
		w.fail("Answer the question", "", err)
	}
}

// dropConfirm forgets d as the dialog Escape closes.
func (w *window) dropConfirm(d dialog.Dialog) {
	if w.confirm == d {
		w.confirm = nil
	}
}

// tickGuardQuestions shows the time left to answer.
func (w *window) tickGuardQuestions(now time.Time) {
	for _, gd := range w.guardQs {
		left := gd.q.Deadline.Sub(now).Round(time.Second)
		if gd.q.Deadline.IsZero() {
			gd.left.SetText("")
			continue
		}
		if left < 0 {
			left = 0
		}
		gd.left.SetText(fmt.Sprintf("No answer in %d s means Deny.", int(left/time.Second)))
	}
}

// stopGuardQuestions ends the reading of questions.
func (w *window) stopGuardQuestions() {
	if w.guard != nil {
		w.guard.Close()
	}
}
