package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestExampleShowsEveryOption keeps configs/example.yml complete: every key
// of the schema must appear in it, set or commented out.
func TestExampleShowsEveryOption(t *testing.T) {
	data, err := os.ReadFile("../../configs/example.yml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(data, "../../configs/example.yml"); err != nil {
		t.Fatalf("example does not load: %v", err)
	}
	keys := schemaKeys()
	var missing []string
	for k := range keys {
		if !regexp.MustCompile(`(?m)^[\s#-]*` + regexp.QuoteMeta(k) + `:`).Match(data) {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("configs/example.yml does not show these keys: %s", strings.Join(missing, ", "))
	}
}

// schemaKeys returns every key of the schema: those of Config and,
// through the rule types, of every rule's Spec.
func schemaKeys() map[string]bool {
	keys, seen := map[string]bool{}, map[reflect.Type]bool{}
	collectKeys(reflect.TypeOf(Config{}), keys, seen)
	for _, rt := range ruleTypes {
		collectKeys(reflect.TypeOf(rt.spec()), keys, seen)
	}
	return keys
}

func collectKeys(t reflect.Type, keys map[string]bool, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	// An http_config is prometheus/common's schema, documented with it
	// (CONFIGURATION.md names its main keys and links there).
	if t.Kind() != reflect.Struct || seen[t] || t == reflect.TypeFor[HTTPConfig]() {
		return
	}
	seen[t] = true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" && strings.Contains(opts, "inline") {
			collectKeys(f.Type, keys, seen)
			continue
		}
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		keys[name] = true
		collectKeys(f.Type, keys, seen)
	}
}

// TestConfigurationDocumentsEveryOption keeps CONFIGURATION.md complete:
// every key of the schema is named in it.
func TestConfigurationDocumentsEveryOption(t *testing.T) {
	doc, err := os.ReadFile("../../CONFIGURATION.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := schemaKeys()
	if len(keys) < 50 {
		t.Fatalf("collected only %d keys from the schema", len(keys))
	}
	var missing []string
	for k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") && !regexp.MustCompile(`(?m)^\s*[\[#-]*\s*`+regexp.QuoteMeta(k)+`:`).Match(doc) {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("CONFIGURATION.md does not document these keys: %s", strings.Join(missing, ", "))
	}
}

// TestExampleCheckedAnywhere: the README says "copy configs/example.yml,
// check it": a copy in another directory must pass as the original does,
// so the example may not lean on files beside it.
func TestExampleCheckedAnywhere(t *testing.T) {
	data, err := os.ReadFile("../../configs/example.yml")
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "my.yml")
	if err := os.WriteFile(copied, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(copied); err != nil {
		t.Errorf("a copy of the example outside configs/ does not load:\n%v", err)
	}
}
