package config

import (
	"strings"
	"testing"
)

func TestPrintableStripsControlsAndShortens(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "access_denied", 0, "access_denied"},
		{"escape sequence", "bad\x1b]0;pwned\x07\x1b[2J", 0, "bad]0;pwned[2J"},
		{"newlines become spaces", "line1\nline2\r\n", 0, "line1 line2  "},
		{"bidi override dropped", "abc\u202edef", 0, "abcdef"},
		{"invalid utf-8", "a\xffb", 0, "a\uFFFDb"},
		{"cut", "abcdef", 3, "abc…"},
		{"exactly max", "abc", 3, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Printable(tt.in, tt.max); got != tt.want {
				t.Errorf("Printable(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
	if got := Printable(strings.Repeat("x", 50<<20), 0); len(got) > MaxShown+4 {
		t.Errorf("a 50 MB input gave %d bytes", len(got))
	}
}
