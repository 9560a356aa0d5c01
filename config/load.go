package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// ConfigError is one problem in a config file. It names the file, the line
// and the key, so the message tells the user exactly what to fix.
type ConfigError struct {
	File string
	Line int    // 1-based; the table header's line when a required key is missing
	Env  string // environment name; "" outside an environment or when it has none
	Key  string // as written in its table; settings keys read "settings.NAME"
	Msg  string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Env != "" {
		fmt.Fprintf(&b, "environment %q: ", Printable(e.Env, 0))
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "key %q: ", Printable(e.Key, 0))
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors returns every *ConfigError inside err (ParseConfig joins
// them with errors.Join), in order.
func ConfigErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *ConfigError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// LoadConfig reads and validates the config file at path. When the file
// does not exist it returns an empty Config (default settings, no
// environments) and an error for which errors.Is(err, fs.ErrNotExist)
// holds, so the caller can decide whether a missing file matters. A file
// another user could write, or that is not a regular file of at most
// MaxConfigSize bytes, is refused (see CheckConfigFile).
func LoadConfig(path string) (*Config, error) {
	data, err := readConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg := &Config{Path: path}
		cfg.Settings = WithDefaults(cfg.Settings)
		return cfg, fmt.Errorf("no config file at %s: %w", path, err)
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig reads a config file's contents; path is only used in
// messages and as Config.Path. The config is strict: unknown keys, values
// of the wrong type, bad values, duplicate names, missing required keys and
// any client_secret are errors. All problems are reported at once, sorted by
// line, as *ConfigError values joined with errors.Join (see ConfigErrors).
//
// Presets are applied and default settings filled. On error the returned
// Config is non-nil when the file could be read as TOML and holds the
// environments that had no problem, for callers that want to show them.
func ParseConfig(path string, data []byte) (*Config, error) {
	doc, err := parseTOMLDoc(data)
	if err != nil {
		return nil, tomlSyntaxError(path, err)
	}
	r := configReader{file: path}
	cfg := r.read(doc)
	cfg.Path = path
	return cfg, r.err()
}

// CheckEnvironment validates one environment the way ParseConfig does, for
// the add/edit form. The errors are *ConfigError values without file or line.
func CheckEnvironment(e Environment) error {
	r := configReader{}
	r.checkEnv(e, func(string) int { return 0 })
	return r.err()
}

// tomlSyntaxError turns a go-toml error into a positioned ConfigError.
// A ConfigError from checkConfigShape only gets the file name.
func tomlSyntaxError(path string, err error) error {
	var shape *ConfigError
	if errors.As(err, &shape) {
		shape.File = path
		return shape
	}
	ce := &ConfigError{File: path, Msg: Printable(strings.TrimPrefix(err.Error(), "toml: "), 0)}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		ce.Line, _ = de.Position()
		if k := de.Key(); len(k) > 0 {
			ce.Key = strings.Join(k, ".")
		}
	}
	ce.Msg = "not valid TOML: " + ce.Msg
	return ce
}

var envNameRE = regexp.MustCompile(`^[a-z0-9-]+$`)

const secretMsg = "secrets never live in the config file; delete this line and run `tokentray secret set %s` (it reads the secret from stdin into the keychain)"

// configReader turns a parsed document into a Config, collecting problems.
type configReader struct {
	file string
	errs []*ConfigError
}

func (r *configReader) fail(line int, env, key, format string, args ...any) {
	r.errs = append(r.errs, &ConfigError{File: r.file, Line: line, Env: env, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// err joins the problems found, sorted by line; nil when there are none.
// Past maxProblems the rest are counted in one last line: a screen of
// problems is enough to start fixing.
func (r *configReader) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	sort.SliceStable(r.errs, func(i, j int) bool { return r.errs[i].Line < r.errs[j].Line })
	shown := r.errs
	if len(shown) > maxProblems {
		shown = shown[:maxProblems]
	}
	errs := make([]error, 0, len(shown)+1)
	for _, e := range shown {
		errs = append(errs, e)
	}
	if more := len(r.errs) - len(shown); more > 0 {
		errs = append(errs, &ConfigError{File: r.file, Msg: fmt.Sprintf("and %d more problems", more)})
	}
	return errors.Join(errs...)
}

func (r *configReader) read(doc *tomlDoc) *Config {
	cfg := &Config{}
	var envs []envRead // every table read, for the duplicate-name check
	for _, k := range doc.root.keys {
		switch k.name {
		case "settings":
			if k.val.kind != unstable.Table && k.val.kind != unstable.InlineTable {
				r.fail(k.line, "", k.name, "must be a table ([settings]), not %s", kindName(k.val))
				continue
			}
			cfg.Settings = r.readSettings(k.val.table)
		case "environment":
			for _, t := range envTables(k.val) {
				if t == nil {
					r.fail(k.line, "", k.name, "must be a list of tables ([[environment]]), not %s", kindName(k.val))
					break
				}
				envs = append(envs, r.readEnv(t))
			}
		case "client_secret":
			r.fail(k.line, "", k.name, secretMsg, "NAME")
		default:
			r.fail(k.line, "", k.name, "unknown key (the config has [settings] and [[environment]] tables)")
		}
	}
	names := make([]string, len(envs))
	for i, re := range envs {
		names[i] = re.env.Name
	}
	dups := DuplicateNames(names)
	for i, re := range envs {
		if first, dup := dups[i]; dup {
			r.fail(re.nameLine, re.env.Name, "name", "duplicate name: the environment on line %d already has it; every environment needs its own name", envs[first].nameLine)
			continue
		}
		if re.ok {
			cfg.Environments = append(cfg.Environments, re.env)
		}
	}
	cfg.Settings = WithDefaults(cfg.Settings)
	return cfg
}

// envRead is one [[environment]] table as read: ok is false when it had
// problems.
type envRead struct {
	env      Environment
	nameLine int
	ok       bool
}

// envTables returns the tables of an environment array; a nil entry means
// the value is not an array of tables.
func envTables(v *tomlValue) []*tomlTable {
	if v.kind != unstable.ArrayTable && v.kind != unstable.Array {
		return []*tomlTable{nil}
	}
	out := make([]*tomlTable, 0, len(v.items))
	for _, it := range v.items {
		if it.table == nil {
			return []*tomlTable{nil}
		}
		out = append(out, it.table)
	}
	return out
}

func (r *configReader) readSettings(t *tomlTable) Settings {
	var s Settings
	for _, k := range t.keys {
		key := "settings." + k.name
		if k.name == "client_secret" {
			r.fail(k.line, "", key, secretMsg, "NAME")
			continue
		}
		setting, known := lookupSetting(k.name)
		if !known {
			r.fail(k.line, "", key, "unknown key (known keys: %s)", settingKeyNames(anySetting))
			continue
		}
		if setting.text != nil {
			if k.val.kind != unstable.String {
				r.fail(k.line, "", key, "must be a string (got %s)", kindName(k.val))
			} else if msg := setting.check(k.val.str); msg != "" {
				r.fail(k.line, "", key, "%s", msg)
			} else {
				*setting.text(&s) = k.val.str
			}
			continue
		}
		if k.val.kind != unstable.String {
			r.fail(k.line, "", key, "must be a duration string such as \"5m\" (got %s)", kindName(k.val))
			continue
		}
		d, msg := setting.parse(k.val.str)
		if msg != "" {
			r.fail(k.line, "", key, "%s", msg)
			continue
		}
		*setting.field(&s) = d
	}
	return s
}

// readEnv reads one [[environment]] table.
func (r *configReader) readEnv(t *tomlTable) envRead {
	before := len(r.errs)
	var e Environment
	// The name first, so every message about this table can carry it.
	if k := t.get("name"); k != nil && k.val.kind == unstable.String {
		e.Name = k.val.str
	}
	lineOf := func(key string) int {
		if k := t.get(key); k != nil {
			return k.line
		}
		return t.line
	}
	for _, k := range t.keys {
		if k.name == "client_secret" {
			r.fail(k.line, e.Name, k.name, secretMsg, cmp.Or(e.Name, "NAME"))
			continue
		}
		entry, known := lookupEnvKey(k.name)
		if !known {
			r.fail(k.line, e.Name, k.name, "unknown key (known keys: %s)", envKeyNames())
			continue
		}
		v, msg := entry.kind().fromTOML(k.val)
		if msg != "" {
			r.fail(k.line, e.Name, k.name, "%s", msg)
			continue
		}
		entry.set(&e, v)
	}
	if len(r.errs) > before {
		return envRead{e, lineOf("name"), false}
	}
	e = r.checkEnv(e, lineOf)
	return envRead{e, lineOf("name"), len(r.errs) == before}
}

// checkEnv validates values, applies the preset and checks that what the
// flow needs is there. lineOf gives the line of a key (or of the table).
func (r *configReader) checkEnv(e Environment, lineOf func(string) int) Environment {
	before := len(r.errs)
	fail := func(key, format string, args ...any) {
		r.fail(lineOf(key), e.Name, key, format, args...)
	}
	// Each value on its own. A key every environment needs (the name) is
	// reported missing here too, with the values' problems.
	for i := range envKeys {
		k := &envKeys[i]
		v := k.get(&e)
		if v.empty() && k.role == userRequired && k.missing != nil {
			fail(k.key, "missing: %s", k.missing(nil))
		} else if msg := k.problem(v); msg != "" {
			fail(k.key, "%s", msg)
		}
	}
	if len(r.errs) > before {
		return e
	}

	given := e
	e, _ = ApplyPreset(e) // the preset name was checked above
	for _, p := range append(clientAuthProblems(given, e), proxyProblems(e)...) {
		fail(p.key, "%s", p.msg)
	}
	var preset *Preset
	if p, ok := LookupPreset(e.Preset); ok {
		preset = &p
	}
	// What the flow needs, once the preset has filled its part.
	for i := range envKeys {
		k := &envKeys[i]
		if k.missing == nil || !k.get(&e).empty() {
			continue
		}
		need := k.need(preset, e.Flow)
		if need == KeyRequired || need == KeyRequiredUnlessIssuer && e.Issuer == "" {
			fail(k.key, "missing: %s", k.missing(preset))
		}
	}
	if RedirectNeedsPaste(e.RedirectURI) && e.Flow != "" && e.Flow != FlowAuthorizationCode {
		fail("redirect_uri", "an https:// redirect_uri is only used by the %s flow (this environment uses %s)", FlowAuthorizationCode, e.Flow)
	}
	return e
}

// Checks of single values (envKey.check): what is wrong, or "".

func checkName(v string) string {
	if !envNameRE.MatchString(v) {
		return fmt.Sprintf("must be lowercase letters, digits and dashes only (got %q)", Printable(v, 0))
	}
	return ""
}

func checkPreset(v string) string {
	if _, ok := LookupPreset(v); !ok {
		return fmt.Sprintf("unknown preset %q (known presets: %s)", Printable(v, 0), presetNames())
	}
	return ""
}

func checkFlow(v string) string {
	switch Flow(v) {
	case FlowAuthorizationCode, FlowClientCredentials, FlowDeviceCode:
		return ""
	}
	return fmt.Sprintf("unknown flow %q (use %q, %q or %q)", Printable(v, 0), FlowAuthorizationCode, FlowClientCredentials, FlowDeviceCode)
}

func checkScope(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\r\n") {
		return fmt.Sprintf("each scope is one word without spaces; list them separately, e.g. [\"read\", \"write\"] (got %q)", Printable(v, 0))
	}
	return ""
}

// endpointURL is the check of a provider URL: what is wrong with one, or
// "". example is a URL of that endpoint's kind, so the authorization URL's
// message does not suggest a token endpoint.
func endpointURL(example string) func(string) string {
	return func(raw string) string {
		shown := Printable(raw, 0)
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Sprintf("must be an absolute URL such as %q (got %q)", example, shown)
		}
		if !SecureEndpoint(u) {
			return fmt.Sprintf("must be https:// unless the host is loopback (got %q)", shown)
		}
		return ""
	}
}

// SecureEndpoint reports whether u may carry secrets: https://, or plain
// http:// on a loopback host.
func SecureEndpoint(u *url.URL) bool {
	return u.Scheme == "https" || (u.Scheme == "http" && IsLoopbackHost(u.Hostname()))
}

// checkRedirectURI returns what is wrong with a redirect URI, or "". A
// plain http redirect URI is one the engine listens on, so it must be on a
// loopback address, with the port and the path the provider has
// registered. An https:// one is the integrator's own callback (any host):
// tokentray cannot listen there, so the login reads the URL the browser
// ended on from the user instead (RedirectNeedsPaste).
func checkRedirectURI(raw string) string {
	shown := Printable(raw, 0)
	u, err := url.Parse(raw)
	example := "http://127.0.0.1:8750/callback"
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Sprintf("must be an absolute URL such as %q or \"https://app.example.com/oauth/callback\" (got %q)", example, shown)
	}
	host := u.Hostname()
	switch {
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Sprintf("must not have a #fragment (got %q)", shown)
	case u.User != nil:
		return fmt.Sprintf("must not carry user information (got %q)", shown)
	case u.Scheme == "https":
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return fmt.Sprintf("port must be between 1 and 65535 (got %q)", shown)
			}
		}
		return ""
	case u.Scheme != "http":
		return fmt.Sprintf("must be http:// on a loopback address, where tokentray listens, e.g. %q, "+
			"or the https:// URI registered with the provider, whose URL you then paste after login (got %q)", example, shown)
	case host != "127.0.0.1" && host != "::1" && host != "localhost":
		return fmt.Sprintf("must use host 127.0.0.1, [::1] or localhost, e.g. %q; a redirect URI on another host must be https:// (got %q)", example, shown)
	case u.Port() == "":
		return fmt.Sprintf("must name a port, e.g. %q (got %q)", example, shown)
	case u.Path == "":
		return fmt.Sprintf("must have a path, e.g. %q (got %q)", example, shown)
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return fmt.Sprintf("port must be between 1 and 65535 (got %q)", shown)
	}
	return ""
}

