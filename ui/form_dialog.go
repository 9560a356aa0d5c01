package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
)

func (w *window) openAddForm(preset string) { w.showForm(nil, preset) }

// openEditForm reads the environment as the config file has it from the
// host, then opens the form on it.
func (w *window) openEditForm(env string) {
	var e config.Environment
	w.background(func(ctx context.Context) (err error) {
		e, err = w.client.EnvironmentConfig(ctx, env)
		return err
	}, func(err error) {
		if err != nil {
			w.fail("Edit "+env, env, err)
			return
		}
		w.showForm(&e, "")
	})
}

// formDialog is an open add/edit form; tests drive it.
type formDialog struct {
	form   *envForm
	dialog *dialog.CustomDialog
	save   func()
	saving bool
	saved  bool
}

// showForm opens the add/edit form over the window. Save sends the
// environment to the host, which validates it with the config loader's
// rules and writes it; the form stays open with every problem next to
// its field until the host takes it.
func (w *window) showForm(existing *config.Environment, preset string) *formDialog {
	fd := &formDialog{form: newEnvForm(existing, preset, w.presets)}
	w.form = fd
	f := fd.form
	title := "Add environment"
	if existing != nil {
		title = "Edit " + existing.Name
	}
	saveButton := widget.NewButton("Save", nil)
	saveButton.Importance = widget.HighImportance
	fd.save = func() {
		if fd.saving {
			return
		}
		e, secret, problems := f.environment()
		if len(problems) > 0 {
			f.showProblems(problems)
			return
		}
		fd.saving = true
		saveButton.Disable()
		w.background(func(ctx context.Context) error {
			if _, err := w.client.PutEnvironment(ctx, e.Name, e); err != nil {
				return err
			}
			if secret == "" {
				return nil
			}
			if _, err := w.client.SetSecret(ctx, e.Name, secret); err != nil {
				return fmt.Errorf("the config is saved, but the client secret could not be stored (%s); "+
					"try again, or run `tokentray secret set %s`", userMessage(err), e.Name)
			}
			return nil
		}, func(err error) {
			fd.saving = false
			saveButton.Enable()
			if problems := saveProblems(err); problems != nil {
				f.showProblems(problems)
				return
			}
			fd.saved = true
			fd.dialog.Hide()
			where := w.host.ConfigPath
			if where == "" {
				where = "the config file"
			}
			w.view.flash("Saved " + e.Name + " to " + where + ".")
		})
	}
	saveButton.OnTapped = fd.save
	buttons := []fyne.CanvasObject{widget.NewButton("Cancel", func() { fd.dialog.Hide() }), saveButton}
	if existing != nil {
		name := existing.Name
		remove := widget.NewButton("Remove", func() {
			confirm := dialog.NewConfirm("Remove "+name+"?", "tokentray signs out of "+name+
				", deletes it from the config file and its secret from the keychain.",
				func(ok bool) {
					if ok {
						fd.dialog.Hide()
						w.removeEnvironment(name)
					}
				}, w.win)
			confirm.SetConfirmText("Remove")
			confirm.SetDismissText("Keep")
			confirm.Show()
		})
		remove.Importance = widget.DangerImportance
		buttons = append([]fyne.CanvasObject{remove}, buttons...)
	}
	fd.dialog = dialog.NewCustomWithoutButtons(title, container.NewVScroll(f.root), w.win)
	fd.dialog.SetButtons(buttons)
	fd.dialog.Resize(fyne.NewSize(640, 560))
	// Keyboard: Enter in any entry saves, Escape closes, wherever the
	// focus is (the entries and drop-downs take Escape themselves; the
	// canvas gets it when nothing is focused).
	f.onSubmit = fd.save
	f.onCancel = fd.dialog.Hide
	c := w.win.Canvas()
	closeOnEscape(c, fd.dialog)
	fd.dialog.Show()
	if first := f.firstField(); first != nil {
		c.Focus(first)
	}
	return fd
}

// removeEnvironment asks the host to sign out, drop the environment from
// the config file and delete its keychain items.
func (w *window) removeEnvironment(name string) {
	w.background(func(ctx context.Context) error {
		return w.client.DeleteEnvironment(ctx, name)
	}, func(err error) {
		if err != nil {
			w.fail("Remove "+name, name, err)
			return
		}
		w.view.flash("Removed " + name + ".")
	})
}
