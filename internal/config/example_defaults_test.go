package config

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestExampleShowsTheDefaults keeps the promise at the top of
// configs/example.yml, "values shown are the defaults unless the comment
// says example", for the sections that have defaults: each value there is
// what a file that leaves the key out gets, except the few the example
// marks as examples (listed here, with the comment that says so).
func TestExampleShowsTheDefaults(t *testing.T) {
	data, err := os.ReadFile("../../configs/example.yml")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := Load(data, "../../configs/example.yml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := Load([]byte("tickers:\n  - symbol: MP\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	examples := cmp.Options{
		cmpopts.IgnoreFields(Global{}, "UserAgent"),       // "(example)"
		cmpopts.IgnoreFields(Quotes{}, "ExtraClosures"),   // "(example)"
		cmpopts.IgnoreFields(Impact{}, "WatchlistGroups"), // "Example; default: none."
		cmpopts.IgnoreUnexported(Config{}),
		cmpopts.EquateEmpty(),
	}
	for _, sec := range []struct {
		name    string
		ex, def any
	}{
		{"global", ex.Global, def.Global},
		{"quotes", ex.Quotes, def.Quotes},
		{"news", ex.News, def.News},
		{"impact", ex.Impact, def.Impact},
		{"shard", ex.Shard, def.Shard},
	} {
		if diff := cmp.Diff(sec.def, sec.ex, examples); diff != "" {
			t.Errorf("configs/example.yml's %s differs from the defaults (-default +example); mark an example value as one, or show the default:\n%s", sec.name, diff)
		}
	}
}
