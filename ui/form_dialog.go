package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

func (d *desktopApp) openAddForm(preset string) { d.showForm(nil, preset) }

func (d *desktopApp) openEditForm(env string) {
	cfg := d.m.Config()
	e, ok := cfg.Environment(env)
	if !ok {
		d.fail("Edit "+env, manager.ErrUnknownEnvironment)
		return
	}
	d.showForm(&e, "")
}

// showForm opens the add/edit form over the window. Save keeps the form
// open while anything is wrong, with the problems under the fields. It
// returns the form and what Save does, for tests.
func (d *desktopApp) showForm(existing *config.Environment, preset string) (*envForm, func()) {
	d.show()
	cfg := d.m.Config()
	var names []string
	for _, e := range cfg.Environments {
		names = append(names, e.Name)
	}
	f := newEnvForm(existing, preset, names)
	title := "Add environment"
	if existing != nil {
		title = "Edit " + existing.Name
	}
	var dlg *dialog.CustomDialog
	save := func() {
		e, secret, err := f.environment()
		if err == nil && f.original != "" && e.Name != f.original && secret == "" {
			err = errors.New("client secret: the secret is stored under the environment's name; enter it again for the new name")
		}
		if err == nil {
			err = d.saveEnvironment(f.original, e, secret)
		}
		f.showProblems(err)
		if err == nil {
			dlg.Hide()
			d.view.flash("Saved " + e.Name + " to " + d.opts.ConfigPath + ".")
		}
	}
	saveButton := widget.NewButton("Save", save)
	saveButton.Importance = widget.HighImportance
	buttons := []fyne.CanvasObject{widget.NewButton("Cancel", func() { dlg.Hide() }), saveButton}
	if existing != nil {
		name := existing.Name
		remove := widget.NewButton("Remove", func() {
			dialog.ShowConfirm("Remove "+name+"?", "tokentray signs out of "+name+" and deletes it from the config file.",
				func(ok bool) {
					if ok {
						dlg.Hide()
						d.removeEnvironment(name)
					}
				}, d.win)
		})
		remove.Importance = widget.DangerImportance
		buttons = append([]fyne.CanvasObject{remove}, buttons...)
	}
	dlg = dialog.NewCustomWithoutButtons(title, container.NewVScroll(f.root), d.win)
	dlg.SetButtons(buttons)
	dlg.Resize(fyne.NewSize(640, 560))
	dlg.Show()
	return f, save
}

// saveEnvironment writes the config file with e in place of original (or
// added), reloads it with the rules of a normal start and hands the result
// to the engine; the secret goes to the keychain, never to the file.
func (d *desktopApp) saveEnvironment(original string, e config.Environment, secret manager.Secret) error {
	cfg := d.m.Config()
	cfg.Environments = slices.Clone(cfg.Environments) // the engine's copy stays untouched
	i := slices.IndexFunc(cfg.Environments, func(x config.Environment) bool { return original != "" && x.Name == original })
	if i >= 0 {
		cfg.Environments[i] = e
	} else {
		cfg.Environments = append(cfg.Environments, e)
	}
	if err := d.writeAndApply(&cfg); err != nil {
		return err
	}
	if secret != "" {
		if err := d.m.SetSecret(e.Name, secret); err != nil {
			return fmt.Errorf("the config is saved, but the client secret could not be stored in the keychain (%v); "+
				"try again, or run `tokentray secret set %s`", err, e.Name)
		}
	}
	return nil
}

func (d *desktopApp) removeEnvironment(name string) {
	background(time.Minute, func(ctx context.Context) {
		logoutErr := d.m.Logout(ctx, name)
		fyne.Do(func() {
			cfg := d.m.Config()
			cfg.Environments = slices.DeleteFunc(slices.Clone(cfg.Environments),
				func(x config.Environment) bool { return x.Name == name })
			if err := d.writeAndApply(&cfg); err != nil {
				d.fail("Remove "+name, err)
				return
			}
			if err := d.m.DeleteSecret(name); err != nil && logoutErr == nil {
				logoutErr = err
			}
			if logoutErr != nil {
				d.view.flash("Removed " + name + "; signing out failed: " + userMessage(logoutErr))
				return
			}
			d.view.flash("Removed " + name + ".")
		})
	})
}

// writeAndApply saves cfg and gives the engine what a fresh start would
// read from the file, so the window can never run a config the loader
// would refuse.
func (d *desktopApp) writeAndApply(cfg *config.Config) error {
	path := d.opts.ConfigPath
	if path == "" {
		return errors.New("no config file path: start tokentray with --config PATH")
	}
	cfg.Path = path
	if err := config.SaveConfigFile(path, cfg); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	loaded, err := config.LoadConfig(path)
	if err != nil {
		return fmt.Errorf("%s was saved but does not load again: %w", path, err)
	}
	if err := d.m.SetConfig(loaded); err != nil {
		return fmt.Errorf("apply %s: %w", path, err)
	}
	return nil
}
