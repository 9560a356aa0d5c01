package config

import "log/slog"

// Secret holds a token or client secret. It redacts itself wherever it is
// printed, formatted or logged; Reveal is the one way to read it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value, for the few places that must send it.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText keeps encoders (JSON, TOML) from writing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
