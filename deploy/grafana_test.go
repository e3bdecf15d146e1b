package deploy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const (
	dashboardFile    = "grafana/monitord.json"
	dashboardUID     = "monitord-overview"
	datasourcesFile  = "grafana/provisioning/datasources/monitord.yml"
	eventsSourceFile = "grafana/provisioning/datasources/monitord-events.yml"
	dashProviderFile = "grafana/provisioning/dashboards/monitord.yml"
)

// dashboard is the part of Grafana's dashboard model the tests read.
type dashboard struct {
	UID           string   `json:"uid"`
	ID            *int     `json:"id"`
	Title         string   `json:"title"`
	SchemaVersion int      `json:"schemaVersion"`
	Tags          []string `json:"tags"`
	Panels        []panel  `json:"panels"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []annotation `json:"list"`
	} `json:"annotations"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int     `json:"id"`
	Type       string  `json:"type"`
	Title      string  `json:"title"`
	Datasource *dsRef  `json:"datasource"`
	GridPos    gridPos `json:"gridPos"`
	Targets    []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource *dsRef `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's panels
}

type gridPos struct{ X, Y, W, H int }

type variable struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	Query      any    `json:"query"` // a string, or {"query": "..."}
	Datasource *dsRef `json:"datasource"`
	Current    struct {
		Value any `json:"value"`
	} `json:"current"`
	AllValue string `json:"allValue"`
}

type annotation struct {
	Name       string         `json:"name"`
	BuiltIn    int            `json:"builtIn"`
	Enable     bool           `json:"enable"`
	Datasource *dsRef         `json:"datasource"`
	Expr       string         `json:"expr"`
	Target     map[string]any `json:"target"`
}

// query is one PromQL expression of the dashboard and where it is.
type query struct {
	where, expr string
	panel       string // the panel's title, for panel targets
}

func loadDashboard(t *testing.T) *dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return &d
}

// allPanels flattens rows, collapsed or not.
func (d *dashboard) allPanels() []panel {
	var out []panel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

// queries are every PromQL expression: panel targets, Prometheus
// annotations and query variables (label_values(...) included).
func (d *dashboard) queries() []query {
	var out []query
	for _, p := range d.allPanels() {
		for _, tg := range p.Targets {
			out = append(out, query{where: fmt.Sprintf("panel %q target %s", p.Title, tg.RefID), expr: tg.Expr, panel: p.Title})
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			out = append(out, query{where: fmt.Sprintf("annotation %q", a.Name), expr: a.Expr})
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			out = append(out, query{where: fmt.Sprintf("variable %q", v.Name), expr: v.queryText()})
		}
	}
	return out
}

func (v *variable) queryText() string {
	switch q := v.Query.(type) {
	case string:
		return q
	case map[string]any:
		s, _ := q["query"].(string)
		return s
	}
	return ""
}

// provisionedUID reads the uid of the only data source in a provisioning
// file, checking its type.
func provisionedUID(t *testing.T, file, typ string) (uid, url string) {
	t.Helper()
	var prov struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type, URL string
			Access               string
		} `yaml:"datasources"`
	}
	readYAML(t, file, &prov)
	if prov.APIVersion != 1 || len(prov.Datasources) != 1 {
		t.Fatalf("%s: got apiVersion %d and %d data sources, want 1 and 1", file, prov.APIVersion, len(prov.Datasources))
	}
	ds := prov.Datasources[0]
	if ds.Type != typ || ds.UID == "" || ds.Name == "" || ds.URL == "" {
		t.Errorf("%s: got %+v, want a %s data source with a name, uid and url", file, ds, typ)
	}
	return ds.UID, ds.URL
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func TestDashboardModel(t *testing.T) {
	d := loadDashboard(t)
	promUID, _ := provisionedUID(t, datasourcesFile, "prometheus")
	eventsUID, eventsURL := provisionedUID(t, eventsSourceFile, "yesoreyeram-infinity-datasource")

	if d.UID != dashboardUID {
		t.Errorf("got uid %q, want the fixed %q", d.UID, dashboardUID)
	}
	if d.ID != nil {
		t.Errorf("got id %d, want null: provisioning assigns it", *d.ID)
	}
	if d.Title == "" || d.SchemaVersion < 36 || !slices.Contains(d.Tags, "monitord") {
		t.Errorf("got title %q, schemaVersion %d, tags %q; want a title, 36 or later, a monitord tag", d.Title, d.SchemaVersion, d.Tags)
	}

	// The data source variable defaults to the provisioned Prometheus, and
	// every panel and query selects through it.
	promRef := dsRef{Type: "prometheus", UID: "${datasource}"}
	var dsVar *variable
	for i, v := range d.Templating.List {
		switch {
		case v.Type == "datasource":
			dsVar = &d.Templating.List[i]
		case v.Datasource == nil || *v.Datasource != promRef:
			t.Errorf("variable %q: got datasource %+v, want %+v", v.Name, v.Datasource, promRef)
		}
	}
	if dsVar == nil || dsVar.Name != "datasource" || dsVar.queryText() != "prometheus" || dsVar.Current.Value != promUID {
		t.Errorf("got data source variable %+v, want $datasource over prometheus defaulting to %q", dsVar, promUID)
	}

	ids := map[int]bool{}
	titles := map[string]bool{}
	var boxes []gridPos
	for _, p := range d.allPanels() {
		if ids[p.ID] || p.ID == 0 {
			t.Errorf("panel %q: id %d is zero or used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Title == "" || titles[p.Title] {
			t.Errorf("panel title %q is empty or used twice", p.Title)
		}
		titles[p.Title] = true
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		}
		for _, o := range boxes {
			if g.X < o.X+o.W && o.X < g.X+g.W && g.Y < o.Y+o.H && o.Y < g.Y+g.H {
				t.Errorf("panel %q: gridPos %+v overlaps %+v", p.Title, g, o)
			}
		}
		boxes = append(boxes, g)
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || *p.Datasource != promRef {
			t.Errorf("panel %q: got datasource %+v, want %+v", p.Title, p.Datasource, promRef)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.Expr == "" || tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("panel %q: target %q has no expression, or no or a repeated refId", p.Title, tg.RefID)
			}
			refs[tg.RefID] = true
			if tg.Datasource == nil || *tg.Datasource != promRef {
				t.Errorf("panel %q target %s: got datasource %+v, want %+v", p.Title, tg.RefID, tg.Datasource, promRef)
			}
		}
	}

	// Annotations: Grafana's own, Prometheus queries through $datasource,
	// and the matched stories from the daemon's events API.
	var stories bool
	for _, a := range d.Annotations.List {
		switch {
		case a.BuiltIn == 1:
		case a.Datasource != nil && a.Datasource.Type == "yesoreyeram-infinity-datasource":
			stories = true
			url, _ := a.Target["url"].(string)
			opts, _ := json.Marshal(a.Target["url_options"])
			if a.Datasource.UID != eventsUID || url != "/api/v1/events" ||
				!strings.Contains(string(opts), `{"key":"format","value":"annotations"}`) {
				t.Errorf("annotation %q: got uid %q, url %q, options %s; want uid %q and /api/v1/events?format=annotations",
					a.Name, a.Datasource.UID, url, opts, eventsUID)
			}
		case a.Datasource == nil || *a.Datasource != promRef || a.Expr == "":
			t.Errorf("annotation %q: want a PromQL expression through %+v", a.Name, promRef)
		}
	}
	if !stories {
		t.Error("no matched-stories annotation")
	}
	if !strings.HasPrefix(eventsURL, "http://") {
		t.Errorf("%s: url %q is not a base URL", eventsSourceFile, eventsURL)
	}
}

func TestDashboardProvider(t *testing.T) {
	var prov struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name, Type, Folder string
			Options            struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, dashProviderFile, &prov)
	if prov.APIVersion != 1 || len(prov.Providers) != 1 {
		t.Fatalf("got apiVersion %d and %d providers, want 1 and 1", prov.APIVersion, len(prov.Providers))
	}
	p := prov.Providers[0]
	if p.Type != "file" || !strings.HasPrefix(p.Options.Path, "/") || p.Folder == "" {
		t.Errorf("got provider %+v, want a file provider with an absolute path and a folder", p)
	}
}

// reFQName reads a metric name from prometheus.Desc's String form, the
// only way client_golang shows it.
var reFQName = regexp.MustCompile(`fqName: "([^"]+)"`)

