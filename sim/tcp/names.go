package tcp

import (
	"fmt"
	"strings"
)

// nameOf is the String method of a small enumeration whose names are
// names: kind(v) for a value without one.
func nameOf[T ~uint8](v T, names []string, kind string) string {
	if int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", kind, int(v))
}

// parseName returns the value whose name is name ("" is the zero value);
// the error says what a name must be, listing them.
func parseName[T ~uint8](name string, names []string, what string) (T, error) {
	if name == "" {
		return 0, nil
	}
	for i, n := range names {
		if n == name {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not %s (%s)", name, what, strings.Join(names, ", "))
}
