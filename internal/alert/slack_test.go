package alert

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func testSlack(t *testing.T, title, text string) *slackNotifier {
	t.Helper()
	rc := slackReceiver("ops", "https://hooks.slack.com/services/T000/B000/XXXX")
	rc.Slack.TitleTemplate, rc.Slack.TextTemplate = title, text
	n, err := newSlackNotifier(&rc, &poster{red: &redactor{}, clock: newFakeClock(t0)}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hostileAlert() *Alert {
	a := newsAlert(2)
	a.Title = "<!channel> Rare earth <https://evil.example/login|official notice> & <@U024BE7LH>"
	a.Summary = "@here @channel @everyone <!here> <!subteam^S123|admins> <#C123>"
	a.Reason = "matched <b>rare earth</b> & NdPr"
	a.Link = "javascript:alert(1)"
	a.Headlines[0].Title = "Lynas > MP? <!everyone> *bold* `code` <https://x.example|y>"
	a.Headlines[0].URL = "https://news.example.com/a?b=1&c=2|<!channel>"
	a.Headlines[0].Sources = []string{"<@U123>"}
	a.Headlines[0].Terms = []string{"rare earth & <NdPr>"}
	a.Headlines[1].URL = "data:text/html,<script>"
	return a
}

func goldenAlerts() map[string]*Alert {
	resolved := &Alert{
		Kind: KindSourceHealth, Rule: "yahoo-down", Severity: "critical", Status: StatusResolved,
		Source: "yahoo", Title: "Source yahoo recovered",
		Summary:  "yahoo answers again after 7 failed polls.",
		StartsAt: t0.Add(-time.Hour), EndsAt: t0,
	}
	long := newsAlert(30)
	long.Title = strings.Repeat("Rare earth export controls tighten; ", 10)
	long.Symbols = []string{"MP", "TMQ", "LAC", "USAR", "UUUU", "NB", "ARRNF", "LYSCF", "ILKAF", "REEMF",
		"IPX", "ALB", "SQM", "PLL", "ABAT", "CRML", "TMC", "NioCorp", "AMR", "REMX", "VALE", "RIO"}
	long.Link = "https://finance.example.com/quote/MP"
	return map[string]*Alert{
		"price":     priceAlert("MP", 0),
		"news":      newsAlert(3),
		"hostile":   hostileAlert(),
		"truncated": long,
		"resolved":  resolved,
	}
}

func TestSlackGolden(t *testing.T) {
	n := testSlack(t, "", "")
	for name, a := range goldenAlerts() {
		t.Run(name, func(t *testing.T) {
			a.CreatedAt = t0
			a.Identify()
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(n.message(a)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", "slack_"+name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestSlackGolden -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// slackTexts is every text of a message: fallback, blocks, fields.
func slackTexts(m slackMessage) []string {
	out := []string{m.Text}
	for _, b := range m.Blocks {
		if b.Text != nil {
			out = append(out, b.Text.Text)
		}
		for _, f := range append(b.Fields, b.Elements...) {
			out = append(out, f.Text)
		}
	}
	return out
}

var slackControl = regexp.MustCompile(`<[^>]*>?`)

func TestSlackEscapesHostileText(t *testing.T) {
	n := testSlack(t, "", "")
	a := hostileAlert()
	a.Identify()
	m := n.message(a)
	allowed := map[string]bool{"https://news.example.com/a?b=1&amp;c=2%7C%3C!channel%3E": true}
	for _, text := range slackTexts(m) {
		for _, ctl := range slackControl.FindAllString(text, -1) {
			target, _, ok := strings.Cut(strings.Trim(ctl, "<>"), "|")
			if !ok || !strings.HasSuffix(ctl, ">") {
				t.Errorf("unexpected control sequence %q in %q", ctl, text)
				continue
			}
			if _, known := allowed[target]; !known {
				t.Errorf("link to %q in %q: only the story's own URL may be linked", target, text)
			}
		}
		for _, w := range []string{"@here", "@channel", "@everyone"} {
			if strings.Contains(text, w) {
				t.Errorf("bare %s survives in %q", w, text)
			}
		}
	}
	// The hostile pieces are still readable, as text.
	joined := strings.Join(slackTexts(m), "\n")
	for _, want := range []string{"&lt;!channel&gt; Rare earth", "&amp; &lt;@U024BE7LH&gt;", "Lynas &gt; MP?", "@\u2060here"} {
		if !strings.Contains(joined, want) {
			t.Errorf("message lacks %q:\n%s", want, joined)
		}
	}
}

func TestSlackLimits(t *testing.T) {
	a := newsAlert(100)
	a.Title = strings.Repeat("&<>", 2000)
	a.Summary = strings.Repeat("rare earth & more ", 1000)
	for i := range a.Headlines {
		a.Headlines[i].Title = strings.Repeat("Ω&", 3000)
		a.Headlines[i].Terms = make([]string, 500)
	}
	for i := range 300 {
		a.Symbols = append(a.Symbols, fmt.Sprintf("S%03d", i))
	}
	a.Price = &Price{Symbol: strings.Repeat("X", 5000)}
	a.Identify()
	m := testSlack(t, "", "").message(a)

	if len(m.Blocks) > slackMaxBlocks {
		t.Errorf("blocks: got %d, want at most %d", len(m.Blocks), slackMaxBlocks)
	}
	if w := width(m.Text); w > slackMaxText {
		t.Errorf("fallback text: got %d characters, want at most %d", w, slackMaxText)
	}
	for i, b := range m.Blocks {
		limit := slackMaxSectionText
		if b.Type == "header" {
			limit = slackMaxHeader
		}
		if b.Text != nil && width(b.Text.Text) > limit {
			t.Errorf("block %d (%s): text of %d characters, want at most %d", i, b.Type, width(b.Text.Text), limit)
		}
		if len(b.Fields) > slackMaxFields {
			t.Errorf("block %d: %d fields, want at most %d", i, len(b.Fields), slackMaxFields)
		}
		for _, f := range b.Fields {
			if width(f.Text) > slackMaxField {
				t.Errorf("block %d: field of %d characters, want at most %d", i, width(f.Text), slackMaxField)
			}
		}
		// A clipped text never ends inside an entity or a link.
		if b.Text != nil && (regexp.MustCompile(`&[a-z]*…$`).MatchString(b.Text.Text) || strings.Count(b.Text.Text, "<") != strings.Count(b.Text.Text, ">")) {
			t.Errorf("block %d: clipped inside an entity or link: …%q", i, b.Text.Text[max(0, len(b.Text.Text)-40):])
		}
	}
	body, _ := json.Marshal(m)
	if !bytes.Contains(body, []byte("and 80 more headlines")) {
		t.Error(`message lacks "and 80 more headlines"`)
	}
	if !bytes.Contains(body, []byte("and 281 more")) {
		t.Error(`tickers field lacks "and 281 more"`)
	}
}

func TestSlackTemplates(t *testing.T) {
	n := testSlack(t, `{{.Rule | upper}}: {{join .Symbols}}`, `{{with .Price}}{{money .Price}} {{pct .ChangePct}}{{end}} <{{.Severity}}>`)
	m := n.message(priceAlert("MP", 0))
	if got, want := m.Blocks[0].Text.Text, "BIG-MOVE: MP"; got != want {
		t.Errorf("header: got %q, want %q", got, want)
	}
	if got, want := m.Blocks[1].Text.Text, "24.10 +6.20% &lt;warning&gt;"; got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
	// A template that fails at execution falls back to the default.
	n = testSlack(t, `{{.Price.Symbol}}`, "")
	m = n.message(newsAlert(1))
	if got, want := m.Blocks[0].Text.Text, "1 rare-earth headlines"; got != want {
		t.Errorf("fallback header: got %q, want %q", got, want)
	}
}

// TestTemplateFuncsMatchConfig checks that config validation accepts every
// function templates may call (config keeps its own list of names).
func TestTemplateFuncsMatchConfig(t *testing.T) {
	var calls []string
	for name := range templateFuncs() {
		calls = append(calls, fmt.Sprintf("{{%s .X}}", name))
	}
	yml := fmt.Sprintf(`
receivers:
  - name: ops
    slack:
      webhook_url: https://hooks.slack.com/services/T/B/x
      title_template: %q
`, strings.Join(calls, " "))
	if _, err := config.Load([]byte(yml), ""); err != nil {
		t.Errorf("config rejects the template functions: %v", err)
	}
}
