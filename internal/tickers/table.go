package tickers

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteTable prints quotes as an aligned table for people (monitord once):
// symbol, price, change against the previous close, volume, market state,
// source and the age of the price at now.
func WriteTable(w io.Writer, quotes []Quote, now time.Time) error {
	rows := [][]string{{"SYMBOL", "PRICE", "CHANGE", "VOLUME", "STATE", "SOURCE", "AGE"}}
	for _, q := range quotes {
		change := "-"
		if q.PreviousClose > 0 {
			change = fmt.Sprintf("%+.2f%%", q.ChangePct())
		}
		rows = append(rows, []string{q.Symbol, formatPrice(q.Price), change, formatVolume(q.Volume),
			q.MarketState, q.Source, formatAge(q.Age(now))})
	}
	// Numbers align right, words left.
	right := []bool{false, true, true, true, false, false, true}
	return writeAligned(w, rows, right)
}

// WriteErrors prints each symbol's error, one per line, sorted by symbol.
func WriteErrors(w io.Writer, errs map[string]error) error {
	syms := make([]string, 0, len(errs))
	for s := range errs {
		syms = append(syms, s)
	}
	slices.Sort(syms)
	for _, s := range syms {
		if _, err := fmt.Fprintf(w, "%s: %v\n", s, errs[s]); err != nil {
			return err
		}
	}
	return nil
}

func writeAligned(w io.Writer, rows [][]string, right []bool) error {
	widths := make([]int, len(right))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case right[i]:
				b.WriteString(pad + c)
			case i == len(r)-1:
				b.WriteString(c)
			default:
				b.WriteString(c + pad)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func formatPrice(p float64) string {
	if p < 1 {
		return fmt.Sprintf("%.4f", p)
	}
	return fmt.Sprintf("%.2f", p)
}

// formatVolume shortens a share count: 812, 45.6K, 31.88M, 1.20B.
func formatVolume(v int64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2fB", float64(v)/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", float64(v)/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fK", float64(v)/1e3)
	}
	return fmt.Sprint(v)
}

// formatAge prints a duration the way people say it: 42s, 12m, 3h04m, 2d3h.
func formatAge(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
