package lesson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The lesson decoder reads the JSON by hand, one object at a time, so
// that every mistake names its field path: encoding/json's own errors
// ("json: unknown field \"fr\"") say neither where nor in which step.

// errAt is a mistake at path.
func errAt(path, format string, a ...any) error {
	if path == "" {
		path = "lesson"
	}
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
}

var plainField = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// join appends a field name to a path; a name that is not plain (a
// stranger's key: spaces, quotes, a line break) is quoted, so that the
// error stays one readable line.
func join(path, field string) string {
	if !plainField.MatchString(field) {
		field = strconv.Quote(field)
	}
	if path == "" {
		return field
	}
	return path + "." + field
}

// index appends an array index to a path.
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// describe names the kind of a JSON value for an error message.
func describe(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// document returns the one JSON value of data, refusing a syntax error
// (with its line and column), an empty document and trailing data.
func document(data []byte) (json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := d.Decode(&raw); err != nil {
		if err == io.EOF {
			return nil, errors.New("lesson: empty document")
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("lesson: line %d, column %d: %v", line, col, strings.TrimPrefix(se.Error(), "json: "))
		}
		return nil, fmt.Errorf("lesson: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("lesson: unexpected data after the JSON object")
	}
	return raw, nil
}

// position turns a byte offset into a line and a column, both from 1.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

// object reads raw, a JSON object whose keys must be among known, into
// its fields by name. A key given twice is refused too: encoding/json
// would keep the last one silently.
func object(path string, raw []byte, known ...string) (map[string]json.RawMessage, error) {
	if describe(raw) != "an object" {
		return nil, errAt(path, "want an object, got %s", describe(raw))
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if _, err := d.Token(); err != nil {
		return nil, errAt(path, "%v", err)
	}
	out := map[string]json.RawMessage{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, errAt(path, "%v", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, errAt(join(path, key), "%v", err)
		}
		isKnown := false
		for _, k := range known {
			isKnown = isKnown || k == key
		}
		if !isKnown {
			return nil, errAt(join(path, key), "unknown field (want %s)", strings.Join(known, ", "))
		}
		if _, dup := out[key]; dup {
			return nil, errAt(join(path, key), "given twice")
		}
		out[key] = v
	}
	return out, nil
}

// array reads raw, a JSON array, into its elements.
func array(path string, raw []byte) ([]json.RawMessage, error) {
	if describe(raw) != "an array" {
		return nil, errAt(path, "want an array, got %s", describe(raw))
	}
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, errAt(path, "%v", err)
	}
	return out, nil
}

// str reads a JSON string.
func str(path string, raw []byte) (string, error) {
	if describe(raw) != "a string" {
		return "", errAt(path, "want a string, got %s", describe(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errAt(path, "%v", err)
	}
	return s, nil
}

// text reads a JSON string that must say something: not empty, not only
// spaces, at most maxText bytes.
func text(path string, raw []byte) (string, error) {
	s, err := str(path, raw)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", errAt(path, "empty")
	}
	if len(s) > maxText {
		return "", errAt(path, "%d bytes is more than %d", len(s), maxText)
	}
	return s, nil
}

// number reads a JSON number.
func number(path string, raw []byte) (float64, error) {
	if describe(raw) != "a number" {
		return 0, errAt(path, "want a number, got %s", describe(raw))
	}
	s := string(bytes.TrimSpace(raw))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errAt(path, "%s is out of range", s)
	}
	return f, nil
}

// integer reads a JSON number that must be a whole number from lo to hi.
func integer(path string, raw []byte, lo, hi int) (int, error) {
	f, err := number(path, raw)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, errAt(path, "%s is not a whole number from %d to %d", strconv.FormatFloat(f, 'g', -1, 64), lo, hi)
	}
	return int(f), nil
}

// bilingual reads a Text: {"en": …, "zh": …}, both required.
func bilingual(path string, raw []byte) (Text, error) {
	m, err := object(path, raw, "en", "zh")
	if err != nil {
		return Text{}, err
	}
	var t Text
	for _, f := range []struct {
		name string
		dst  *string
	}{{"en", &t.EN}, {"zh", &t.ZH}} {
		v, ok := m[f.name]
		if !ok {
			return Text{}, errAt(join(path, f.name), "missing")
		}
		if *f.dst, err = text(join(path, f.name), v); err != nil {
			return Text{}, err
		}
	}
	return t, nil
}
