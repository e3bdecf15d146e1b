package match

// The score of a Result, for alert rules' min_score:
//
//	score = Σ over matched groups, over each distinct term that hit:
//	            2 if the term is in the title, else 1 (summary only)
//	      + Σ over tagged tickers:
//	            2 if the text names it (cashtag, exchange form or alias) in the title,
//	            1 if only the summary names it,
//	            0.5 if only the source attached it (native)
//
// So a headline "MP Materials lifts NdPr output" with the group rare_earth
// (term "NdPr") scores 2 + 2 = 4; the same story with "NdPr" only in the
// summary and MP only native scores 1 + 0.5 = 1.5. Terms of groups that did
// not match (a none term vetoed them, or an all term is missing) add
// nothing. A term listed in two matched groups counts in each.
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
