package config

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// maxKeyShown is how much of a key or name from a request a problem shows.
const maxKeyShown = 80

// ParseEnvironmentJSON reads the environment called name from data: one
// JSON object with the config file's keys, such as the body of PUT
// /v1/environments/{name}. It is checked like an [[environment]] table,
// with the loader's messages, and every problem comes at once (without file
// or line): each key once, no client_secret, and a "name" that is name or
// left out. otherExists (nil: not asked) tells whether another environment
// has a name, so that a "name" naming one is called a duplicate. The
// environment is returned as given, without its preset applied.
func ParseEnvironmentJSON(name string, data []byte, otherExists func(string) bool) (Environment, []*ConfigError) {
	e := Environment{Name: name}
	shownName := Printable(name, maxKeyShown)
	var problems []*ConfigError
	bad := map[string]bool{} // keys that already have a problem
	fail := func(key, format string, args ...any) {
		problems = append(problems, &ConfigError{Env: name, Key: key, Msg: fmt.Sprintf(format, args...)})
		bad[key] = true
	}
	notJSON := func(key string, err error) []*ConfigError {
		return append(problems, &ConfigError{Env: name, Key: Printable(key, maxKeyShown), Msg: "the body is not valid JSON: " + Printable(err.Error(), maxKeyShown)})
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return e, []*ConfigError{{Env: name, Msg: "the body must be one JSON object with the config file's keys, e.g. {\"preset\": \"zepto-sandbox\", \"client_id\": \"...\"}"}}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, notJSON("", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return e, notJSON(key, err)
		}
		shown := Printable(key, maxKeyShown)
		if seen[key] {
			fail(shown, "given twice; give each key once")
			continue
		}
		seen[key] = true
		if key == "client_secret" {
			fail(key, "secrets never live in the config file; send it with PUT /v1/environments/%s/secret "+
				"(`tokentray secret set %s` reads it from stdin into the keychain)", shownName, shownName)
			continue
		}
		k, known := lookupEnvKey(key)
		if !known {
			fail(shown, "unknown key (known keys: %s)", envKeyNames())
			continue
		}
		v, msg := k.kind().fromJSON(raw)
		switch {
		case msg != "":
			fail(key, "%s", msg)
		case key == "name" && v.str != name:
			// The name is the path's; the body may only repeat it.
			other := Printable(v.str, maxKeyShown)
			if otherExists != nil && otherExists(v.str) {
				fail(key, "duplicate name: an environment called %q already exists; to change it, PUT /v1/environments/%s", other, other)
			} else {
				fail(key, "must be the name in the path, %q (got %q); leave it out or send the same", shownName, other)
			}
		default:
			k.set(&e, v)
		}
	}
	if _, err := dec.Token(); err != nil {
		return e, notJSON("", err)
	}
	if dec.More() {
		return e, append(problems, &ConfigError{Env: name, Msg: "the body has more than one JSON value"})
	}
	for _, ce := range ConfigErrors(CheckEnvironment(e)) {
		if !bad[ce.Key] {
			problems = append(problems, ce)
		}
	}
	return e, problems
}
