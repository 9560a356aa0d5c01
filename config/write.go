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
	f, err := (&File{Path: path, Data: original}).With(cfg)
	if err != nil {
		return nil, err
	}
	return f.Data, nil
}

// SaveConfigFile writes cfg to path with WriteConfig, keeping what the
// current file says where it can. The file is replaced atomically (temp
// file and rename) keeping its mode, 0600 for a new one; a missing
// directory is created 0700. A symlink is written through (WriteFileAtomic).
func SaveConfigFile(path string, cfg *Config) error {
	original, err := readConfigFile(path) // the same checks as LoadConfig
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read config: %w", err)
	}
	out, err := WriteConfig(path, cfg, original)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, out)
}

// WriteFileAtomic replaces path with data through a temp file and a
// rename, keeping the file's mode (less any group or other write bit,
// which LoadConfig would refuse); a new file is 0600 and a missing
// directory is created 0700. A symlink (dotfiles repos link the config)
// stays a symlink: the file it points to is replaced, from a temp file in
// that file's directory, since a rename works within one file system.
func WriteFileAtomic(path string, out []byte) error {
	target, err := linkTarget(path)
	if err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm() &^ 0o022
	}
	dir := filepath.Dir(target)
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
		err = os.Rename(tmp, target)
	}
	if err != nil {
		return fmt.Errorf("save config %s: %w", target, err)
	}
	return nil
}

// maxLinks is how many symlinks linkTarget follows, as Linux does.
const maxLinks = 40

// linkTarget follows path while it is a symlink and returns the path of
// the file it ends at, which need not exist yet (a link to a file still to
// be made is written through too). A path that is no symlink is returned
// as it is.
func linkTarget(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			// Relative to the directory the link really is in: joined to
			// a path through a linked directory, ".." would go elsewhere.
			dir, err := filepath.EvalSymlinks(filepath.Dir(path))
			if err != nil {
				return "", err
			}
			dest = filepath.Join(dir, dest)
		}
		path = dest
	}
	return "", fmt.Errorf("%s: more than %d symbolic links in a row", path, maxLinks)
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
	errs = append(errs, checkSettings(cfg.Settings))
	return errors.Join(errs...)
}

// keyText is one key of a table as WriteConfig writes it: its value, and
// def, what leaving it out gives (the preset's value or the default
// setting).
type keyText struct {
	key      string
	val, def value
}

// envTexts gives every key of e, in the order of envKeys.
func envTexts(e Environment) []keyText {
	def := presetValues(e.Preset, e.Tenant)
	out := make([]keyText, len(envKeys))
	for i := range envKeys {
		k := &envKeys[i]
		out[i] = keyText{key: k.key, val: k.get(&e), def: k.get(&def)}
	}
	return out
}

// settingsTexts gives every setting of s, in the order of settingKeys.
func settingsTexts(s Settings) []keyText {
	s = WithDefaults(s)
	out := make([]keyText, len(settingKeys))
	for i := range settingKeys {
		k := &settingKeys[i]
		if k.text != nil {
			out[i] = keyText{key: k.key, val: value{str: *k.text(&s)}}
			continue
		}
		out[i] = keyText{key: k.key, val: value{str: FormatDuration(*k.field(&s))}, def: value{str: FormatDuration(k.def)}}
	}
	return out
}

// normDuration makes "300s" and "5m" compare equal.
func normDuration(v value) value {
	if d, err := time.ParseDuration(v.str); err == nil && v.kind == stringKind {
		return value{str: FormatDuration(d)}
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
func tableLines(keys []keyText) string {
	var b strings.Builder
	for _, k := range keys {
		if k.key == "name" || (!k.val.empty() && !k.val.equal(k.def)) {
			fmt.Fprintf(&b, "%s = %s\n", k.key, k.val.encode())
		}
	}
	return b.String()
}

func envBlock(e Environment) string {
	return "[[environment]]\n" + tableLines(envTexts(e))
}

func settingsBlock(s Settings) string {
	lines := tableLines(settingsTexts(s))
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
// that no longer resolve to their values, and drops any client_secret.
func editTable(d *tomlDoc, sec section, t *tomlTable, keys []keyText, norm func(value) value) string {
	var edits []textEdit
	var inserts strings.Builder
	deleteKey := func(k *tomlKey) {
		edits = append(edits, textEdit{start: d.lineStartOf(k.start), end: d.lineEnd(k.end)})
	}
	for _, kt := range keys {
		key, v, def := kt.key, kt.val, kt.def
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
		raw, msg := v.kind.fromTOML(k.val)
		if msg == "" {
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
			return editTable(doc, o.sec, o.sec.header.table, envTexts(e), func(v value) value { return v }), false
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
			write(editTable(doc, s, s.header.table, settingsTexts(cfg.Settings), normDuration), false)
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

// edit reads the config file at path, changes it with change and writes
// it: every other environment, the settings, comments and hand edits stay
// as the file has them now, and nothing is written when the result would
// not read back.
func edit(path string, change func(*Config) (*Config, error)) error {
	f, err := ReadFile(path)
	if err != nil {
		return err
	}
	cfg, err := change(f.Config)
	if err != nil {
		return err
	}
	next, err := f.With(cfg)
	if err != nil {
		return err
	}
	return next.Save()
}

// PutEnvironmentInFile creates or replaces the environment called e.Name
// in the config file at path (see edit). e is validated the way the
// loader validates a table; on any problem nothing is written.
func PutEnvironmentInFile(path string, e Environment) error {
	if err := CheckEnvironment(e); err != nil {
		return err
	}
	return edit(path, func(c *Config) (*Config, error) { return c.WithEnvironment(e), nil })
}

// RemoveEnvironmentFromFile removes the environment called name from the
// config file at path (see edit). It returns an error matching
// ErrNotInFile when the file has no such environment, and writes nothing.
func RemoveEnvironmentFromFile(path, name string) error {
	return edit(path, func(c *Config) (*Config, error) {
		next, ok := c.Without(name)
		if !ok {
			return nil, fmt.Errorf("remove %q from %s: %w", name, path, ErrNotInFile)
		}
		return next, nil
	})
}

// PutSettingsInFile sets the [settings] of the config file at path: a zero
// field of s leaves that setting as the file has it now (see edit). A
// value out of bounds writes nothing.
func PutSettingsInFile(path string, s Settings) error {
	if err := checkSettings(s); err != nil {
		return err
	}
	return edit(path, func(c *Config) (*Config, error) { return c.WithSettings(s), nil })
}

// AsWritten returns e with what its preset fills left out: the keys a
// config file needs to say for e (name, preset, and every value that
// differs from the preset's), as WriteConfig writes a new table.
func AsWritten(e Environment) Environment {
	def := presetValues(e.Preset, e.Tenant)
	for i := range envKeys {
		k := &envKeys[i]
		if d := k.get(&def); !d.empty() && k.get(&e).equal(d) {
			k.set(&e, value{kind: d.kind}) // left out
		}
	}
	return e
}
