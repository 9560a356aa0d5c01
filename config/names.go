package config

// DuplicateNames finds the environments named like an earlier one: every
// environment needs its own name, since the socket, the keychain items and
// the command line find it by that name. The map goes from the index of
// each such name to the index of its first use; empty names are left to
// the required-key check. The loader, the writer, the engine and the
// window's form all ask here.
func DuplicateNames(names []string) map[int]int {
	var dups map[int]int
	first := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			continue
		}
		if j, seen := first[n]; seen {
			if dups == nil {
				dups = map[int]int{}
			}
			dups[i] = j
			continue
		}
		first[n] = i
	}
	return dups
}

// Names returns the environments' names, in order.
func (c *Config) Names() []string {
	names := make([]string, len(c.Environments))
	for i, e := range c.Environments {
		names[i] = e.Name
	}
	return names
}
