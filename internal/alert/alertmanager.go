package alert

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// amMaxBatch is how many alerts go in one push; Alertmanager takes arrays
// and Prometheus sends up to 64 at a time.
const amMaxBatch = 64

// amAlert is one alert of the Alertmanager v2 API (POST /api/v2/alerts).
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// alertmanagerNotifier pushes alerts to one Alertmanager. A receiver with
// several URLs gets one notifier, and one outbox queue, per URL, so an
// Alertmanager that is down delays only its own queue.
//
// Labels carry only identity (alertname and rule, kind, severity, symbol,
// source, and story_id or condition_id), all content-derived: two monitord
// replicas pushing the same alert to a cluster produce one alert there.
type alertmanagerNotifier struct {
	url          string
	shown        string
	generatorURL string
	resolve      time.Duration
	poster       *poster
}

func newAlertmanagerNotifier(r *config.Receiver, base string, p *poster) (*alertmanagerNotifier, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("alertmanager url is invalid")
	}
	if pw, ok := u.User.Password(); ok {
		p.red.add(pw)
	}
	push := u.JoinPath("api", "v2", "alerts")
	return &alertmanagerNotifier{
		url:          push.String(),
		shown:        push.Redacted(),
		generatorURL: r.Alertmanager.GeneratorURL,
		resolve:      r.Alertmanager.Resolve.D(),
		poster:       p,
	}, nil
}

// Notify implements Notifier: one POST for the whole batch.
func (n *alertmanagerNotifier) Notify(ctx context.Context, alerts ...Alert) (bool, error) {
	now := n.poster.clock.Now()
	var out []amAlert
	for i := range alerts {
		out = append(out, amAlerts(&alerts[i], now, n.resolve, n.generatorURL)...)
	}
	body, err := marshalJSON(out)
	if err != nil {
		return false, &Error{Reason: upstream.ReasonRequest, msg: fmt.Sprintf("encode alertmanager alerts: %v", err)}
	}
	return n.poster.post(ctx, n.url, n.shown, http.Header{}, body)
}

// amAlerts maps an Alert to Alertmanager alerts: one per story for news
// (Alertmanager groups them itself, and two replicas that grouped a burst
// differently still agree story by story), one per condition otherwise.
//
// A firing alert ends at now+resolve unless pushed again, as Prometheus
// does; a resolved one at its EndsAt.
func amAlerts(a *Alert, now time.Time, resolve time.Duration, generatorURL string) []amAlert {
	base := map[string]string{
		"alertname": a.Rule,
		"rule":      a.Rule,
		"kind":      string(a.Kind),
		"severity":  a.Severity,
	}
	if a.Source != "" {
		base["source"] = a.Source
	}
	ends := now.Add(resolve)
	if a.Resolved() {
		ends = a.EndsAt
		if ends.IsZero() {
			ends = now
		}
	}
	mk := func(labels map[string]string, summary, description, link string, starts time.Time) amAlert {
		ann := map[string]string{"summary": summary}
		if description != "" {
			ann["description"] = description
		}
		if link != "" {
			ann["link"] = link
		}
		if starts.IsZero() || starts.After(ends) {
			starts = a.CreatedAt
		}
		return amAlert{Labels: labels, Annotations: ann, StartsAt: starts.UTC(), EndsAt: ends.UTC(), GeneratorURL: generatorURL}
	}
	if a.Kind == KindNews && len(a.Headlines) > 0 {
		out := make([]amAlert, 0, len(a.Headlines))
		for _, h := range a.Headlines {
			l := maps.Clone(base)
			l["story_id"] = h.ID
			if s := symbolLabel(h.Tickers, a.Symbols); s != "" {
				l["symbol"] = s
			}
			desc := a.Reason
			if len(h.Sources) > 0 {
				desc = strings.TrimSpace(desc + "\nSources: " + strings.Join(h.Sources, ", "))
			}
			starts := a.StartsAt
			if starts.IsZero() {
				starts = h.PublishedAt
			}
			out = append(out, mk(l, h.Title, desc, h.URL, starts))
		}
		return out
	}
	l := maps.Clone(base)
	l["condition_id"] = a.ConditionID
	if s := symbolLabel(a.Symbols, nil); s != "" {
		l["symbol"] = s
	}
	desc := strings.TrimSpace(strings.Join([]string{a.Summary, a.Reason}, "\n"))
	return []amAlert{mk(l, a.Title, desc, a.Link, a.StartsAt)}
}

// symbolLabel joins sorted symbols ("MP,USAR"), falling back to fallback.
func symbolLabel(symbols, fallback []string) string {
	if len(symbols) == 0 {
		symbols = fallback
	}
	return strings.Join(slices.Sorted(slices.Values(symbols)), ",")
}

// buildAlertmanager makes one endpoint per Alertmanager URL, each with a
// queue of its own, so one that is down does not hold up the others.
func buildAlertmanager(_ *Dispatcher, r *config.Receiver, mk endpointMaker) ([]*endpoint, error) {
	var eps []*endpoint
	for _, u := range r.Alertmanager.URLs {
		n, err := newAlertmanagerNotifier(r, u, mk.newPoster())
		if err != nil {
			return nil, err
		}
		eps = append(eps, mk.make(IntegrationAlertmanager, "am-"+hashKey(u), n, amMaxBatch))
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("alertmanager has no urls")
	}
	return eps, nil
}
