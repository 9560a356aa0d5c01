package config

import (
	"fmt"

	"github.com/pelletier/go-toml/v2/unstable"
)

// Limits on the shape of a config file. go-toml's decoder looks up every
// key with a linear search among the keys seen so far, so 80k keys took
// 8.7 s; these bounds, counted in one linear pass before the decoder runs,
// keep a file of any content (within MaxConfigSize) under a second.
const (
	MaxEnvironments = 1000 // [[environment]] tables
	maxTableKeys    = 100  // keys in one table (an environment has about 12)
	maxOtherKeys    = 2000 // keys and tables outside [[environment]] tables, inline ones included
	maxProblems     = 20   // problems reported; the rest are counted
)

// checkConfigShape counts tables and keys with the streaming parser. A
// syntax error ends the count; the decoder reports it with its position.
func checkConfigShape(data []byte) error {
	var p unstable.Parser
	p.Reset(data)
	envs, inTable, other := 0, 0, 0
	inEnv := false
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.Table, unstable.ArrayTable:
			inTable = 0
			inEnv = expr.Kind == unstable.ArrayTable && isEnvironmentHeader(expr)
			if inEnv {
				envs++
			} else {
				other++
			}
		case unstable.KeyValue:
			n := 1 + countKeys(expr.Value())
			inTable += n
			if !inEnv {
				other += n
			}
		}
		var msg string
		switch {
		case envs > MaxEnvironments:
			msg = fmt.Sprintf("more than %d environments; tokentray serves at most %d", MaxEnvironments, MaxEnvironments)
		case inTable > maxTableKeys:
			msg = fmt.Sprintf("more than %d keys in one table; an environment has about 12", maxTableKeys)
		case other > maxOtherKeys:
			msg = fmt.Sprintf("more than %d keys and tables outside [[environment]] tables; the config has [settings] and [[environment]] tables", maxOtherKeys)
		}
		if msg != "" {
			return &ConfigError{Line: lineOfOffset(data, exprOffset(expr)), Msg: msg}
		}
	}
	return nil
}

func isEnvironmentHeader(expr *unstable.Node) bool {
	it := expr.Key()
	return it.Next() && string(it.Node().Data) == "environment" && !it.Next()
}

// countKeys counts the keys and inline tables inside a value.
func countKeys(v *unstable.Node) int {
	n := 0
	it := v.Children()
	for it.Next() {
		c := it.Node()
		switch c.Kind {
		case unstable.KeyValue:
			n += 1 + countKeys(c.Value())
		case unstable.InlineTable:
			n += 1 + countKeys(c) // a table of its own, even when empty
		case unstable.Array:
			n += countKeys(c)
		}
	}
	return n
}

// exprOffset is where an expression's key starts.
func exprOffset(expr *unstable.Node) int {
	it := expr.Key()
	if it.Next() {
		return int(it.Node().Raw.Offset)
	}
	return 0
}

// lineOfOffset is the 1-based line of a byte offset; called only when a
// limit is hit, so scanning from the start is fine.
func lineOfOffset(data []byte, off int) int {
	line := 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' {
			line++
		}
	}
	return line
}