// RedirectNeedsPaste reports whether a (valid) redirect URI is one tokentray
// cannot listen on: an https:// URI, typically the integrator's own server.
// A login with it is finished by pasting the URL the browser ended on.
func RedirectNeedsPaste(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && raw != "" && strings.EqualFold(u.Scheme, "https")
}

// IsLoopbackHost: localhost, 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func kindName(v *tomlValue) string {
	switch v.kind {
	case unstable.String:
		return "a string"
	case unstable.Integer:
		return "an integer"
	case unstable.Float:
		return "a float"
	case unstable.Bool:
		return "a boolean"
	case unstable.Array:
		return "a list"
	case unstable.ArrayTable:
		return "a list of tables"
	case unstable.Table, unstable.InlineTable:
		return "a table"
	default:
		return "a date/time"
	}
}

// --- a small TOML document model that remembers where everything is ---

// tomlValue is a value with the line it appears on.
type tomlValue struct {
	kind  unstable.Kind // String, Integer, ..., Array, ArrayTable, Table or InlineTable
	line  int
	str   string       // scalars: the decoded value
	items []*tomlValue // Array and ArrayTable elements
	table *tomlTable   // Table and InlineTable
}

// tomlKey is one key of a table. start, valStart and end are byte offsets
// of the `key = value` expression, its value, and its end, for in-place
// edits; start is -1 for keys that are not top-level expressions.
type tomlKey struct {
	name                 string
	line                 int
	val                  *tomlValue
	start, valStart, end int
}

