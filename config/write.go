package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2/unstable"
)

// WriteConfig returns the text of a config file holding cfg, made by
// editing original (the current file; nil or empty for a new one) so that
// what the user wrote survives: comments, order and formatting of untouched
// environments and settings stay as they were, changed keys are updated in
// place, new environments are appended and removed ones dropped. A key is
// written only where it differs from what the preset (or the default
// setting) would give. A client_secret line found in the original is
// dropped: secrets are never written.
//
// The result always reads back with ParseConfig to cfg; WriteConfig checks
// that it parses and returns an error instead of text it could not read.
// path is only used in messages.
func WriteConfig(path string, cfg *Config, original []byte) ([]byte, error) {
	if err := checkConfigForWrite(cfg); err != nil {
		return nil, err
	}
	var out []byte
	if len(bytes.TrimSpace(original)) == 0 {
		out = freshConfig(cfg, true)
	} else {
		doc, err := parseTOMLDoc(original)
		if err != nil {
			return nil, tomlSyntaxError(path, err)
		}
		var ok bool
		if out, ok = editConfig(doc, cfg); !ok {
			// Inline tables or dotted keys for settings/environments:
			// rewrite the file, keeping its opening comments.
			out = append(leadingComments(original), freshConfig(cfg, false)...)
		}
	}
	if _, err := ParseConfig(path, out); err != nil {
		return nil, fmt.Errorf("the edited config would not read back, nothing written: %w", err)
	}
	return out, nil
}

// SaveConfigFile writes cfg to path with WriteConfig, keeping what the
// current file says where it can. The file is replaced atomically (temp
// file and rename) with mode 0600; a missing directory is created 0700.
func SaveConfigFile(path string, cfg *Config) error {
	original, err := readConfigFile(path) // the same checks as LoadConfig
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read config: %w", err)
	}
	out, err := WriteConfig(path, cfg, original)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, out)
}

// writeFileAtomic replaces path with data through a temp file and a
// rename, keeping the file's mode (less any group or other write bit,
// which LoadConfig would refuse); a new file is 0600 and a missing
// directory is created 0700.
func writeFileAtomic(path string, out []byte) error {
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm() &^ 0o022
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	f, err := os.CreateTemp(dir, ".config-*.toml")
	if err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op once renamed
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(out)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	return nil
}

func checkConfigForWrite(cfg *Config) error {
	var errs []error
	dups := DuplicateNames(cfg.Names())
	for i, e := range cfg.Environments {
		if err := CheckEnvironment(e); err != nil {
			errs = append(errs, err)
		}
		if _, dup := dups[i]; dup {
			errs = append(errs, &ConfigError{Env: e.Name, Key: "name", Msg: "duplicate name: every environment needs its own name"})
		}
	}
	if cfg.Settings.RefreshMargin < 0 {
		errs = append(errs, &ConfigError{Key: "settings.refresh_margin", Msg: "must be a positive duration"})
	}
	if cfg.Settings.ClipboardClear < 0 {
		errs = append(errs, &ConfigError{Key: "settings.clipboard_clear", Msg: "must be a positive duration"})
	}
	return errors.Join(errs...)
}

// fval is a config value: a string, or a list of strings when list is set.
type fval struct {
	s      string
	l      []string
	isList bool
}

func (v fval) empty() bool {
	if v.isList {
		return v.l == nil
	}
	return v.s == ""
}

func (v fval) equal(w fval) bool {
	if v.isList != w.isList {
		return false
	}
	if v.isList {
		return stringsEqualNil(v.l, w.l)
	}
	return v.s == w.s
}

