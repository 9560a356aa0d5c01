package cli

import (
	"fmt"
	"strings"
)

// noEnvironmentsGuidance is what `tokentray`, `tokentray daemon` and
// `tokentray status` say while no environment is configured: a newcomer's
// first minute should end with one added, not with "environments=0".
// window says whether there is (or may be) a window with an Add button.
func noEnvironmentsGuidance(configPath string, window bool) string {
	var b strings.Builder
	b.WriteString("no environments configured yet; to add one:\n")
	if window {
		b.WriteString("  - click \"Add environment\" in tokentray's window, or\n")
	}
	b.WriteString("  - run `tokentray env set NAME --preset PRESET --client-id ID`, or\n")
	fmt.Fprintf(&b, "  - add one to %s (a running tokentray applies it at once); for example:\n", configPath)
	b.WriteString(`      [[environment]]
      name = "zepto-sandbox"
      preset = "zepto-sandbox"
      client_id = "..."
      redirect_uri = "http://127.0.0.1:8750/callback"
    ` + "`tokentray presets`" + ` lists the presets and what each still needs.
`)
	return b.String()
}
