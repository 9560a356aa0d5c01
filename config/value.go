package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyKind is the type of a key's value; it decides how the value is read
// from TOML and JSON and how it is written.
type keyKind int

const (
	stringKind keyKind = iota
	listKind           // a list of strings
	boolKind
)

// value is one key's value, whatever its kind.
type value struct {
	kind keyKind
	str  string
	list []string // nil (left out) differs from an empty list
	flag bool
}

// empty reports whether v is what leaving the key out gives.
func (v value) empty() bool {
	switch v.kind {
	case listKind:
		return v.list == nil
	case boolKind:
		return !v.flag
	}
	return v.str == ""
}

func (v value) equal(w value) bool {
	return v.kind == w.kind && v.str == w.str && v.flag == w.flag && stringsEqualNil(v.list, w.list)
}

// encode writes v as a TOML value.
func (v value) encode() string {
	switch v.kind {
	case listKind:
		parts := make([]string, len(v.list))
		for i, s := range v.list {
			parts[i] = tomlString(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case boolKind:
		return fmt.Sprint(v.flag)
	}
	if text, ok := multilineLiteral(v.str); ok {
		return text
	}
	return tomlString(v.str)
}

// multilineLiteral writes a text of several lines (a PEM certificate) as
// a TOML multi-line literal string, one line of the file per line of the
// text, as a person would paste it; false when s has one line or
// characters a literal string cannot hold.
func multilineLiteral(s string) (string, bool) {
	if !strings.Contains(s, "\n") || strings.Contains(s, "'''") || strings.HasSuffix(s, "'") {
		return "", false
	}
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f) {
			return "", false
		}
	}
	// A newline right after the opening quotes is not part of the value.
	return "'''\n" + s + "'''", true
}

// mismatch is the message for a value of the wrong type; got names it
// ("an integer").
func (k keyKind) mismatch(got string) string {
	switch k {
	case listKind:
		return fmt.Sprintf("must be a list of strings such as [\"read\", \"write\"] (got %s)", got)
	case boolKind:
		return fmt.Sprintf("must be true or false (got %s)", got)
	}
	return fmt.Sprintf("must be a string (got %s)", got)
}

func elementMismatch(got string) string {
	return fmt.Sprintf("must be a list of strings (got an element of type %s)", got)
}

// fromTOML reads a TOML value of kind k; the message says what is wrong.
func (k keyKind) fromTOML(v *tomlValue) (value, string) {
	out := value{kind: k}
	switch {
	case k == stringKind && v.kind == unstable.String:
		out.str = v.str
	case k == boolKind && v.kind == unstable.Bool:
		out.flag = v.str == "true"
	case k == listKind && v.kind == unstable.Array:
		out.list = make([]string, 0, len(v.items))
		for _, it := range v.items {
			if it.kind != unstable.String {
				return value{}, elementMismatch(kindName(it))
			}
			out.list = append(out.list, it.str)
		}
	default:
		return value{}, k.mismatch(kindName(v))
	}
	return out, ""
}

// fromJSON reads a JSON value of kind k, with the messages of fromTOML.
// null leaves the key out.
func (k keyKind) fromJSON(raw json.RawMessage) (value, string) {
	out := value{kind: k}
	got := jsonKindName(raw)
	if got == "null" {
		return out, ""
	}
	var err error
	switch {
	case k == stringKind && got == "a string":
		err = json.Unmarshal(raw, &out.str)
	case k == boolKind && got == "a boolean":
		err = json.Unmarshal(raw, &out.flag)
	case k == listKind && got == "a list":
		var items []json.RawMessage
		err = json.Unmarshal(raw, &items)
		out.list = make([]string, len(items))
		for i, it := range items {
			if g := jsonKindName(it); g != "a string" {
				return value{}, elementMismatch(g)
			}
			err = errors.Join(err, json.Unmarshal(it, &out.list[i]))
		}
	default:
		return value{}, k.mismatch(got)
	}
	if err != nil {
		return value{}, k.mismatch(got) // not reached for valid JSON
	}
	return out, ""
}

// jsonKindName names the type of a valid JSON value the way kindName
// names TOML's.
func jsonKindName(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '[':
		return "a list"
	case '{':
		return "an object"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