// TestDashboardStoriesAnnotation publishes a story to a running daemon and
// reads it back the way the dashboard's "Matched stories" annotation does:
// same URL and parameters, and every column it maps present with its type.
func TestDashboardStoriesAnnotation(t *testing.T) {
	t.Parallel() // a daemon or a build: overlap the waits
	var target struct {
		URL        string `json:"url"`
		URLOptions struct {
			Params []struct{ Key, Value string } `json:"params"`
		} `json:"url_options"`
		Columns []struct{ Selector, Type string } `json:"columns"`
	}
	for _, a := range loadDashboard(t).Annotations.List {
		if a.Target != nil && a.Target["url"] == "/api/v1/events" {
			b, _ := json.Marshal(a.Target)
			if err := json.Unmarshal(b, &target); err != nil {
				t.Fatal(err)
			}
		}
	}
	if target.URL == "" || len(target.Columns) == 0 {
		t.Fatal("no annotation reads /api/v1/events")
	}
	d := startDaemon(t)
	d.polled(t)
	d.publishStory(t)

	// Grafana's ${__from} and ${__to}: the range in Unix milliseconds.
	now := time.Now()
	grafana := map[string]string{
		"${__from}": strconv.FormatInt(now.Add(-time.Hour).UnixMilli(), 10),
		"${__to}":   strconv.FormatInt(now.Add(time.Hour).UnixMilli(), 10),
	}
	q := url.Values{}
	for _, p := range target.URLOptions.Params {
		v, ok := grafana[p.Value]
		if !ok {
			v = p.Value
		}
		q.Set(p.Key, v)
	}
	var rows []map[string]any
	d.waitFor(t, "the story in the events API", func() bool {
		code, body := d.get(t, target.URL+"?"+q.Encode())
		if code != http.StatusOK {
			t.Fatalf("GET %s?%s: %d %s", target.URL, q.Encode(), code, body)
		}
		if err := json.Unmarshal([]byte(body), &rows); err != nil {
			t.Fatalf("events as annotations: %v\n%s", err, body)
		}
		return len(rows) > 0
	})
	for _, row := range rows {
		for _, c := range target.Columns {
			v, ok := row[c.Selector]
			switch c.Type {
			case "timestamp_epoch":
				ms, isNum := v.(float64)
				ok = isNum && time.UnixMilli(int64(ms)).After(now.Add(-24*time.Hour))
			case "string":
				_, ok = v.(string)
			default:
				t.Errorf("column %s: unexpected type %s", c.Selector, c.Type)
			}
			if !ok {
				t.Errorf("annotation %v: column %s is not a %s", row, c.Selector, c.Type)
			}
		}
	}
	if title, _ := rows[0]["title"].(string); !strings.Contains(title, "NdPr magnet offtake") {
		t.Errorf("got annotation %v, want the published story", rows[0])
	}
}