func (v fval) encode() string {
	if !v.isList {
		return tomlString(v.s)
	}
	parts := make([]string, len(v.l))
	for i, s := range v.l {
		parts[i] = tomlString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// rawValue is what the user wrote for k, normalised by norm; ok is false
// for values of a type WriteConfig does not write.
func rawValue(k *tomlKey) (fval, bool) {
	switch k.val.kind {
	case unstable.String:
		return fval{s: k.val.str}, true
	case unstable.Array:
		l := make([]string, 0, len(k.val.items))
		for _, it := range k.val.items {
			if it.kind != unstable.String {
				return fval{}, false
			}
			l = append(l, it.str)
		}
		return fval{l: l, isList: true}, true
	}
	return fval{}, false
}

// envValues gives an environment's value for every key of envKeys.
func envValues(e Environment) map[string]fval {
	return map[string]fval{
		"name": {s: e.Name}, "preset": {s: e.Preset}, "flow": {s: string(e.Flow)},
		"issuer": {s: e.Issuer}, "auth_url": {s: e.AuthURL}, "token_url": {s: e.TokenURL},
		"revocation_url": {s: e.RevokeURL}, "device_authorization_url": {s: e.DeviceURL},
		"client_id": {s: e.ClientID}, "scopes": {l: e.Scopes, isList: true},
		"redirect_uri": {s: e.RedirectURI}, "auth_style": {s: e.AuthStyle},
		"guard": {s: e.Guard},
	}
}

// envDefaults gives what each key resolves to when left out: the preset's
// value, or nothing.
func envDefaults(e Environment) map[string]fval {
	d, _ := ApplyPreset(Environment{Preset: e.Preset})
	vals := envValues(d)
	vals["name"], vals["preset"] = fval{}, fval{}
	return vals
}

func settingsValues(s Settings) map[string]fval {
	s = WithDefaults(s)
	return map[string]fval{
		"refresh_margin":  {s: FormatDuration(s.RefreshMargin)},
		"clipboard_clear": {s: FormatDuration(s.ClipboardClear)},
		"guard_window":    {s: FormatDuration(s.GuardWindow)},
	}
}

func settingsDefaults() map[string]fval { return settingsValues(Settings{}) }

// normDuration makes "300s" and "5m" compare equal.
func normDuration(v fval) fval {
	if d, err := time.ParseDuration(v.s); err == nil && !v.isList {
		return fval{s: FormatDuration(d)}
	}
	return v
}

// FormatDuration writes a duration the way the config file does (and
// people): 5m, 1h30m, 45s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tableLines writes the keys of a table that must be explicit: those that
// differ from what leaving them out gives. name is always written.
func tableLines(keys []string, vals, defaults map[string]fval) string {
	var b strings.Builder
	for _, k := range keys {
		v := vals[k]
		if k == "name" || (!v.empty() && !v.equal(defaults[k])) {
			fmt.Fprintf(&b, "%s = %s\n", k, v.encode())
		}
	}
	return b.String()
}

func envBlock(e Environment) string {
	return "[[environment]]\n" + tableLines(envKeys, envValues(e), envDefaults(e))
}

func settingsBlock(s Settings) string {
	lines := tableLines(settingsKeys, settingsValues(s), settingsDefaults())
	if lines == "" {
		return ""
	}
	return "[settings]\n" + lines
}

const freshHeader = "# tokentray configuration: https://github.com/tokentray/tokentray\n" +
	"# Client secrets never live here; store them with `tokentray secret set NAME`.\n"

// freshConfig writes cfg from scratch.
func freshConfig(cfg *Config, header bool) []byte {
	var blocks []string
	if header {
		blocks = append(blocks, freshHeader)
	}
	if s := settingsBlock(cfg.Settings); s != "" {
		blocks = append(blocks, s)
	}
	for _, e := range cfg.Environments {
		blocks = append(blocks, envBlock(e))
	}
	return []byte(strings.Join(blocks, "\n"))
}

// leadingComments returns the comment and blank lines a file opens with.
func leadingComments(data []byte) []byte {
	end := 0
	for end < len(data) {
		next := bytes.IndexByte(data[end:], '\n')
		line := data[end:]
		if next >= 0 {
			line = data[end : end+next+1]
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			break
		}
		end += len(line)
	}
	out := slices.Clone(data[:end])
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out
}

// section is the text of one top-level [table] or [[array]] element: from
// the comment lines directly above its header to the next section.
type section struct {
	start, end int
	header     tomlHeader
}

func (s section) isEnv() bool {
	return s.header.array && slices.Equal(s.header.path, []string{"environment"})
}
func (s section) isSettings() bool {
	return !s.header.array && slices.Equal(s.header.path, []string{"settings"})
}

func (d *tomlDoc) sections() []section {
	secs := make([]section, len(d.headers))
	for i, h := range d.headers {
		secs[i] = section{start: d.attachComments(h.table.start), header: h}
	}
	for i := range secs {
		if i+1 < len(secs) {
			secs[i].end = secs[i+1].start
		} else {
			secs[i].end = len(d.data)
		}
	}
	return secs
}

// attachComments moves a header's start up over the comment lines directly
// above it, so they travel (and go) with their table.
func (d *tomlDoc) attachComments(start int) int {
	for line := d.lineAt(start) - 1; line >= 1; line-- {
		ls := d.lineStarts[line-1]
		t := bytes.TrimSpace(d.data[ls:start])
		if len(t) == 0 || t[0] != '#' || bytes.IndexByte(t, '\n') >= 0 {
			break
		}
		start = ls
	}
	return start
}

// lineEnd is the offset just past the newline ending the line at off.
func (d *tomlDoc) lineEnd(off int) int {
	if i := bytes.IndexByte(d.data[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(d.data)
}

// editable reports whether settings and environments are written as
// [settings] and [[environment]] tables, the layout editConfig edits.
func editable(doc *tomlDoc) bool {
	for _, k := range doc.root.keys {
		switch k.name {
		case "settings":
			if k.val.table == nil || k.val.table.start < 0 {
				return false
			}
		case "environment":
			if k.val.kind != unstable.ArrayTable {
				return false
			}
		}
	}
	return true
}

type textEdit struct {
	start, end int
	text       string
}

// editTable rewrites the keys of t (whose text is data[sec.start:sec.end])
// that no longer resolve to vals, and drops any client_secret.
func editTable(d *tomlDoc, sec section, t *tomlTable, keys []string, vals, defaults map[string]fval, norm func(fval) fval) string {
	var edits []textEdit
	var inserts strings.Builder
	deleteKey := func(k *tomlKey) {
		edits = append(edits, textEdit{start: d.lineStartOf(k.start), end: d.lineEnd(k.end)})
	}
	for _, key := range keys {
		v, def := vals[key], defaults[key]
		k := t.get(key)
		if k != nil && k.start < 0 {
			continue // not a plain key line; ParseConfig will say what is wrong
		}
		if k == nil {
			if !v.empty() && (key == "name" || !v.equal(def)) {
				fmt.Fprintf(&inserts, "%s = %s\n", key, v.encode())
			}
			continue
		}
		raw, ok := rawValue(k)
		if ok {
			raw = norm(raw)
			resolved := raw
			if raw.empty() {
				resolved = def
			}
			if resolved.equal(v) {
				continue // what the user wrote still says the same
			}
		}
		if v.empty() {
			deleteKey(k)
		} else {
			edits = append(edits, textEdit{start: k.valStart, end: k.end, text: v.encode()})
		}
	}
	last := d.lineEnd(t.start)
	for _, k := range t.keys {
		if k.name == "client_secret" {
			deleteKey(k)
		}
		if k.end > 0 {
			last = max(last, d.lineEnd(k.end))
		}
	}
	if inserts.Len() > 0 {
		text := inserts.String()
		if last > 0 && d.data[last-1] != '\n' {
			text = "\n" + text
		}
		edits = append(edits, textEdit{start: last, end: last, text: text})
	}
	sort.Slice(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start > edits[j].start
		}
		return edits[i].end > edits[j].end
	})
	block := slices.Clone(d.data[sec.start:sec.end])
	for _, e := range edits {
		s, t := e.start-sec.start, e.end-sec.start
		block = slices.Concat(block[:s], []byte(e.text), block[t:])
	}
	return string(block)
}

// editConfig edits the document's blocks to hold cfg; ok is false when
// the layout is not one it edits.
func editConfig(doc *tomlDoc, cfg *Config) ([]byte, bool) {
	if !editable(doc) {
		return nil, false
	}
	secs := doc.sections()
	type oldEnv struct {
		sec          section
		name, preset string
		used         bool
	}
	var olds []*oldEnv
	for _, s := range secs {
		if s.isEnv() {
			o := &oldEnv{sec: s}
			if k := s.header.table.get("name"); k != nil && k.val.kind == unstable.String {
				o.name = k.val.str
			}
			if k := s.header.table.get("preset"); k != nil && k.val.kind == unstable.String {
				o.preset = k.val.str
			}
			olds = append(olds, o)
		}
	}
	// Pair new environments with old blocks: by name, then (a rename in
	// the form) by position when the preset is the same.
	news := cfg.Environments
	pair := make([]*oldEnv, len(news))
	for j, e := range news {
		for _, o := range olds {
			if !o.used && o.name == e.Name {
				pair[j], o.used = o, true
				break
			}
		}
	}
	for j := range news {
		if pair[j] == nil && j < len(olds) && !olds[j].used && olds[j].preset == news[j].Preset {
			pair[j], olds[j].used = olds[j], true
		}
	}
	envText := func(j int) (string, bool) {
		e := news[j]
		if o := pair[j]; o != nil {
			return editTable(doc, o.sec, o.sec.header.table, envKeys, envValues(e), envDefaults(e), func(v fval) fval { return v }), false
		}
		return envBlock(e), true
	}

	var out bytes.Buffer
	write := func(text string, fresh bool) {
		if text == "" {
			return
		}
		if b := out.Bytes(); len(b) > 0 {
			if b[len(b)-1] != '\n' {
				out.WriteByte('\n')
			}
			if fresh && !bytes.HasSuffix(out.Bytes(), []byte("\n\n")) {
				out.WriteByte('\n')
			}
		}
		out.WriteString(text)
	}
	preambleEnd := len(doc.data)
	if len(secs) > 0 {
		preambleEnd = secs[0].start
	}
	out.Write(doc.data[:preambleEnd])

	hasSettings := slices.ContainsFunc(secs, section.isSettings)
	settingsText := settingsBlock(cfg.Settings)
	slot := 0
	for i, s := range secs {
		switch {
		case s.isEnv():
			if !hasSettings && settingsText != "" {
				write(settingsText+"\n", true) // a blank line before the environment
				settingsText = ""
			}
			if slot < len(news) {
				text, fresh := envText(slot)
				if fresh && i+1 < len(secs) {
					text += "\n" // a blank line before the next table
				}
				write(text, fresh)
			}
			slot++
		case s.isSettings():
			write(editTable(doc, s, s.header.table, settingsKeys, settingsValues(cfg.Settings), settingsDefaults(), normDuration), false)
		default:
			write(string(doc.data[s.start:s.end]), false)
		}
	}
	if !hasSettings {
		write(settingsText, true)
	}
	for ; slot < len(news); slot++ {
		write(envText(slot))
	}
	if b := out.Bytes(); len(b) > 0 && b[len(b)-1] != '\n' {
		out.WriteByte('\n')
	}
	return out.Bytes(), true
}

// ErrNotInFile means the environment to remove is not in the config file.
var ErrNotInFile = errors.New("no such environment in the config file")

// readForEdit reads the config file as it is now for one edit: a missing
// file is an empty config; a file that does not load is an error (every
// problem, as ParseConfig gives them), so an edit never hides or drops
// what is wrong with it.
func readForEdit(path string) (*Config, error) {
	original, err := readConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{Path: path}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, original)
}

// PutEnvironmentInFile creates or replaces the environment called e.Name
// in the config file at path, reading the file as it is now so that every
// other environment, the settings, comments and hand edits stay as they
// are; the file is written atomically (SaveConfigFile). e is validated the
// way the loader validates a table; on any problem nothing is written.
func PutEnvironmentInFile(path string, e Environment) error {
	if err := CheckEnvironment(e); err != nil {
		return err
	}
	e, _ = ApplyPreset(e)
	cfg, err := readForEdit(path)
	if err != nil {
		return err
	}
	replaced := false
	for i := range cfg.Environments {
		if cfg.Environments[i].Name == e.Name {
			cfg.Environments[i], replaced = e, true
			break
		}
	}
	if !replaced {
		cfg.Environments = append(cfg.Environments, e)
	}
	return SaveConfigFile(path, cfg)
}

// RemoveEnvironmentFromFile removes the environment called name from the
// config file at path, keeping everything else as the file has it now.
// It returns an error matching ErrNotInFile when the file has no such
// environment (and then writes nothing).
func RemoveEnvironmentFromFile(path, name string) error {
	cfg, err := readForEdit(path)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cfg.Environments, func(e Environment) bool { return e.Name == name })
	if i < 0 {
		return fmt.Errorf("remove %q from %s: %w", name, path, ErrNotInFile)
	}
	cfg.Environments = slices.Delete(cfg.Environments, i, i+1)
	return SaveConfigFile(path, cfg)
}

