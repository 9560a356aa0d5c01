package server

import (
	"errors"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// engineErrorMessage is an engine error's message with the fix, if the
// engine named one, in the command line's words.
func engineErrorMessage(err error) string {
	var ae *manager.ActionError
	if errors.As(err, &ae) {
		return err.Error() + ": " + socket.NextStepText(ae.Env, wireNext(ae.Next))
	}
	return err.Error()
}
