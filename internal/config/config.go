// Package config is monitord's YAML schema: the types of every section,
// their defaults, strict decoding, and validation whose errors name the key
// path and line of what is wrong.
//
// Sections keep their own file (quotes.go, feeds.go, rules.go, ...). The
// domain packages read their section from here; this package imports none of
// them, so the schema can be loaded and checked on its own (check-config).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is a whole monitord configuration file.
type Config struct {
	Global    Global                  `yaml:"global"`
	Tickers   []Ticker                `yaml:"tickers"`
	Quotes    Quotes                  `yaml:"quotes"`
	News      News                    `yaml:"news"`
	Feeds     []Feed                  `yaml:"feeds"`
	Keywords  map[string]KeywordGroup `yaml:"keywords"`
	Rules     []Rule                  `yaml:"rules"`
	Receivers []Receiver              `yaml:"receivers"`
	Impact    Impact                  `yaml:"impact"`
	Shard     Shard                   `yaml:"shard"`

	// location is global.timezone, loaded once by validation.
	location *time.Location
}

// UnmarshalYAML applies the defaults of every section before decoding, so a
// file only states what differs from them.
func (c *Config) UnmarshalYAML(unmarshal func(any) error) error {
	*c = Config{Global: DefaultGlobal, Quotes: DefaultQuotes, News: DefaultNews, Impact: DefaultImpact}
	type plain Config
	return unmarshal((*plain)(c))
}

// Global holds settings shared by every section.
type Global struct {
	// Timezone is the IANA zone for cron schedules without CRON_TZ and for
	// quiet hours.
	Timezone string `yaml:"timezone"`
	// UserAgent is sent to every upstream unless a section overrides it.
	// SEC EDGAR requires a contact (an e-mail address) in it.
	UserAgent string `yaml:"user_agent"`
}

// DefaultUserAgent identifies monitord honestly without naming an operator.
const DefaultUserAgent = "Mozilla/5.0 (compatible; monitord/1.0; +https://github.com/monitord/monitord)"

// DefaultGlobal is the global section of a file that does not set one.
var DefaultGlobal = Global{
	Timezone:  "America/New_York",
	UserAgent: DefaultUserAgent,
}

// UnmarshalYAML applies DefaultGlobal before decoding.
func (g *Global) UnmarshalYAML(unmarshal func(any) error) error {
	*g = DefaultGlobal
	type plain Global
	return unmarshal((*plain)(g))
}

// Location returns the loaded global.timezone (UTC before validation).
func (c *Config) Location() *time.Location {
	if c.location == nil {
		return time.UTC
	}
	return c.location
}

// Load parses and validates a configuration held in memory. file names it in
// errors and anchors relative *_file paths; "" means the embedded default.
func Load(data []byte, file string) (*Config, error) {
	cerr := &Error{File: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		cerr.Problems = translateYAML(err, lineIndex{})
		if line := syntaxLine(data); line > 0 && len(cerr.Problems) == 1 {
			cerr.Problems[0].Line = line
		}
		return nil, cerr
	}
	idx := indexLines(&root, len(data))
	if len(root.Content) == 0 {
		cerr.Problems = []Problem{{Msg: "file is empty"}}
		return nil, cerr
	}

	// Decoding goes on past unknown keys and values of the wrong type
	// (yaml.v3 collects them), and validation runs on what it decoded, so
	// one run reports every problem of the file, not the first kind.
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var decoded []Problem
	if err := dec.Decode(cfg); err != nil {
		if _, ok := err.(*yaml.TypeError); !ok {
			cerr.Problems = translateYAML(err, idx)
			return nil, cerr
		}
		decoded = translateYAML(err, idx)
	}

	dir := "."
	if file != "" {
		dir = filepath.Dir(file)
	}
	ps := validateDecoded(cfg, dir, decoded)
	for i := range ps {
		ps[i].Line = idx.lineOf(ps[i].Path)
	}
	if all := append(decoded, ps...); len(all) > 0 {
		cerr.Problems = sortProblems(all)
		return nil, cerr
	}
	return cfg, nil
}

// validateDecoded validates cfg and returns its problems, leaving out
// those of a key decoding already reported (a duration that did not parse
// is also zero, which validation would call not positive). After decoding
// problems the configuration is partial; a validation that trips over it
// reports nothing more rather than crash the check.
func validateDecoded(cfg *Config, dir string, decoded []Problem) (out []Problem) {
	defer func() {
		if r := recover(); r != nil {
			if len(decoded) == 0 {
				panic(r)
			}
			out = nil
		}
	}()
	var ps problems
	cfg.validate(&ps, dir)
	for _, p := range ps.list {
		if !coveredBy(p.Path, decoded) {
			out = append(out, p)
		}
	}
	return out
}

// coveredBy reports whether a problem at path was already reported at
// path or at a key that holds it.
func coveredBy(path string, decoded []Problem) bool {
	for _, d := range decoded {
		if d.Path != "" && (path == d.Path || strings.HasPrefix(path, d.Path+".") || strings.HasPrefix(path, d.Path+"[")) {
			return true
		}
	}
	return false
}

// LoadFile reads and validates the configuration file at path.
func LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	return Load(data, path)
}

// Problems returns the problems behind err if it came from Load.
func Problems(err error) []Problem {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Problems
	}
	return nil
}

// Redacted returns the configuration as YAML with every secret shown as
// <secret>, every URL without its credentials (userinfo, an API key in
// the query) and a feed's url_file URL not at all, for /config and
// debugging.
func (c *Config) Redacted() ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(c); err != nil {
		return nil, err
	}
	redactURLs(&root)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}
