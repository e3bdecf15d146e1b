package match

// Result says which groups and tickers an item concerns. The slices of a
// Result that Match returns are shared with other Results of the same
// shape (see results): they are safe to keep and to read concurrently, but
// must not be modified, nor decoded into; Clone makes a private copy.
type Result struct {
	// Groups are the keyword groups that matched, sorted by name.
	Groups []GroupHit
	// Tickers are the watched tickers the item concerns, sorted by symbol.
	Tickers []TickerHit
	// Score ranks how strongly the item concerns its groups and tickers,
	// for alert rules' min_score:
	//
	//	Score = Σ over matched groups, over each distinct term that hit:
	//	            2 if the term is in the title, else 1 (summary only)
	//	      + Σ over tagged tickers:
	//	            2 if the text names it (cashtag, exchange form or alias) in the title,
	//	            1 if only the summary names it,
	//	            0.5 if only the source attached it (native)
	//
	// "MP Materials lifts NdPr output" scores 2 (NdPr, group rare_earth) + 2
	// (MP by alias, in the title) = 4; the same story with NdPr only in the
	// summary and MP only attached by the source scores 1 + 0.5 = 1.5. Terms
	// of groups that did not match (a none term vetoed them, or an all term
	// is missing) add nothing; a term in two matched groups counts in each.
	Score float64
}

// GroupHit is one keyword group that matched.
type GroupHit struct {
	// Name is the group's key in the configuration.
	Name string
	// Terms are the group's any and all terms that hit, as written in the
	// configuration, in configuration order; terms that fold to the same
	// phrase ("rare earth", "rare-earth") are reported once, by the first.
	Terms []string
}

// TickerHit is one watched ticker that an item concerns.
type TickerHit struct {
	// Symbol is the watchlist symbol.
	Symbol string
	// How is the strongest way it was found: HowNative, HowCashtag,
	// HowExchange or HowAlias.
	How string
}

// Matched reports whether any keyword group matched.
func (r Result) Matched() bool { return len(r.Groups) > 0 }

// Symbols returns the symbols of the tagged tickers, sorted.
func (r Result) Symbols() []string {
	return r.AppendSymbols(nil)
}

// AppendSymbols appends the symbols of the tagged tickers to dst.
func (r Result) AppendSymbols(dst []string) []string {
	for _, t := range r.Tickers {
		dst = append(dst, t.Symbol)
	}
	return dst
}

// GroupNames returns the names of the matched groups, sorted.
func (r Result) GroupNames() []string {
	var out []string
	for _, g := range r.Groups {
		out = append(out, g.Name)
	}
	return out
}

// Clone returns a deep copy of r, whose slices the caller owns.
func (r Result) Clone() Result {
	out := Result{Score: r.Score}
	if r.Groups != nil {
		out.Groups = make([]GroupHit, len(r.Groups))
		for i, g := range r.Groups {
			out.Groups[i] = GroupHit{Name: g.Name, Terms: append([]string(nil), g.Terms...)}
		}
	}
	if r.Tickers != nil {
		out.Tickers = append([]TickerHit(nil), r.Tickers...)
	}
	return out
}

// Weights of the Score formula.
const (
	titleWeight   = 2
	summaryWeight = 1
	nativeWeight  = 0.5
)

// weight is the score of a term or ticker found in the given fields.
func weight(fields uint8) float64 {
	if fields&fieldTitle != 0 {
		return titleWeight
	}
	return summaryWeight
}
