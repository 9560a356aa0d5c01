package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/platform/socket"
)

// What a card says besides its state: a hand edit held back, where its
// secrets are kept when that is memory, and the local proxy the host runs
// for it.

// labelCopyAddress copies the proxy's address (not a secret).
const labelCopyAddress = "Copy address"

// memoryText says that an environment's secrets do not outlive the host.
const memoryText = "Its secret and tokens are kept in memory only and are gone when tokentray quits " +
	"(no keychain answered): set store = \"file\" in [settings] to keep them in an encrypted file."

// cardExtras are the lines for those, built once per card.
type cardExtras struct {
	held         *widget.Label // why a hand edit waits: first, bold
	proxy        *fyne.Container
	proxyAddress *widget.Label
	proxyCopy    *focusButton
	proxyProblem *widget.Label
}

func newCardExtras(copyText func(string), onFocus func()) *cardExtras {
	x := &cardExtras{
		held:         wrapped(widget.WarningImportance),
		proxyAddress: widget.NewLabel(""),
		proxyProblem: wrapped(widget.DangerImportance),
	}
	x.held.TextStyle = fyne.TextStyle{Bold: true}
	x.proxyAddress.Truncation = fyne.TextTruncateEllipsis
	x.proxyCopy = newFocusButton(labelCopyAddress, theme.ContentCopyIcon(), func() {
		if copyText != nil {
			copyText(strings.TrimPrefix(x.proxyAddress.Text, proxyPrefix))
		}
	})
	x.proxyCopy.Importance = widget.LowImportance
	x.proxyCopy.onFocus = onFocus
	x.proxy = container.NewBorder(nil, nil, nil, x.proxyCopy, x.proxyAddress)
	x.proxy.Hide()
	return x
}

const proxyPrefix = "Proxy: "

// update shows what s says.
func (x *cardExtras) update(s socket.Status) {
	setText(x.held, sentence(s.Held))
	if s.Proxy != "" {
		x.proxyAddress.SetText(proxyPrefix + s.Proxy)
		x.proxy.Show()
	} else {
		x.proxy.Hide()
	}
	setText(x.proxyProblem, prefixed("Proxy not running: ", s.ProxyProblem))
}

// cardWarning is the card's warning line: the engine's, what was not
// granted, and where the secrets live when that is memory.
func cardWarning(s socket.Status) string {
	warning := strings.TrimSpace(s.Warning + " " + scopeWarning(s))
	// A host without a keychain says so in its warning already, with the
	// same advice: said once.
	if s.Store == "memory" && !strings.Contains(warning, `store = "file"`) {
		warning = strings.TrimSpace(warning + " " + memoryText)
	}
	return warning
}

// sentence starts text with a capital and ends it with a full stop.
func sentence(text string) string {
	if text == "" {
		return ""
	}
	text = capitalized(text)
	if !strings.HasSuffix(text, ".") {
		text += "."
	}
	return text
}
