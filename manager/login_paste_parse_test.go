package manager

import (
	"errors"
	"testing"
)

func TestParsePaste(t *testing.T) {
	tests := []struct {
		pasted      string
		code, state string
		isURL       bool
		bad         bool
	}{
		{pasted: "https://app.example.com/cb?code=abc&state=xyz", code: "abc", state: "xyz", isURL: true},
		{pasted: "  https://app.example.com/cb?code=abc&state=xyz\r\n", code: "abc", state: "xyz", isURL: true},
		{pasted: "https://app.example.com/cb#code=abc&state=xyz", code: "abc", state: "xyz", isURL: true},
		{pasted: "?code=abc&state=xyz", code: "abc", state: "xyz", isURL: true},
		{pasted: "code=abc&state=xyz", code: "abc", state: "xyz", isURL: true},
		{pasted: "abc-DEF_123.~", code: "abc-DEF_123.~", isURL: false},
		{pasted: "", bad: true},
		{pasted: "ab cd", bad: true},
		{pasted: "ab\x1bcd", bad: true},
		{pasted: "https://exa mple.com/%zz?code=1", bad: true},
		{pasted: "code=%zz", bad: true},
	}
	for _, tt := range tests {
		params, isURL, err := parsePaste(tt.pasted)
		if tt.bad {
			if !errors.Is(err, ErrUnusablePaste) {
				t.Errorf("parsePaste(%q) err = %v, want ErrUnusablePaste", tt.pasted, err)
			}
			continue
		}
		if err != nil || isURL != tt.isURL || params.Get("code") != tt.code || params.Get("state") != tt.state {
			t.Errorf("parsePaste(%q) = %v %v %v", tt.pasted, params, isURL, err)
		}
	}
}

func FuzzParsePaste(f *testing.F) {
	for _, s := range []string{"https://app.example.com/cb?code=abc&state=xyz", "abc", "code=a&error=b", "#", "://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		params, _, err := parsePaste(s)
		if err != nil && !errors.Is(err, ErrUnusablePaste) {
			t.Fatalf("parsePaste(%q): untyped error %v", s, err)
		}
		if err == nil && params == nil {
			t.Fatalf("parsePaste(%q): no params and no error", s)
		}
	})
}
