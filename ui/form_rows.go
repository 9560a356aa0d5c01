package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// The rows of the window's forms (the environment form, the settings):
// a label beside its field, and under the field its hint or its problem.

// formRow is one labelled field of the form: the label, the field, and
// under the field its hint or, after a save, its problem.
type formRow struct {
	label   string
	field   fyne.CanvasObject
	hint    string
	problem string
	text    *widget.Label // the label, drawn in the left column
	note    *widget.Label // the hint or the problem, under the field
}

// shown is what the row says under its field.
func (r *formRow) shown() string { return r.note.Text }

func (r *formRow) refreshNote() {
	text, imp := r.hint, widget.LowImportance
	if r.problem != "" {
		text, imp = "⚠ "+r.problem, widget.DangerImportance
	}
	r.note.Importance = imp
	r.note.SetText(text)
	if text == "" {
		r.note.Hide()
	} else {
		r.note.Show()
	}
}

// setProblem shows problem under the row's field ("" clears it).
func (r *formRow) setProblem(problem string) {
	r.problem = problem
	r.refreshNote()
}

// rowObjects lays rows out for a FormLayout grid: label and field, then
// the note on a row of its own, skipped while it is hidden, so the label
// stays level with its field.
func rowObjects(rows []*formRow) []fyne.CanvasObject {
	objects := make([]fyne.CanvasObject, 0, 4*len(rows))
	for _, r := range rows {
		r.text = widget.NewLabelWithStyle(r.label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		r.note = wrapped(widget.LowImportance)
		r.refreshNote()
		blank := widget.NewLabel("")
		blank.Hide()
		objects = append(objects, r.text, r.field, blank, r.note)
	}
	return objects
}
