package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Ticker is one watched security and the names the news may call it.
type Ticker struct {
	// Symbol is the Yahoo symbol (MP, TMQ, UCU.V, LYC.AX).
	Symbol string `yaml:"symbol"`
	// Name is the company's name as shown to people.
	Name string `yaml:"name"`
	// Aliases are phrases that, found whole in a headline, tag it with
	// this ticker ("MP Materials"). They match as they are written, capitals
	// included, unless the headline is written in capitals: "Energy Fuels"
	// is the company in "Energy Fuels raises guidance", not in "clean
	// energy fuels demand". Bare symbols are never enough.
	Aliases []string `yaml:"aliases"`
	// AliasesAnyCase are aliases that match in any case, for names that
	// are no ordinary phrase ("NioCorp", "niocorp").
	AliasesAnyCase []string `yaml:"aliases_any_case"`
	// CIK is the SEC Central Index Key, ten digits with leading zeros.
	CIK string `yaml:"cik"`
	// Exclude lists phrases that, when present, stop an alias or exchange
	// form from tagging this ticker (false friends).
	Exclude []string `yaml:"exclude"`
}

var (
	reSymbol = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.\-=^]{0,14}$`)
	reCIK    = regexp.MustCompile(`^[0-9]{1,10}$`)
)

func validateTickers(ps *problems, ts []Ticker) map[string]bool {
	seen := map[string]bool{}
	for i := range ts {
		t := &ts[i]
		p := fmt.Sprintf("tickers[%d]", i)
		t.Symbol = strings.TrimSpace(t.Symbol)
		switch {
		case t.Symbol == "":
			ps.add(p+".symbol", "is required")
		case !reSymbol.MatchString(t.Symbol):
			ps.add(p+".symbol", "%q is not a ticker symbol (upper-case letters, digits, '.', '-', '=' or '^')", t.Symbol)
		case seen[t.Symbol]:
			ps.add(p+".symbol", "%q is listed twice", t.Symbol)
		}
		seen[t.Symbol] = true
		if t.CIK != "" {
			if !reCIK.MatchString(t.CIK) {
				ps.add(p+".cik", "%q is not a CIK (up to ten digits)", t.CIK)
			} else {
				t.CIK = fmt.Sprintf("%010s", t.CIK)
			}
		}
		for _, l := range []struct {
			key     string
			phrases []string
		}{{"aliases", t.Aliases}, {"aliases_any_case", t.AliasesAnyCase}} {
			for j, a := range l.phrases {
				switch {
				case strings.TrimSpace(a) == "":
					ps.add(fmt.Sprintf("%s.%s[%d]", p, l.key, j), "is empty")
				case l.key == "aliases" && strings.ToLower(a) == a && strings.ToUpper(a) != a:
					// Written before aliases kept their capitals, or a slip:
					// as written it would match only lower-case text.
					ps.add(fmt.Sprintf("%s.%s[%d]", p, l.key, j),
						"%q has no capital letter, so it matches only text in lower case: write it as headlines do, or list it in aliases_any_case", a)
				}
			}
		}
	}
	return seen
}
