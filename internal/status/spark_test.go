package status_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/monitord/monitord/internal/status"
)

// point is a parsed polyline vertex.
type point struct{ x, y float64 }

// sparkOf renders a one-ticker watchlist with prices and returns its
// sparkline's svg element.
func sparkOf(t *testing.T, prices []float64) *html.Node {
	t.Helper()
	snap := status.Snapshot{Now: clock(), Quotes: []status.QuoteRow{{Symbol: "MP", Price: 58, Spark: prices}}}
	svgs := findAll(page(t, snap), "svg", nil)
	if len(svgs) != 1 {
		t.Fatalf("got %d svg elements, want 1", len(svgs))
	}
	svg := svgs[0]
	// Well-formed: in the SVG namespace, fixed size and viewBox, an image
	// with a name, and nothing but shapes inside.
	if svg.Namespace != "svg" || attr(svg, "viewBox") != "0 0 100 24" || attr(svg, "width") != "100" ||
		attr(svg, "height") != "24" || attr(svg, "role") != "img" || !strings.HasPrefix(attr(svg, "aria-label"), "MP") {
		t.Errorf("svg: namespace %q, attributes %v", svg.Namespace, svg.Attr)
	}
	for _, el := range findAll(svg, "", nil) {
		if el != svg && el.Data != "polyline" && el.Data != "circle" {
			t.Errorf("unexpected <%s> in the sparkline", el.Data)
		}
	}
	return svg
}

// polyline parses the svg's polyline points, checking each lies in the
// viewBox; nil when there is no polyline.
func polyline(t *testing.T, svg *html.Node) []point {
	t.Helper()
	lines := findAll(svg, "polyline", nil)
	if len(lines) == 0 {
		return nil
	}
	var pts []point
	for _, pair := range strings.Fields(attr(lines[0], "points")) {
		xs, ys, ok := strings.Cut(pair, ",")
		x, errX := strconv.ParseFloat(xs, 64)
		y, errY := strconv.ParseFloat(ys, 64)
		if !ok || errX != nil || errY != nil || x < 0 || x > 100 || y < 0 || y > 24 {
			t.Fatalf("bad polyline point %q", pair)
		}
		pts = append(pts, point{x, y})
	}
	return pts
}

func TestSparklineEmpty(t *testing.T) {
	for _, prices := range [][]float64{nil, {math.NaN(), math.Inf(1), math.Inf(-1)}} {
		svg := sparkOf(t, prices)
		if svg.FirstChild != nil {
			t.Errorf("%v: want an empty drawing, got children", prices)
		}
		if got := attr(svg, "aria-label"); got != "MP: no prices today" {
			t.Errorf("%v: aria-label %q", prices, got)
		}
	}
}

func TestSparklineOnePrice(t *testing.T) {
	svg := sparkOf(t, []float64{math.NaN(), 58.41})
	dots := findAll(svg, "circle", nil)
	if len(dots) != 1 || polyline(t, svg) != nil {
		t.Fatalf("want one dot and no line, got %d dots", len(dots))
	}
	if attr(dots[0], "cy") != "12" || attr(svg, "aria-label") != "MP today: one price, 58.41" {
		t.Errorf("dot at %v, label %q", dots[0].Attr, attr(svg, "aria-label"))
	}
}

func TestSparklineFlat(t *testing.T) {
	svg := sparkOf(t, []float64{57, 57, 57, 57})
	pts := polyline(t, svg)
	if len(pts) != 4 || pts[0].x != 0 || pts[3].x != 100 {
		t.Fatalf("got points %v, want 4 from x=0 to x=100", pts)
	}
	for _, p := range pts {
		if p.y != 12 {
			t.Errorf("flat series point %v off the middle line", p)
		}
	}
	if got := attr(svg, "aria-label"); got != "MP today: 4 prices, unchanged at 57.00" || !hasClass(svg, "flat") {
		t.Errorf("label %q, class %q", got, attr(svg, "class"))
	}
}

func TestSparklineSkipsNaN(t *testing.T) {
	svg := sparkOf(t, []float64{10, math.NaN(), 12, math.Inf(1), 11})
	pts := polyline(t, svg)
	want := []point{{0, 22}, {50, 2}, {100, 12}}
	if len(pts) != len(want) {
		t.Fatalf("got %v, want %v", pts, want)
	}
	for i := range want {
		if pts[i] != want[i] {
			t.Errorf("point %d: got %v, want %v", i, pts[i], want[i])
		}
	}
	if got := attr(svg, "aria-label"); got != "MP today: 3 prices, from 10.00 to 11.00, low 10.00, high 12.00" || !hasClass(svg, "up") {
		t.Errorf("label %q, class %q", got, attr(svg, "class"))
	}
}

func TestSparklineLongDayIsBounded(t *testing.T) {
	prices := make([]float64, 5000)
	for i := range prices {
		prices[i] = 50 - float64(i)/1000 // drifting down
	}
	prices[2500] = 60 // one spike
	svg := sparkOf(t, prices)
	pts := polyline(t, svg)
	if len(pts) > 200 || len(pts) < 100 {
		t.Fatalf("got %d points, want at most 200", len(pts))
	}
	if pts[0].x != 0 || pts[len(pts)-1].x != 100 || pts[len(pts)-1].y != 22 {
		t.Errorf("ends at %v and %v, want the first and last prices kept", pts[0], pts[len(pts)-1])
	}
	var spike bool
	for _, p := range pts {
		spike = spike || p.y == 2
	}
	if !spike || !hasClass(svg, "down") {
		t.Errorf("spike kept %v, class %q", spike, attr(svg, "class"))
	}
	if n := len(findAll(sparkOf(t, prices[:200]), "polyline", nil)); n != 1 {
		t.Errorf("200 prices: %d polylines", n)
	}
}
