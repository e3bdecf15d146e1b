package alert

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"text/template"
)

// Default message templates. They execute over an Alert and produce plain
// text; a receiver escapes the result for its own format (Slack's &, < and
// >), so a template cannot be used to inject markup through the data.
const (
	// DefaultTitleTemplate is the Slack header and the first line of the
	// plain-text fallback.
	DefaultTitleTemplate = `{{if .Resolved}}Resolved: {{end}}{{.Title}}`

	// DefaultSlackTextTemplate is the body of the Slack message; the
	// headlines, tickers and price have blocks of their own.
	DefaultSlackTextTemplate = `{{with .Summary}}{{.}}{{end}}
{{- with .Reason}}
Why: {{.}}{{end}}`

	// DefaultWebhookTextTemplate is the "text" of the webhook body: the
	// whole alert in a few lines, for chat bridges that show only text.
	DefaultWebhookTextTemplate = `{{if .Resolved}}Resolved: {{end}}{{.Title}}
{{- with .Summary}}
{{.}}{{end}}
{{- with .Price}}
{{.Symbol}} {{money .Price}} ({{pct .ChangePct}}){{end}}
{{- with .Reason}}
Why: {{.}}{{end}}
{{- range .Headlines}}
- {{.Title}}{{with .Sources}} ({{join .}}){{end}}{{with .URL}} {{.}}{{end}}{{end}}
{{- with .Link}}
{{.}}{{end}}`
)

// templateFuncs are the helpers message templates may use.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		// join lists strings with ", ".
		"join": func(s []string) string { return strings.Join(s, ", ") },
		// pct formats a percentage with its sign: +6.20%.
		"pct": func(v float64) string { return fmt.Sprintf("%+.2f%%", v) },
		// money formats a price with two decimals (four under one unit).
		"money": money,
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
	}
}

func money(v float64) string {
	if math.Abs(v) < 1 {
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// messageTemplate is a parsed template with its default as a fallback.
type messageTemplate struct {
	name string
	t    *template.Template
	def  *template.Template
}

// newMessageTemplate parses text, or def when text is empty.
func newMessageTemplate(name, text, def string) (*messageTemplate, error) {
	d := template.Must(template.New(name).Funcs(templateFuncs()).Option("missingkey=zero").Parse(def))
	if text == "" {
		return &messageTemplate{name: name, t: d, def: d}, nil
	}
	t, err := template.New(name).Funcs(templateFuncs()).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &messageTemplate{name: name, t: t, def: d}, nil
}

// render executes the template over a. A template that fails on some alert
// (a nil field it did not guard) falls back to the default rather than
// losing the alert; the error is returned for a log line.
func (m *messageTemplate) render(a *Alert) (string, error) {
	var b bytes.Buffer
	err := m.t.Execute(&b, a)
	if err == nil {
		return strings.TrimSpace(b.String()), nil
	}
	b.Reset()
	if derr := m.def.Execute(&b, a); derr != nil {
		return a.Title, fmt.Errorf("%s: %w", m.name, err)
	}
	return strings.TrimSpace(b.String()), fmt.Errorf("%s: %w", m.name, err)
}
