package ui

// openAskedForm opens the Add form the window was started for
// (WindowOptions.AddForm), once: it needs the host's presets, so it
// waits for the first connection, and a reconnect does not open it again.
func (w *window) openAskedForm() {
	if !w.opts.AddForm || w.addFormOpened {
		return
	}
	w.addFormOpened = true
	w.openAddForm("")
}
