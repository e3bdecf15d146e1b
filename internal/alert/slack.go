package alert

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// Slack's Block Kit limits (https://api.slack.com/reference/block-kit).
const (
	slackMaxBlocks      = 50
	slackMaxHeader      = 150
	slackMaxSectionText = 3000
	slackMaxField       = 2000
	slackMaxFields      = 10
	// slackMaxText bounds the plain-text fallback; Slack truncates at
	// 40,000 but notifications show a line or two.
	slackMaxText = 3000
	// slackMaxHeadlines is how many stories get a block of their own; the
	// rest become "and N more". Well under slackMaxBlocks with the header,
	// body and context blocks.
	slackMaxHeadlines = 20
	// slackMaxTickers is how many symbols a field lists.
	slackMaxTickers = 20
)

// slackNotifier posts Block Kit messages to a Slack incoming webhook, one
// alert per message.
type slackNotifier struct {
	receiver string
	url      config.Secret
	title    *messageTemplate
	text     *messageTemplate
	poster   *poster
	log      *zap.Logger
}

func newSlackNotifier(r *config.Receiver, p *poster, log *zap.Logger) (*slackNotifier, error) {
	title, err := newMessageTemplate("slack.title_template", r.Slack.TitleTemplate, DefaultTitleTemplate)
	if err != nil {
		return nil, err
	}
	text, err := newMessageTemplate("slack.text_template", r.Slack.TextTemplate, DefaultSlackTextTemplate)
	if err != nil {
		return nil, err
	}
	p.red.addURL(r.Slack.WebhookURL.Reveal())
	return &slackNotifier{receiver: r.Name, url: r.Slack.WebhookURL, title: title, text: text, poster: p, log: log}, nil
}

// Notify implements Notifier.
func (n *slackNotifier) Notify(ctx context.Context, alerts ...Alert) (bool, error) {
	for i := range alerts {
		body, err := marshalJSON(n.message(&alerts[i]))
		if err != nil {
			return false, &Error{Reason: upstream.ReasonRequest, msg: fmt.Sprintf("encode slack message: %v", err)}
		}
		raw := n.url.Reveal()
		if retry, err := n.poster.post(ctx, raw, safeURL(raw), http.Header{}, body); err != nil {
			return retry, err
		}
	}
	return false, nil
}

// slackMessage is an incoming-webhook payload: Block Kit blocks and the
// plain-text fallback Slack shows in notifications.
type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
	// Verbatim stops Slack from auto-linking URLs and parsing bare
	// mentions in mrkdwn; every link we want is written explicitly.
	Verbatim bool `json:"verbatim,omitempty"`
	Emoji    bool `json:"emoji,omitempty"`
}

func mrkdwn(s string) slackText { return slackText{Type: "mrkdwn", Text: s, Verbatim: true} }

// message builds the Block Kit message for a. Every piece of alert text is
// escaped (slackEscape) and clipped to its block's limit after escaping.
func (n *slackNotifier) message(a *Alert) slackMessage {
	title, err := n.title.render(a)
	if err != nil {
		n.log.Warn("Message template failed; used the default", zap.NamedError("err", err))
	}
	text, err := n.text.render(a)
	if err != nil {
		n.log.Warn("Message template failed; used the default", zap.NamedError("err", err))
	}

	blocks := []slackBlock{{
		Type: "header",
		Text: &slackText{Type: "plain_text", Text: clip(slackEscape(title), slackMaxHeader), Emoji: true},
	}}

	body := slackEscape(text)
	if l := slackLink(a.Link, "Open link"); l != "" {
		body = strings.TrimSpace(body + "\n" + l)
	}
	main := slackBlock{Type: "section", Fields: n.fields(a)}
	if body != "" {
		t := mrkdwn(clip(body, slackMaxSectionText))
		main.Text = &t
	}
	if main.Text != nil || len(main.Fields) > 0 {
		blocks = append(blocks, main)
	}

	shown := a.Headlines
	if len(shown) > slackMaxHeadlines {
		shown = shown[:slackMaxHeadlines]
	}
	for i := range shown {
		blocks = append(blocks, slackBlock{Type: "section", Text: new(mrkdwn(headlineText(&shown[i])))})
	}
	if more := len(a.Headlines) - len(shown); more > 0 {
		blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{mrkdwn(fmt.Sprintf("…and %d more headlines", more))}})
	}

	footer := fmt.Sprintf("monitord · rule %s · %s", a.Rule, a.Severity)
	if !a.StartsAt.IsZero() {
		footer += " · since " + a.StartsAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{mrkdwn(clip(slackEscape(footer), slackMaxSectionText))}})
	if len(blocks) > slackMaxBlocks {
		blocks = append(blocks[:slackMaxBlocks-1], blocks[len(blocks)-1])
	}

	fallback := slackEscape(title)
	if text != "" {
		fallback += "\n" + slackEscape(text)
	}
	return slackMessage{Text: clip(fallback, slackMaxText), Blocks: blocks}
}

// fields are the short facts beside the body: tickers, price, severity.
func (n *slackNotifier) fields(a *Alert) []slackText {
	var fs []slackText
	add := func(name, value string) {
		if value != "" && len(fs) < slackMaxFields {
			fs = append(fs, mrkdwn(clip("*"+name+"*\n"+slackEscape(value), slackMaxField)))
		}
	}
	add("Tickers", listMore(a.Symbols, slackMaxTickers))
	if p := a.Price; p != nil {
		v := p.Symbol + " " + money(p.Price)
		if p.Currency != "" {
			v += " " + p.Currency
		}
		add("Price", fmt.Sprintf("%s (%s, %s)", v, signed(p.Change), fmt.Sprintf("%+.2f%%", p.ChangePct)))
	}
	add("Source", a.Source)
	add("Severity", a.Severity)
	return fs
}

// headlineText is one story: the linked headline, then where it came from
// and why it matched.
func headlineText(h *Headline) string {
	line := "*" + clip(slackEscape(h.Title), slackMaxTitle) + "*"
	if l := slackLink(h.URL, h.Title); l != "" {
		line = "*" + l + "*"
	}
	var meta []string
	if len(h.Tickers) > 0 {
		meta = append(meta, listMore(h.Tickers, slackMaxTickers))
	}
	if len(h.Sources) > 0 {
		meta = append(meta, listMore(h.Sources, 5))
	}
	if len(h.Terms) > 0 {
		meta = append(meta, "matched "+listMore(h.Terms, 10))
	}
	if len(meta) > 0 {
		line += "\n" + slackEscape(strings.Join(meta, " · "))
	}
	return clip(line, slackMaxSectionText)
}

// listMore joins up to max items and says how many it left out.
func listMore(items []string, limit int) string {
	if len(items) <= limit {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:limit], ", "), len(items)-limit)
}

func signed(v float64) string {
	if v >= 0 {
		return "+" + money(v)
	}
	return "-" + money(-v)
}

// buildSlack makes a Slack receiver's endpoint, at most one message a
// second per webhook URL (SlackInterval).
func buildSlack(d *Dispatcher, r *config.Receiver, mk endpointMaker) ([]*endpoint, error) {
	n, err := newSlackNotifier(r, mk.newPoster(), mk.log.With(zap.String("integration", IntegrationSlack)))
	if err != nil {
		return nil, err
	}
	ep := mk.make(IntegrationSlack, mainEndpoint, n, 1)
	ep.limiter = d.limiter(r.Slack.WebhookURL.Reveal(), rate.Every(SlackInterval))
	return []*endpoint{ep}, nil
}
