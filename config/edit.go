package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// File is the config file as read: its bytes and what they say. An edit
// starts from one and gives the next: the text is edited in place, so
// comments and hand edits stay, and the result is read back once, which
// both checks it and gives the config to run with.
type File struct {
	Path   string
	Data   []byte  // nil when there is no file yet
	Config *Config // what Data says, presets applied, default settings filled
}

// ReadFile reads and checks the config file once (the checks of
// LoadConfig). A missing file is an empty config; a file that does not
// load is an error with every problem, so an edit never hides or drops
// what is wrong with it.
func ReadFile(path string) (*File, error) {
	data, err := readConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg := &Config{Path: path, Settings: WithDefaults(Settings{})}
		return &File{Path: path, Config: cfg}, nil
	}
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return nil, err
	}
	return &File{Path: path, Data: data, Config: cfg}, nil
}

// Same reports whether f and g hold the same text.
func (f *File) Same(g *File) bool { return g != nil && bytes.Equal(f.Data, g.Data) }

// With is f edited to hold cfg, read back. Nothing is written.
func (f *File) With(cfg *Config) (*File, error) {
	var out []byte
	if len(bytes.TrimSpace(f.Data)) == 0 {
		out = freshConfig(cfg, true)
	} else {
		doc, err := parseTOMLDoc(f.Data)
		if err != nil {
			return nil, tomlSyntaxError(f.Path, err)
		}
		var ok bool
		if out, ok = editConfig(doc, cfg); !ok {
			// Inline tables or dotted keys for settings/environments:
			// rewrite the file, keeping its opening comments.
			out = append(leadingComments(f.Data), freshConfig(cfg, false)...)
		}
	}
	back, err := ParseConfig(f.Path, out)
	if err != nil {
		return nil, fmt.Errorf("the edited config would not read back, nothing written: %w", err)
	}
	return &File{Path: f.Path, Data: out, Config: back}, nil
}

// Save writes f's text to its path atomically (WriteFileAtomic).
func (f *File) Save() error { return WriteFileAtomic(f.Path, f.Data) }

// WithEnvironment is c with e (its preset applied) in place of the
// environment of that name, or added at the end.
func (c *Config) WithEnvironment(e Environment) *Config {
	e, _ = ApplyPreset(e)
	next := *c
	next.Environments = slices.Clone(c.Environments)
	if i := slices.IndexFunc(next.Environments, func(o Environment) bool { return o.Name == e.Name }); i >= 0 {
		next.Environments[i] = e
	} else {
		next.Environments = append(next.Environments, e)
	}
	return &next
}

// Without is c without the environment called name; false when c has none.
func (c *Config) Without(name string) (*Config, bool) {
	i := slices.IndexFunc(c.Environments, func(e Environment) bool { return e.Name == name })
	if i < 0 {
		return c, false
	}
	next := *c
	next.Environments = slices.Delete(slices.Clone(c.Environments), i, i+1)
	return &next, true
}

// WithSettings is c with the non-zero fields of s as its settings.
func (c *Config) WithSettings(s Settings) *Config {
	next := *c
	for i := range settingKeys {
		k := &settingKeys[i]
		switch {
		case k.text != nil && *k.text(&s) != "":
			*k.text(&next.Settings) = *k.text(&s)
		case k.text == nil && *k.field(&s) > 0:
			*k.field(&next.Settings) = *k.field(&s)
		}
	}
	return &next
}
