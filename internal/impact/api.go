package impact

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
)

// Limits of the events API's limit parameter.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

var reTicker = regexp.MustCompile(`^[A-Za-z0-9.^=-]{1,20}$`)

// handler serves GET /api/v1/events.
type handler struct {
	st  *store.Store
	now func() time.Time
	log *zap.Logger
}

// NewHandler serves GET /api/v1/events from st:
//
//	?since=  oldest story time: RFC 3339, Unix seconds or milliseconds
//	         (Grafana's ${__from}), or a duration back from now (24h, 7d)
//	?until=  newest story time, the same forms
//	?ticker= only stories concerning this symbol, with only its impact
//	?limit=  most stories, 1 to MaxLimit (default DefaultLimit)
//	?format= json (default: {"status":"success","data":[Event...]}) or
//	         annotations ([{time, timeEnd, title, text, tags}...] for
//	         Grafana, one per story and ticker)
//
// A bad parameter is a 400 with {"status":"error","error":...}. The handler
// reads only the store, so the app registers it once for the process.
func NewHandler(st *store.Store, now func() time.Time, log *zap.Logger) http.Handler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &handler{st: st, now: now, log: log.With(zap.String("component", "impact"))}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	q, format, err := parseQuery(r, h.now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	events, err := ReadEvents(h.st, q)
	if err != nil {
		h.log.Error("Events query failed", zap.NamedError("err", err))
		writeError(w, http.StatusInternalServerError, "reading the events failed")
		return
	}
	if format == "annotations" {
		writeJSON(w, http.StatusOK, annotations(events))
		return
	}
	if events == nil {
		events = []Event{}
	}
	writeJSON(w, http.StatusOK, struct {
		Status string  `json:"status"`
		Data   []Event `json:"data"`
	}{"success", events})
}

// parseQuery validates the parameters.
func parseQuery(r *http.Request, now time.Time) (Query, string, error) {
	v := r.URL.Query()
	q := Query{Limit: DefaultLimit}
	var err error
	if q.Since, err = parseTime(v.Get("since"), now); err != nil {
		return Query{}, "", fmt.Errorf("invalid since: %w", err)
	}
	if q.Until, err = parseTime(v.Get("until"), now); err != nil {
		return Query{}, "", fmt.Errorf("invalid until: %w", err)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return Query{}, "", fmt.Errorf("invalid until: %s is before since %s", q.Until.Format(time.RFC3339), q.Since.Format(time.RFC3339))
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return Query{}, "", fmt.Errorf("invalid limit %q: want an integer from 1 to %d", s, MaxLimit)
		}
		q.Limit = n
	}
	if s := v.Get("ticker"); s != "" {
		if !reTicker.MatchString(s) {
			return Query{}, "", fmt.Errorf("invalid ticker %q: want a symbol such as MP or UCU.V", s)
		}
		q.Ticker = strings.ToUpper(s)
	}
	format := v.Get("format")
	switch format {
	case "", "json":
		format = "json"
	case "annotations":
	default:
		return Query{}, "", fmt.Errorf("invalid format %q: want json or annotations", format)
	}
	return q, format, nil
}

// parseTime reads a time parameter: empty (unbounded), RFC 3339, Unix
// seconds, Unix milliseconds (13 digits and more), or a duration before now.
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		if len(s) >= 13 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if d, err := model.ParseDuration(s); err == nil {
		return now.Add(-time.Duration(d)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time, Unix seconds or milliseconds, nor a duration such as 24h", s)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"status":"error","error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}{"error", msg})
}
