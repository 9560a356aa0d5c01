package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// scopePicker ticks scopes from a preset's list, in three columns so a
// long list (Zepto has twelve) stays compact in the form.
type scopePicker struct {
	Options   []string
	checks    []*widget.Check
	box       *fyne.Container
	onChanged func() // a box was ticked or unticked
}

func newScopePicker() *scopePicker {
	return &scopePicker{box: container.NewGridWithColumns(3)}
}

// setOptions offers options with the given ones ticked.
func (p *scopePicker) setOptions(options, ticked []string) {
	p.Options = options
	p.checks = nil
	p.box.Objects = nil
	for _, o := range options {
		c := widget.NewCheck(o, nil)
		c.SetChecked(slices.Contains(ticked, o))
		c.OnChanged = func(bool) {
			if p.onChanged != nil {
				p.onChanged()
			}
		}
		p.checks = append(p.checks, c)
		p.box.Objects = append(p.box.Objects, c)
	}
	p.box.Refresh()
}

// SetSelected ticks exactly the given scopes.
func (p *scopePicker) SetSelected(ticked []string) {
	for i, c := range p.checks {
		c.SetChecked(slices.Contains(ticked, p.Options[i]))
	}
}

// Selected is the ticked scopes in the order offered; never nil, so
// unticking everything writes an explicit empty list.
func (p *scopePicker) Selected() []string {
	out := []string{}
	for i, c := range p.checks {
		if c.Checked {
			out = append(out, p.Options[i])
		}
	}
	return out
}