// PutSettingsInFile sets the [settings] of the config file at path: a zero
// field of s leaves that setting as the file has it now. Everything else in
// the file is kept; the file is written atomically.
func PutSettingsInFile(path string, s Settings) error {
	if s.RefreshMargin < 0 || s.ClipboardClear < 0 {
		return checkConfigForWrite(&Config{Settings: s})
	}
	cfg, err := readForEdit(path)
	if err != nil {
		return err
	}
	if s.RefreshMargin > 0 {
		cfg.Settings.RefreshMargin = s.RefreshMargin
	}
	if s.ClipboardClear > 0 {
		cfg.Settings.ClipboardClear = s.ClipboardClear
	}
	return SaveConfigFile(path, cfg)
}

// AsWritten returns e with what its preset fills left out: the keys a
// config file needs to say for e (name, preset, and every value that
// differs from the preset's), as WriteConfig writes a new table.
func AsWritten(e Environment) Environment {
	if e.Preset == "" {
		return e
	}
	d, err := ApplyPreset(Environment{Preset: e.Preset})
	if err != nil {
		return e
	}
	drop := func(v *string, def string) {
		if *v == def {
			*v = ""
		}
	}
	drop((*string)(&e.Flow), string(d.Flow))
	drop(&e.AuthURL, d.AuthURL)
	drop(&e.TokenURL, d.TokenURL)
	drop(&e.RevokeURL, d.RevokeURL)
	drop(&e.DeviceURL, d.DeviceURL)
	drop(&e.AuthStyle, d.AuthStyle)
	drop(&e.Guard, d.Guard)
	if d.Scopes != nil && slices.Equal(e.Scopes, d.Scopes) {
		e.Scopes = nil
	}
	return e
}
