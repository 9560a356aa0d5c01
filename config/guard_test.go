package config

import (
	"strings"
	"testing"
	"time"
)

func TestGuardValues(t *testing.T) {
	const local = "[[environment]]\nname = \"local\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:9096/token\"\n"
	tests := []struct {
		name, src string
		guarded   bool
		line      int // of the error; 0 = no error
		msg       string
	}{
		{"default none", local, false, 0, ""},
		{"none", local + "guard = \"none\"\n", false, 0, ""},
		{"confirm", local + "guard = \"confirm\"\n", true, 0, ""},
		{"unknown value", local + "guard = \"ask\"\n", false, 5, `must be "none"`},
		{"wrong case", local + "guard = \"Confirm\"\n", false, 5, `(got "Confirm")`},
		{"not a string", local + "guard = true\n", false, 5, "must be a string (got a boolean)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(testConfigPath, []byte(tt.src))
			if tt.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := cfg.Environments[0].Guarded(); got != tt.guarded {
					t.Errorf("Guarded() = %v, want %v", got, tt.guarded)
				}
				return
			}
			errs := ConfigErrors(err)
			if len(errs) != 1 {
				t.Fatalf("errors %v, want one", err)
			}
			e := errs[0]
			if e.File != testConfigPath || e.Line != tt.line || e.Env != "local" || e.Key != "guard" || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error %+v, want %s:%d local guard %q", e, testConfigPath, tt.line, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), testConfigPath+":5: ") {
				t.Errorf("message %q does not start with file:line", err)
			}
		})
	}
}

func TestZeptoProductionPresetIsGuardedUnlessTheConfigSaysNone(t *testing.T) {
	const src = `[[environment]]
name = "prod"
preset = "zepto-production"
redirect_uri = "http://127.0.0.1:8750/callback"

[[environment]]
name = "prod-open"
preset = "zepto-production"
redirect_uri = "http://127.0.0.1:8750/callback"
guard = "none"

[[environment]]
name = "sandbox"
preset = "zepto-sandbox"
redirect_uri = "http://127.0.0.1:8750/callback"
`
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false} {
		if got := cfg.Environments[i].Guarded(); got != want {
			t.Errorf("%s: Guarded() = %v, want %v", cfg.Environments[i].Name, got, want)
		}
	}
	// Written back, the preset's guard is left to the preset and the
	// override is kept.
	out, err := WriteConfig(testConfigPath, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "guard = "); n != 1 || !strings.Contains(string(out), "guard = \"none\"") {
		t.Errorf("written config has %d guard lines, want only guard = \"none\":\n%s", n, out)
	}
	if w := AsWritten(cfg.Environments[0]); w.Guard != "" {
		t.Errorf("AsWritten kept the preset's guard %q", w.Guard)
	}
}

func TestGuardWindowSetting(t *testing.T) {
	cfg, err := ParseConfig(testConfigPath, []byte("[settings]\nguard_window = \"30m\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings.GuardWindow != 30*time.Minute {
		t.Errorf("guard_window = %s, want 30m", cfg.Settings.GuardWindow)
	}
	cfg, err = ParseConfig(testConfigPath, []byte("# defaults\n"))
	if err != nil || cfg.Settings.GuardWindow != 10*time.Minute {
		t.Errorf("default guard_window = %s (%v), want 10m", cfg.Settings.GuardWindow, err)
	}
	_, err = ParseConfig(testConfigPath, []byte("[settings]\nguard_window = \"a while\"\n"))
	if errs := ConfigErrors(err); len(errs) != 1 || errs[0].Line != 2 || errs[0].Key != "settings.guard_window" {
		t.Errorf("bad guard_window: %v", err)
	}
}

func TestCheckEnvironmentRefusesABadGuard(t *testing.T) {
	err := CheckEnvironment(Environment{Name: "x", Flow: FlowClientCredentials, TokenURL: "https://x.example/t", Guard: "maybe"})
	if errs := ConfigErrors(err); len(errs) != 1 || errs[0].Key != "guard" {
		t.Errorf("CheckEnvironment = %v, want one guard problem", err)
	}
}
