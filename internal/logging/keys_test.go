package logging

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLogKeysAreTheVocabulary keeps the log keys of every package one
// vocabulary (STYLE: component, source, feed, ticker, integration, err):
// an error is logged as err, never zap.Error's "error", and a URL, which
// is never a source's name, as url.
func TestLogKeysAreTheVocabulary(t *testing.T) {
	bad := map[*regexp.Regexp]string{
		regexp.MustCompile(`zap\.Error\(`):                         `log errors with zap.NamedError("err", err)`,
		regexp.MustCompile(`zap\.String\("source", [^)]*(?i:url)`): `a URL is logged as "url" (redacted), "source" names a source`,
	}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			for re, why := range bad {
				if re.MatchString(line) {
					t.Errorf("%s:%d: %s", path, i+1, why)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
