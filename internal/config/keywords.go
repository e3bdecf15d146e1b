package config

import (
	"fmt"
	"sort"
	"strings"
)

// KeywordGroup matches a headline (with its summary) when any of Any is
// present, all of All are present, and none of None is. Terms are whole
// words or phrases, compared after case, Unicode and hyphen folding.
type KeywordGroup struct {
	Any  []string `yaml:"any"`
	All  []string `yaml:"all"`
	None []string `yaml:"none"`
}

func validateKeywords(ps *problems, groups map[string]KeywordGroup) {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		g := groups[n]
		p := "keywords." + n
		if !reName.MatchString(n) {
			ps.add(p, "group name %q may hold only letters, digits, '_', '-' and '.'", n)
		}
		if len(g.Any) == 0 && len(g.All) == 0 {
			ps.add(p, "needs at least one term in any or all")
		}
		for _, l := range []struct {
			key   string
			terms []string
		}{{"any", g.Any}, {"all", g.All}, {"none", g.None}} {
			for i, t := range l.terms {
				if strings.TrimSpace(t) == "" {
					ps.add(fmt.Sprintf("%s.%s[%d]", p, l.key, i), "is empty")
				}
			}
		}
	}
}
