package feeds

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func assertCounter(t *testing.T, c prometheus.Counter, want float64) {
	t.Helper()
	if got := testutil.ToFloat64(c); got != want {
		t.Errorf("%s = %v, want %v", c.Desc(), got, want)
	}
}

func assertGauge(t *testing.T, g prometheus.Gauge, want float64) {
	t.Helper()
	if got := testutil.ToFloat64(g); got != want {
		t.Errorf("%s = %v, want %v", g.Desc(), got, want)
	}
}
