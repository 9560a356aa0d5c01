package socket

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"github.com/tokentray/tokentray/manager"
)

// NextStepText words the engine's next step for the command line: the
// `next_step` text of the status JSON, the suffix of engine error
// messages, and the notes of `tokentray status`. "" when n is nil.
func NextStepText(name string, n *manager.Next) string {
	if n == nil {
		return ""
	}
	switch n.Action {
	case manager.NextLogin:
		return fmt.Sprintf("run `tokentray login %s`", name)
	case manager.NextSetSecret:
		return fmt.Sprintf("run `tokentray secret set %s` and paste the client secret", name)
	case manager.NextEditConfig:
		return fmt.Sprintf("add %s for %s to the config file", cmp.Or(n.Key, "client_id"), name)
	case manager.NextCheckCredentials:
		return fmt.Sprintf("check the client id and secret (`tokentray secret set %s`), then `tokentray login %s`", name, name)
	case manager.NextCheckNetwork:
		return fmt.Sprintf("retrying %s; check the network or run `tokentray refresh %s`", retryWhen(n.RetryAt), name)
	case manager.NextRetry:
		return fmt.Sprintf("refresh failed; retrying %s while the token is still valid", retryWhen(n.RetryAt))
	case manager.NextRefresh:
		return fmt.Sprintf("a new token is fetched on first use, or run `tokentray refresh %s`", name)
	case manager.NextWaitForBrowser:
		return "finish the authorization in the browser"
	}
	return string(n.Action) // an action this build does not know: still say something
}

func retryWhen(at *time.Time) string {
	if at == nil || at.IsZero() {
		return "soon"
	}
	return "at " + at.Format(time.Kitchen)
}

// withNextStep fills the status's next_step text from its typed next step,
// for scripts that read the text.
func withNextStep(st manager.Status) manager.Status {
	st.NextStep = NextStepText(st.Name, st.Next)
	return st
}

// engineErrorMessage is an engine error's message with the fix, if the
// engine named one, in the command line's words.
func engineErrorMessage(err error) string {
	var ae *manager.ActionError
	if errors.As(err, &ae) {
		return err.Error() + ": " + NextStepText(ae.Env, &ae.Next)
	}
	return err.Error()
}
