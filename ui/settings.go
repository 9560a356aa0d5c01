package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/platform/socket"
)

// settingsForm edits the host's [settings]: how long a copied token stays
// on the clipboard, how early tokens are refreshed, and start at login.
type settingsForm struct {
	clipboardClear *widget.Entry
	refreshMargin  *widget.Entry
	startAtLogin   *widget.Check
	problems       *widget.Label
	form           *widget.Form

	save          func() // what the Save button does
	saving, saved bool
}

func newSettingsForm(s socket.Settings) *settingsForm {
	f := &settingsForm{
		clipboardClear: widget.NewEntry(),
		refreshMargin:  widget.NewEntry(),
		startAtLogin:   widget.NewCheck("Start tokentray when I log in", nil),
		problems:       wrapped(widget.DangerImportance),
	}
	f.clipboardClear.SetText(s.ClipboardClear)
	f.clipboardClear.SetPlaceHolder("e.g. 45s")
	f.refreshMargin.SetText(s.RefreshMargin)
	f.refreshMargin.SetPlaceHolder("e.g. 5m")
	f.startAtLogin.SetChecked(s.StartAtLogin != nil && *s.StartAtLogin)
	if s.StartAtLogin == nil {
		// A host started as `tokentray daemon` does not start at login.
		f.startAtLogin.Text = "not offered by `tokentray daemon`"
		f.startAtLogin.Disable()
	}
	f.form = widget.NewForm(
		widget.NewFormItem("Clear the clipboard after", f.clipboardClear),
		widget.NewFormItem("Refresh tokens this early", f.refreshMargin),
		widget.NewFormItem("Start at login", f.startAtLogin),
	)
	return f
}

// settings is what the form says, checked for durations Go can read.
func (f *settingsForm) settings() (socket.Settings, error) {
	s := socket.Settings{ClipboardClear: strings.TrimSpace(f.clipboardClear.Text),
		RefreshMargin: strings.TrimSpace(f.refreshMargin.Text)}
	if !f.startAtLogin.Disabled() {
		on := f.startAtLogin.Checked
		s.StartAtLogin = &on
	}
	var problems []string
	for _, d := range []struct{ label, text string }{
		{"clipboard clear", s.ClipboardClear}, {"refresh margin", s.RefreshMargin},
	} {
		if d.text == "" {
			continue
		}
		if v, err := time.ParseDuration(d.text); err != nil || v < 0 {
			problems = append(problems, d.label+": not a duration such as 45s or 5m")
		}
	}
	if len(problems) > 0 {
		return s, errors.New(strings.Join(problems, "\n"))
	}
	return s, nil
}

// openSettings reads the host's settings and opens them in a dialog.
func (w *window) openSettings() {
	var s socket.Settings
	w.background(func(ctx context.Context) (err error) {
		s, err = w.client.Settings(ctx)
		return err
	}, func(err error) {
		if err != nil {
			w.fail("Settings", "", err)
			return
		}
		w.settings = w.showSettings(s)
	})
}

func (w *window) showSettings(s socket.Settings) *settingsForm {
	f := newSettingsForm(s)
	var dlg *dialog.CustomDialog
	save := widget.NewButton("Save", nil)
	save.Importance = widget.HighImportance
	f.save = func() {
		want, err := f.settings()
		if err != nil {
			setText(f.problems, err.Error())
			return
		}
		f.saving = true
		save.Disable()
		w.background(func(ctx context.Context) error {
			_, err := w.client.PutSettings(ctx, want)
			return err
		}, func(err error) {
			f.saving = false
			save.Enable()
			if err != nil {
				setText(f.problems, settingsProblems(err))
				return
			}
			f.saved = true
			dlg.Hide()
			w.view.flash("Saved the settings.")
		})
	}
	save.OnTapped = f.save
	dlg = dialog.NewCustomWithoutButtons("Settings", container.NewVBox(f.problems, f.form), w.win)
	dlg.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { dlg.Hide() }), save})
	dlg.Resize(fyne.NewSize(480, 260))
	dlg.Show()
	return f
}

// settingsProblems words the host's refusal, one line per problem.
func settingsProblems(err error) string {
	var apiErr *socket.APIError
	if !errors.As(err, &apiErr) || len(apiErr.Problems) == 0 {
		return userMessage(err)
	}
	lines := make([]string, len(apiErr.Problems))
	for i, p := range apiErr.Problems {
		lines[i] = strings.TrimPrefix(p.Key+": ", ": ") + p.Message
	}
	return strings.Join(lines, "\n")
}
