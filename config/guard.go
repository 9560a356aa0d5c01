package config

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// Values of Environment.Guard. "" reads as GuardNone.
const (
	// GuardNone hands the token to any process of the user that asks.
	GuardNone = "none"
	// GuardConfirm makes a read wait until the user allows it (a
	// notification with "Allow for 10 min" and "Deny"); an approval covers
	// one executable in one login session for Settings.GuardWindow.
	GuardConfirm = "confirm"
)

// DefaultGuardWindow is how long an approval lasts when [settings] does not say.
const DefaultGuardWindow = 10 * time.Minute

// Guarded reports whether a read of e needs the user's approval.
func (e Environment) Guarded() bool { return e.Guard == GuardConfirm }

// checkGuard returns what is wrong with a guard value, or "".
func checkGuard(v string) string {
	switch v {
	case "", GuardNone, GuardConfirm:
		return ""
	}
	return fmt.Sprintf("must be %q (any process of yours may read the token) or %q (each new reader waits for your approval in a notification) (got %q)",
		GuardNone, GuardConfirm, Printable(v, 0))
}

// withGuard sets a preset's default guard; the config can still say
// guard = "none".
func withGuard(p Preset, guard string) Preset {
	p.Guard = guard
	return p
}

// GuardChange says how next lowers or moves the guarded environment e: a
// guard turned off, and every key that changes where its tokens, secret or
// sign-in go, in words (`guard = "none"; token_url = "https://..."`). ""
// when it does neither, or e is not guarded. Presets are applied to both,
// so a preset that moves the endpoints shows as the endpoints it moves.
func GuardChange(e, next Environment) string {
	if !e.Guarded() {
		return ""
	}
	e, _ = ApplyPreset(e)
	next, _ = ApplyPreset(next)
	var parts []string
	if !next.Guarded() {
		parts = append(parts, fmt.Sprintf("guard = %q", cmp.Or(next.Guard, GuardNone)))
	}
	for i := range envKeys {
		k := &envKeys[i]
		if v := k.get(&next); k.moves && !k.get(&e).equal(v) {
			shown := Printable(v.encode(), 120)
			if k.key == "client_certificate" {
				shown = certificateSummary(v.str)
			}
			parts = append(parts, k.key+" = "+shown)
		}
	}
	return strings.Join(parts, "; ")
}