// tomlTable is a table in document order. start is the offset of its
// [header] line, -1 when it has none (root, dotted or inline tables).
type tomlTable struct {
	line  int
	start int
	keys  []*tomlKey
}

func (t *tomlTable) get(name string) *tomlKey {
	for _, k := range t.keys {
		if k.name == name {
			return k
		}
	}
	return nil
}

// tomlDoc is a parsed document: the root table and the top-level headers
// in order, for splitting the text into blocks.
type tomlDoc struct {
	data       []byte
	lineStarts []int
	root       *tomlTable
	headers    []tomlHeader
}

type tomlHeader struct {
	path  []string
	array bool
	table *tomlTable
}

func parseTOMLDoc(data []byte) (*tomlDoc, error) {
	// go-toml's decoder checks everything the TOML spec asks (duplicate
	// keys, redefined tables, ...) with positions; the walk below can then
	// trust the document's shape.
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // a BOM from Windows editors
	if err := checkConfigShape(data); err != nil {
		return nil, err
	}
	var scratch map[string]any
	if err := toml.Unmarshal(data, &scratch); err != nil {
		return nil, err
	}
	doc := &tomlDoc{data: data, root: &tomlTable{line: 1, start: -1}, lineStarts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			doc.lineStarts = append(doc.lineStarts, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	current := doc.root
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.KeyValue:
			doc.addKeyValue(current, expr, true)
		case unstable.Table, unstable.ArrayTable:
			current = doc.addHeader(expr)
		}
	}
	if err := p.Error(); err != nil {
		return nil, err // unreachable after Unmarshal succeeded, kept for safety
	}
	return doc, nil
}

