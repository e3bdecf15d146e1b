// Package replay runs a recording of quotes, stories and source poll
// outcomes through monitord's real matching (internal/feeds), rules
// (internal/alert/rules) and news-impact engine (internal/impact) on
// simulated time, and reports the alerts that would have fired and the
// impact measured on every matched story. It backs `monitord replay DIR`.
//
// A recording is a directory of JSON-lines files, documented in
// testdata/synthetic/README.md: quotes.jsonl, stories.jsonl and, optionally,
// sources.jsonl and monitord.yml. Read parses and checks them; Run plays
// them on a scratch store.
package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Files of a recording directory.
const (
	QuotesFile  = "quotes.jsonl"
	StoriesFile = "stories.jsonl"
	SourcesFile = "sources.jsonl"
	// ConfigFile is used when no configuration file is given explicitly.
	ConfigFile = "monitord.yml"
)

// maxLine bounds one line of a recording.
const maxLine = 1 << 20

// ErrEmpty means a directory holds neither quotes nor stories.
var ErrEmpty = errors.New("no " + QuotesFile + " or " + StoriesFile)

// LineError is a problem with one line of a recording file. Its text is
// "quotes.jsonl:12: price: must be positive, got -1".
type LineError struct {
	File string
	Line int
	// Field is the JSON key at fault; empty when the line as a whole is.
	Field string
	Err   error
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Field, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Recording is what Read found in a directory, each list in time order
// (lines with the same time keep their file order).
type Recording struct {
	Quotes  []Quote
	Stories []Story
	Polls   []Poll
}

// Read reads the recording in dir. Each file is optional, but there must
// be quotes or stories. The first bad line of a file fails it; the error
// is a *LineError naming the file and the line.
func Read(dir string) (*Recording, error) {
	var rec Recording
	var err error
	var found [3]bool
	if found[0], err = readFile(dir, QuotesFile, &rec.Quotes); err != nil {
		return nil, err
	}
	if found[1], err = readFile(dir, StoriesFile, &rec.Stories); err != nil {
		return nil, err
	}
	if found[2], err = readFile(dir, SourcesFile, &rec.Polls); err != nil {
		return nil, err
	}
	if !found[0] && !found[1] {
		return nil, fmt.Errorf("%s: %w", dir, ErrEmpty)
	}
	slices.SortStableFunc(rec.Quotes, func(a, b Quote) int { return a.At().Compare(b.At()) })
	slices.SortStableFunc(rec.Stories, func(a, b Story) int { return a.Time.Compare(b.Time) })
	slices.SortStableFunc(rec.Polls, func(a, b Poll) int { return a.Time.Compare(b.Time) })
	if err := checkRepeats(rec.Quotes); err != nil {
		return nil, err
	}
	return &rec, nil
}

// line is what every record type does: decode its raw form and check it.
type line interface {
	Quote | Story | Poll
}

// readFile appends the records of dir/name to out; found is false when
// the file does not exist.
func readFile[T line](dir, name string, out *[]T) (found bool, err error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	recs, err := parseLines[T](f, name)
	*out = recs
	return true, err
}

// parseLines parses a JSON-lines stream named name. Blank lines and lines
// starting with '#' are skipped.
func parseLines[T line](r io.Reader, name string) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		var v T
		field, err := decodeLine(text, &v, n)
		if err != nil {
			return nil, &LineError{File: name, Line: n, Field: field, Err: err}
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes", maxLine)
		}
		return nil, &LineError{File: name, Line: n + 1, Err: err}
	}
	return out, nil
}

// decodeLine decodes one line strictly (unknown keys are errors) and
// checks it; field names the key at fault.
func decodeLine[T line](text []byte, v *T, n int) (field string, err error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	switch p := any(v).(type) {
	case *Quote:
		var raw rawQuote
		if field, err = decode(dec, &raw); err == nil {
			*p, field, err = raw.check()
			p.Line = n
		}
	case *Story:
		var raw rawStory
		if field, err = decode(dec, &raw); err == nil {
			*p, field, err = raw.check()
			p.Line = n
		}
	case *Poll:
		var raw rawPoll
		if field, err = decode(dec, &raw); err == nil {
			*p, field, err = raw.check()
			p.Line = n
		}
	}
	return field, err
}

// decode reads one JSON object and nothing after it, turning the
// decoder's errors into a field and a short message.
func decode(dec *json.Decoder, v any) (string, error) {
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return "", errors.New("more than one JSON value on the line")
		}
		return "", nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return te.Field, fmt.Errorf("want %s, got %s", jsonKind(te.Type.Kind()), te.Value)
	case errors.As(err, &se):
		return "", fmt.Errorf("invalid JSON: %v", se)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "", fmt.Errorf("unknown key %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return "", fmt.Errorf("invalid JSON: %w", err)
}

// jsonKind names the JSON a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	}
	return "a number"
}

// parseTime reads an RFC 3339 time; the offset is required, so a
// recording never depends on the machine's zone.
func parseTime(s string, required bool) (time.Time, error) {
	if s == "" {
		if required {
			return time.Time{}, errors.New("is required")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time such as 2026-03-03T10:00:00-05:00", s)
	}
	return t.UTC(), nil
}

// checkNumber refuses NaN, infinities and negative values.
func checkNumber(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("must be a number of at least 0, got %v", v)
	}
	return nil
}
