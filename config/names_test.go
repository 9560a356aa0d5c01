package config

import (
	"maps"
	"testing"
)

func TestDuplicateNamesPointAtTheFirstUse(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  map[int]int
	}{
		{nil, nil},
		{[]string{"a", "b"}, nil},
		{[]string{"a", "b", "a"}, map[int]int{2: 0}},
		{[]string{"a", "a", "a"}, map[int]int{1: 0, 2: 0}},
		{[]string{"", ""}, nil}, // a missing name is the required-key check's
	} {
		if got := DuplicateNames(c.names); !maps.Equal(got, c.want) {
			t.Errorf("DuplicateNames(%q) = %v, want %v", c.names, got, c.want)
		}
	}
}