func (d *tomlDoc) lineAt(offset int) int {
	return sort.Search(len(d.lineStarts), func(i int) bool { return d.lineStarts[i] > offset })
}

func (d *tomlDoc) lineStartOf(offset int) int {
	return d.lineStarts[d.lineAt(offset)-1]
}

type keyPart struct {
	name       string
	start, end int
}

func keyParts(n *unstable.Node) []keyPart {
	var parts []keyPart
	it := n.Key()
	for it.Next() {
		k := it.Node()
		parts = append(parts, keyPart{name: string(k.Data), start: int(k.Raw.Offset), end: int(k.Raw.Offset + k.Raw.Length)})
	}
	return parts
}

// child returns the table under name in t, creating an implicit one;
// for an array of tables it returns the last element.
func (d *tomlDoc) child(t *tomlTable, name string, line int) *tomlTable {
	if k := t.get(name); k != nil {
		switch {
		case k.val.table != nil:
			return k.val.table
		case len(k.val.items) > 0 && k.val.items[len(k.val.items)-1].table != nil:
			return k.val.items[len(k.val.items)-1].table
		}
	}
	nt := &tomlTable{line: line, start: -1}
	t.keys = append(t.keys, &tomlKey{name: name, line: line, start: -1, val: &tomlValue{kind: unstable.Table, line: line, table: nt}})
	return nt
}

