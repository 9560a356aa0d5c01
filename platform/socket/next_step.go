package socket

import (
	"cmp"
	"fmt"
	"time"
)

// NextStepText words the engine's next step for the command line: the
// `next_step` text of the status JSON, the suffix of engine error
// messages, and the notes of `tokentray status`. "" when n is nil.
func NextStepText(name string, n *Next) string {
	if n == nil {
		return ""
	}
	switch n.Action {
	case NextLogin:
		return fmt.Sprintf("run `tokentray login %s`", name)
	case NextSetSecret:
		if n.Key == "private_key" {
			return fmt.Sprintf("run `tokentray secret set %s < private-key.pem`", name)
		}
		return fmt.Sprintf("run `tokentray secret set %s` and paste the client secret", name)
	case NextEditConfig:
		return fmt.Sprintf("add %s for %s to the config file", cmp.Or(n.Key, "client_id"), name)
	case NextCheckCredentials:
		return fmt.Sprintf("check the client id and secret (`tokentray secret set %s`), then `tokentray login %s`", name, name)
	case NextCheckNetwork:
		return fmt.Sprintf("%s; check the network or run `tokentray refresh %s`", RetryIn(n.RetryAt, time.Now()), name)
	case NextRetry:
		return fmt.Sprintf("refresh failed; %s while the token is still valid", RetryIn(n.RetryAt, time.Now()))
	case NextRefresh:
		return fmt.Sprintf("a new token is fetched on first use, or run `tokentray refresh %s`", name)
	case NextWaitForBrowser:
		return "finish the authorization in the browser"
	case NextUnlock:
		return "run `tokentray unlock` and type the file store's passphrase"
	case NextReauthorize:
		return ReauthorizeText(fmt.Sprintf("run `tokentray login %s`", name), n)
	}
	return string(n.Action) // an action this build does not know: still say something
}
