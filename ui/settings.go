package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// themeChoices are the theme setting's values as the drop-down shows
// them ("" is System, the first).
var themeChoices = []choice{{"System", config.ThemeSystem}, {"Light", config.ThemeLight}, {"Dark", config.ThemeDark}}

// settingsForm edits the host's [settings]: how long a copied token stays
// on the clipboard, how early tokens are refreshed, how long an approved
// guarded read lasts, the window's theme, and start at login. Like the
// environment form, each problem shows under its field; Enter saves and
// Escape closes.
type settingsForm struct {
	clipboardClear *formEntry
	refreshMargin  *formEntry
	guardWindow    *formEntry
	theme          *formSelect
	startAtLogin   *widget.Check
	problems       *widget.Label // what no field shows (the host is away, ...)

	rows  map[string]*formRow // by [settings] key
	root  fyne.CanvasObject
	grid  *fyne.Container
	order []*formRow

	onSubmit, onCancel func()
	onResize           func() // notes came or went: the dialog fits its content again
	save               func() // what the Save button does
	saving, saved      bool
}

func newSettingsForm(s socket.Settings) *settingsForm {
	f := &settingsForm{
		clipboardClear: newFormEntry(),
		refreshMargin:  newFormEntry(),
		guardWindow:    newFormEntry(),
		theme:          newFormSelect(titles(themeChoices)),
		startAtLogin:   widget.NewCheck("Start tokentray when I log in", nil),
		problems:       wrapped(widget.DangerImportance),
		rows:           map[string]*formRow{},
	}
	f.theme.SetSelected(titleOf(themeChoices, s.Theme))
	f.startAtLogin.SetChecked(s.StartAtLogin != nil && *s.StartAtLogin)
	if s.StartAtLogin == nil {
		// A host started as `tokentray daemon` does not start at login.
		f.startAtLogin.Text = "not offered by `tokentray daemon`"
		f.startAtLogin.Disable()
	}
	for _, d := range []struct {
		key, label, text, example, hint string
		entry                           *formEntry
	}{
		{"clipboard_clear", "Clear the clipboard after", s.ClipboardClear, "e.g. 45s", "", f.clipboardClear},
		{"refresh_margin", "Refresh tokens this early", s.RefreshMargin, "e.g. 5m", "before they expire; at most half their lifetime", f.refreshMargin},
		{"guard_window", "Allow guarded reads for", s.GuardWindow, "e.g. 10m", "how long Allow lasts for a program reading a guarded environment", f.guardWindow},
	} {
		d.entry.SetText(d.text)
		d.entry.SetPlaceHolder(d.example)
		r := &formRow{label: d.label, field: d.entry, hint: d.hint}
		f.add(d.key, r)
		d.entry.OnChanged = func(string) { r.setProblem("") }
		d.entry.OnSubmitted = func(string) { f.submit() }
		d.entry.onEscape = f.cancel
	}
	f.theme.onEscape = f.cancel
	f.add("theme", &formRow{label: "Theme", field: f.theme, hint: "System follows the desktop's light or dark preference"})
	f.add("start_at_login", &formRow{label: "Start at login", field: f.startAtLogin})
	f.grid = container.New(layout.NewFormLayout(), rowObjects(f.order)...)
	f.root = container.NewVBox(f.grid, f.problems)
	return f
}

func (f *settingsForm) add(key string, r *formRow) {
	f.rows[key] = r
	f.order = append(f.order, r)
}

func (f *settingsForm) submit() {
	if f.onSubmit != nil {
		f.onSubmit()
	}
}

func (f *settingsForm) cancel() {
	if f.onCancel != nil {
		f.onCancel()
	}
}

// settings is what the form says, checked by the config file's rules;
// problems name the keys they are about.
func (f *settingsForm) settings() (socket.Settings, []socket.Problem) {
	s := socket.Settings{
		ClipboardClear: strings.TrimSpace(f.clipboardClear.Text),
		RefreshMargin:  strings.TrimSpace(f.refreshMargin.Text),
		GuardWindow:    strings.TrimSpace(f.guardWindow.Text),
	}
	s.Theme = valueOf(themeChoices, f.theme.Selected)
	if !f.startAtLogin.Disabled() {
		on := f.startAtLogin.Checked
		s.StartAtLogin = &on
	}
	var problems []socket.Problem
	for _, d := range []struct{ key, text string }{
		{"clipboard_clear", s.ClipboardClear}, {"refresh_margin", s.RefreshMargin}, {"guard_window", s.GuardWindow},
	} {
		if d.text == "" {
			continue // left as the host has it
		}
		if _, err := config.ParseSetting(d.key, d.text); err != nil {
			problems = append(problems, socket.Problem{Key: d.key, Message: err.Error()})
		}
	}
	return s, problems
}

// showProblems puts each problem under its field, as a sentence about
// that field; what no field shows goes under the form.
func (f *settingsForm) showProblems(problems []socket.Problem) {
	for _, r := range f.order {
		r.setProblem("")
	}
	var loose []string
	for _, p := range problems {
		if r := f.rows[p.Key]; r != nil {
			r.setProblem(sentence(p.Message))
			continue
		}
		loose = append(loose, sentence(p.Message))
	}
	setText(f.problems, strings.Join(loose, "\n"))
	f.root.Refresh() // notes came or went: lay the rows out again
	if f.onResize != nil {
		f.onResize()
	}
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
		if f.saving {
			return
		}
		want, problems := f.settings()
		if len(problems) > 0 {
			f.showProblems(problems)
			return
		}
		f.saving = true
		save.Disable()
		var got socket.Settings
		w.background(func(ctx context.Context) (err error) {
			got, err = w.client.PutSettings(ctx, want)
			return err
		}, func(err error) {
			f.saving = false
			save.Enable()
			if problems := saveProblems(err); problems != nil {
				f.showProblems(problems)
				return
			}
			f.saved = true
			dlg.Hide()
			w.applyTheme(got.Theme)
			w.view.flash("Saved the settings.")
		})
	}
	save.OnTapped = f.save
	f.onSubmit = f.save
	dlg = dialog.NewCustomWithoutButtons("Settings", f.root, w.win)
	f.onCancel = dlg.Hide
	dlg.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { dlg.Hide() }), save})
	dlg.Resize(fyne.NewSize(560, 0)) // as high as its content
	f.onResize = func() { dlg.Resize(fyne.NewSize(560, 0)) }
	closeOnEscape(w.win.Canvas(), dlg)
	dlg.Show()
	w.win.Canvas().Focus(f.clipboardClear) // typing goes to the first field
	return f
}
