package deploy

import (
	"fmt"
	"strings"
	"testing"
)

// scrapeSynthesised are the series Prometheus adds itself.
var scrapeSynthesised = map[string]bool{
	"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true,
	"scrape_samples_post_metric_relabeling": true, "scrape_series_added": true,
	"ALERTS": true, "ALERTS_FOR_STATE": true,
}

// TestQueriesUseExportedMetrics runs the daemon through its first polls
// against the fake upstream and checks that every metric named by a
// dashboard query or an alerting rule is one the daemon exports.
func TestQueriesUseExportedMetrics(t *testing.T) {
	t.Parallel() // a daemon or a build: overlap the waits
	names := exportedNames(t, startDaemon(t))
	var queries []query
	queries = append(queries, loadDashboard(t).queries()...)
	for _, r := range loadRules(t, rulesFile) {
		queries = append(queries, query{where: "rule " + r.Alert, expr: r.Expr})
	}
	var missing []string
	for _, q := range queries {
		used, err := metricNamesIn(q.expr)
		if err != nil {
			t.Errorf("%s: %v", q.where, err)
			continue
		}
		if len(used) == 0 {
			t.Errorf("%s: %q names no metric", q.where, q.expr)
		}
		for _, n := range used {
			if !names[n] && !scrapeSynthesised[n] {
				missing = append(missing, fmt.Sprintf("%s: %s", q.where, n))
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("metrics the daemon does not export:\n%s", strings.Join(missing, "\n"))
	}
}