func (d *tomlDoc) addHeader(expr *unstable.Node) *tomlTable {
	parts := keyParts(expr)
	line := d.lineAt(parts[0].start)
	start := d.lineStartOf(parts[0].start)
	t := d.root
	for _, part := range parts[:len(parts)-1] {
		t = d.child(t, part.name, line)
	}
	last := parts[len(parts)-1].name
	h := tomlHeader{array: expr.Kind == unstable.ArrayTable}
	for _, part := range parts {
		h.path = append(h.path, part.name)
	}
	if h.array {
		k := t.get(last)
		if k == nil {
			k = &tomlKey{name: last, line: line, start: -1, val: &tomlValue{kind: unstable.ArrayTable, line: line}}
			t.keys = append(t.keys, k)
		}
		nt := &tomlTable{line: line, start: start}
		k.val.items = append(k.val.items, &tomlValue{kind: unstable.Table, line: line, table: nt})
		h.table = nt
	} else {
		nt := d.child(t, last, line)
		nt.line, nt.start = line, start // an implicit table becomes explicit here
		h.table = nt
	}
	d.headers = append(d.headers, h)
	return h.table
}

func (d *tomlDoc) addKeyValue(t *tomlTable, expr *unstable.Node, topLevel bool) {
	parts := keyParts(expr)
	line := d.lineAt(parts[len(parts)-1].start)
	for _, part := range parts[:len(parts)-1] {
		t = d.child(t, part.name, line)
	}
	k := &tomlKey{name: parts[len(parts)-1].name, line: line, start: -1, val: d.value(expr.Value(), line)}
	if topLevel {
		k.start = int(expr.Raw.Offset)
		k.end = int(expr.Raw.Offset + expr.Raw.Length)
		// The value starts after `=` and the blanks around it.
		i := parts[len(parts)-1].end
		for i < k.end && d.data[i] != '=' {
			i++
		}
		for i++; i < k.end && (d.data[i] == ' ' || d.data[i] == '\t'); i++ {
		}
		k.valStart = i
	}
	t.keys = append(t.keys, k)
}

func (d *tomlDoc) value(n *unstable.Node, line int) *tomlValue {
	v := &tomlValue{kind: n.Kind, line: line}
	switch n.Kind {
	case unstable.Array:
		it := n.Children()
		for it.Next() {
			if c := it.Node(); c.Kind != unstable.Comment {
				v.items = append(v.items, d.value(c, line))
			}
		}
	case unstable.InlineTable:
		v.table = &tomlTable{line: line, start: -1}
		it := n.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				d.addKeyValue(v.table, c, false)
			}
		}
	default:
		v.str = string(n.Data)
	}
	return v
}

// stringsEqualNil compares scope lists, telling nil (unset) from empty.
func stringsEqualNil(a, b []string) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}
