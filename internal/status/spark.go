package status

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The sparkline's drawing area, in viewBox units (also its CSS pixels).
const (
	sparkWidth  = 100
	sparkHeight = 24
	sparkPad    = 2
	// sparkMaxPoints bounds the polyline: a day of 15-second quotes would
	// otherwise put thousands of points in every row.
	sparkMaxPoints = 2 * sparkWidth
)

// sparkline is a day's prices drawn as an inline SVG: a polyline for two
// prices or more, a dot for one, nothing for none. Label describes it for
// screen readers, in words.
type sparkline struct {
	Width, Height int
	ViewBox       string
	Points        string
	DotX, DotY    string
	Dot           bool
	Class         string
	Label         string
}

// newSparkline draws prices (oldest first) of symbol; NaN and infinite
// prices are skipped.
func newSparkline(symbol string, prices []float64) sparkline {
	s := sparkline{Width: sparkWidth, Height: sparkHeight,
		ViewBox: fmt.Sprintf("0 0 %d %d", sparkWidth, sparkHeight), Class: "flat"}
	ps := make([]float64, 0, len(prices))
	for _, p := range prices {
		if finite(p) {
			ps = append(ps, p)
		}
	}
	switch len(ps) {
	case 0:
		s.Label = symbol + ": no prices today"
		return s
	case 1:
		s.Dot, s.DotX, s.DotY = true, coord(sparkWidth-sparkPad), coord(sparkHeight/2)
		s.Label = fmt.Sprintf("%s today: one price, %s", symbol, price(ps[0]))
		return s
	}
	lo, hi := slices.Min(ps), slices.Max(ps)
	first, last := ps[0], ps[len(ps)-1]
	switch {
	case last > first:
		s.Class = "up"
	case last < first:
		s.Class = "down"
	}
	if lo == hi {
		s.Label = fmt.Sprintf("%s today: %d prices, unchanged at %s", symbol, len(ps), price(lo))
	} else {
		s.Label = fmt.Sprintf("%s today: %d prices, from %s to %s, low %s, high %s",
			symbol, len(ps), price(first), price(last), price(lo), price(hi))
	}
	ps = downsample(ps, sparkMaxPoints)
	var b strings.Builder
	for i, p := range ps {
		x := float64(i) / float64(len(ps)-1) * sparkWidth
		y := float64(sparkHeight) / 2
		if hi > lo {
			y = sparkPad + (hi-p)/(hi-lo)*(sparkHeight-2*sparkPad)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(coord(x) + "," + coord(y))
	}
	s.Points = b.String()
	return s
}

// coord formats an SVG coordinate with at most two decimals.
func coord(f float64) string {
	return strconv.FormatFloat(float64(int64(f*100+0.5))/100, 'f', -1, 64)
}

// downsample reduces ps to at most n points (n even) by keeping, of each
// of n/2 consecutive buckets, its lowest and highest price in the order
// they came, so that spikes survive. The first and last prices are kept.
func downsample(ps []float64, n int) []float64 {
	if len(ps) <= n {
		return ps
	}
	buckets := n / 2
	out := make([]float64, 0, n)
	for b := range buckets {
		from, to := b*len(ps)/buckets, (b+1)*len(ps)/buckets
		chunk := ps[from:to]
		iLo, iHi := 0, 0
		for i, p := range chunk {
			if p < chunk[iLo] {
				iLo = i
			}
			if p > chunk[iHi] {
				iHi = i
			}
		}
		switch {
		case b == 0:
			iLo, iHi = 0, max(iLo, iHi) // the first price opens the line
			if iHi == 0 {
				iHi = len(chunk) - 1
			}
		case b == buckets-1:
			iLo, iHi = min(iLo, iHi), len(chunk)-1 // the last price ends it
			if iLo == iHi {
				iLo = 0
			}
		case iLo > iHi:
			iLo, iHi = iHi, iLo
		}
		out = append(out, chunk[iLo], chunk[iHi])
	}
	return out
}
