package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// promqlKeywords are PromQL words that are not metric names when they are
// not followed by "(": binary operators, modifiers, constants, and the
// aggregation operators (which may be followed by "by (...)" first).
var promqlKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "atan2": true, "bool": true, "offset": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"inf": true, "nan": true,
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
}

// promqlLabelLists are the words followed by a parenthesised label list.
var promqlLabelLists = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// reLabelValues is Grafana's label_values(selector, label) variable query.
var reLabelValues = regexp.MustCompile(`^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)

// metricNamesIn returns the metric names a PromQL expression selects,
// sorted: identifiers outside label matchers, strings, ranges and label
// lists that are not functions, aggregations or keywords. Grafana
// variables ($x, ${x}, ${x:fmt}) are skipped. It is a tokenizer, not a
// parser: Prometheus itself parses every query in the end-to-end test.
func metricNamesIn(expr string) ([]string, error) {
	if m := reLabelValues.FindStringSubmatch(expr); m != nil {
		expr = m[1]
	}
	var names []string
	s := expr
	i := 0
	skipTo := func(open, close byte) error {
		depth := 0
		for ; i < len(s); i++ {
			switch c := s[i]; {
			case c == '"' || c == '\'' || c == '`':
				if err := skipString(s, &i); err != nil {
					return err
				}
			case c == open:
				depth++
			case c == close:
				depth--
				if depth == 0 {
					i++
					return nil
				}
			}
		}
		return fmt.Errorf("unbalanced %q in %q", open, expr)
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			if err := skipString(s, &i); err != nil {
				return nil, err
			}
			i++
		case c == '{':
			if err := skipTo('{', '}'); err != nil {
				return nil, err
			}
		case c == '[':
			if err := skipTo('[', ']'); err != nil {
				return nil, err
			}
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '$': // a Grafana variable
			i++
			if i < len(s) && s[i] == '{' {
				if err := skipTo('{', '}'); err != nil {
					return nil, err
				}
				continue
			}
			for i < len(s) && isIdent(s[i], true) {
				i++
			}
		case c >= '0' && c <= '9' || c == '.':
			for i < len(s) && (isIdent(s[i], true) || s[i] == '.' ||
				(s[i] == '+' || s[i] == '-') && (s[i-1] == 'e' || s[i-1] == 'E') && !strings.ContainsAny(s[:i], "xX")) {
				i++
			}
		case isIdent(c, false):
			start := i
			for i < len(s) && isIdent(s[i], true) {
				i++
			}
			word := s[start:i]
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n') {
				j++
			}
			paren := j < len(s) && s[j] == '('
			switch {
			case paren && promqlLabelLists[strings.ToLower(word)]:
				i = j
				if err := skipTo('(', ')'); err != nil {
					return nil, err
				}
			case paren: // a function or an aggregation
			case promqlKeywords[strings.ToLower(word)]:
			default:
				names = append(names, word)
			}
		default:
			i++
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func isIdent(c byte, inner bool) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || inner && c >= '0' && c <= '9'
}

// skipString moves *i from an opening quote to its closing quote.
func skipString(s string, i *int) error {
	q := s[*i]
	for *i++; *i < len(s); *i++ {
		switch {
		case s[*i] == '\\' && q != '`':
			*i++
		case s[*i] == q:
			return nil
		}
	}
	return fmt.Errorf("unterminated string in %q", s)
}

func TestMetricNamesIn(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`up{job=~"$job"} == 0`, []string{"up"}},
		{`sum by (source, result) (rate(monitord_quote_requests_total{job=~"$job"}[$__rate_interval]))`,
			[]string{"monitord_quote_requests_total"}},
		{`histogram_quantile(0.9, sum without (instance) (rate(a_bucket[5m:1m] offset 1h)))`, []string{"a_bucket"}},
		{`a / on (instance) group_left (version) b unless c and bool_metric > bool 1e-3`,
			[]string{"a", "b", "bool_metric", "c"}},
		{`time() - (max by (feed) (x{feed=~"a{1}|b"}) > 0) or vector(0)`, []string{"x"}},
		{`label_replace(y, "dst", "$1", "src", "(.*)") * on (l) group_left z`, []string{"y", "z"}},
		{`label_values(monitord_build_info{job=~"$job"}, instance)`, []string{"monitord_build_info"}},
		{`count_over_time(m[${__range}]) + 0x1F + Inf + NaN`, []string{"m"}},
		{`sum(a) by (x) # comment names_nothing`, []string{"a"}},
		{`p:recording:rule @ start()`, []string{"p:recording:rule"}},
	} {
		got, err := metricNamesIn(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{`a{job="x"`, `rate(a[5m)`, `a{x="unterminated}`} {
		if _, err := metricNamesIn(bad); err == nil {
			t.Errorf("%s: got no error", bad)
		}
	}
}
