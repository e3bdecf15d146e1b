package match

import "github.com/monitord/monitord/internal/config"

// compiled is the immutable state behind a Matcher.
type compiled struct{}

func compile(groups map[string]config.KeywordGroup, tickers []config.Ticker) (*compiled, error) {
	return &compiled{}, nil
}

func (c *compiled) match(dst *Result, title, summary string, native []string) {
	*dst = Result{Groups: dst.Groups[:0], Tickers: dst.Tickers[:0]}
}
