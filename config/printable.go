package config

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxShown is how many characters of text from outside (provider errors,
// callback parameters, config values) a message shows.
const MaxShown = 200

// Printable makes text that came from outside safe to show on a terminal,
// in a log, a notification or the window: control characters (escape
// sequences, newlines, bidi overrides) become spaces or are dropped,
// invalid UTF-8 becomes U+FFFD, and it is cut to max runes with "…"
// (max <= 0 means MaxShown). Another user can put such text in front of
// the user (a callback parameter, a provider body), so nothing is trusted.
func Printable(s string, max int) string {
	if max <= 0 {
		max = MaxShown
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = utf8.RuneError
		case r == '\t' || r == '\n' || r == '\r':
			r = ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || unicode.In(r, unicode.Cf):
			continue
		}
		if n == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
