// Package testupstream is a local stand-in for every upstream monitord
// talks to (Yahoo's cookie, crumb, quote and chart endpoints, and news
// feeds), for tests that run the whole daemon. Nothing in it reaches the
// network; prices and feeds are set by the test.
//
// Beside Server: FeedFarm serves thousands of generated feeds for scale
// runs, NewsHost serves stories about many symbols per ticker, per chunk
// of tickers and market-wide (for latency runs), Chaos misbehaves on
// purpose (stalls, resets, truncated and huge bodies, 429 storms,
// alternating 500s), and Sink records the webhooks monitord delivers.
package testupstream

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/monitord/monitord/internal/tickers"
)

const crumb = "tEsTcRuMb01"

// Price is what the fake Yahoo reports for a symbol.
type Price struct {
	Price, PrevClose float64
	Volume           int64
	// MarketState is what Yahoo says of the session; empty means what the
	// NYSE calendar says at the server's clock (REGULAR, PRE, POST or
	// CLOSED), as the real Yahoo does.
	MarketState string
}

// Server fakes Yahoo and news feeds on one loopback listener.
type Server struct {
	*httptest.Server
	// Requests counts requests by route (cookie, crumb, quote, chart, feed).
	Requests map[string]*atomic.Int64

	mu     sync.Mutex
	prices map[string]Price
	feeds  map[string]feed
	now    func() time.Time
	cal    *tickers.Calendar
}

type feed struct {
	body, contentType string
	status            int
}

// New starts a fake upstream; it is closed when the test ends by Close.
func New() *Server {
	cal, err := tickers.NewCalendar(nil)
	if err != nil {
		panic(err) // the zone database is missing: no test can run
	}
	s := &Server{
		cal:      cal,
		Requests: map[string]*atomic.Int64{},
		prices:   map[string]Price{},
		feeds:    map[string]feed{},
		now:      time.Now,
	}
	for _, r := range []string{"cookie", "crumb", "quote", "chart", "feed"} {
		s.Requests[r] = &atomic.Int64{}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cookie", s.cookie)
	mux.HandleFunc("GET /v1/test/getcrumb", s.getCrumb)
	mux.HandleFunc("GET /v7/finance/quote", s.quote)
	mux.HandleFunc("GET /v8/finance/chart/{symbol}", s.chart)
	mux.HandleFunc("GET /feeds/{name}", s.feed)
	s.Server = httptest.NewServer(mux)
	return s
}

// SetClock makes the quote and chart times follow now, the clock of the
// daemon under test; the default is time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetPrice sets what symbol is quoted at.
func (s *Server) SetPrice(symbol string, p Price) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prices[symbol] = p
}

// SetFeed serves body at /feeds/name with the given content type; a status
// other than 200 makes the feed fail.
func (s *Server) SetFeed(name, contentType, body string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds[name] = feed{body: body, contentType: contentType, status: status}
}

// FeedURL is the URL a feed set with SetFeed is served at.
func (s *Server) FeedURL(name string) string { return s.URL + "/feeds/" + name }

// QuotesYAML is the quotes.yahoo section that points monitord here.
func (s *Server) QuotesYAML() string {
	return fmt.Sprintf("  yahoo:\n    base_url: %s\n    chart_url: %s\n    cookie_url: %s/cookie\n", s.URL, s.URL, s.URL)
}

func (s *Server) cookie(w http.ResponseWriter, _ *http.Request) {
	s.Requests["cookie"].Add(1)
	http.SetCookie(w, &http.Cookie{Name: "A3", Value: "d=fake&S=test", Path: "/", MaxAge: 31557600})
	w.WriteHeader(http.StatusNotFound) // Yahoo's cookie host answers 404 with the cookie
}

func (s *Server) getCrumb(w http.ResponseWriter, r *http.Request) {
	s.Requests["crumb"].Add(1)
	if _, err := r.Cookie("A3"); err != nil {
		http.Error(w, `{"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Cookie"}}}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.Write([]byte(crumb))
}

func (s *Server) quote(w http.ResponseWriter, r *http.Request) {
	s.Requests["quote"].Add(1)
	if r.URL.Query().Get("crumb") != crumb {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Crumb"}}}`))
		return
	}
	var result []map[string]any
	s.mu.Lock()
	at := s.now()
	now := at.Unix()
	for _, sym := range strings.Split(r.URL.Query().Get("symbols"), ",") {
		p, ok := s.prices[sym]
		if !ok {
			continue
		}
		if p.MarketState == "" {
			p.MarketState = s.cal.Session(at).MarketState()
		}
		result = append(result, map[string]any{
			"symbol": sym, "quoteType": "EQUITY", "marketState": p.MarketState, "currency": "USD",
			"exchange": "NYQ", "fullExchangeName": "NYSE", "exchangeTimezoneName": "America/New_York",
			"regularMarketPrice": p.Price, "regularMarketPreviousClose": p.PrevClose,
			"regularMarketChange":        p.Price - p.PrevClose,
			"regularMarketChangePercent": (p.Price - p.PrevClose) / p.PrevClose * 100,
			"regularMarketVolume":        p.Volume, "regularMarketTime": now,
			"averageDailyVolume10Day": p.Volume, "averageDailyVolume3Month": p.Volume,
			"shortName": sym + " Test Corp",
		})
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"quoteResponse": map[string]any{"result": result, "error": nil}})
}

func (s *Server) chart(w http.ResponseWriter, r *http.Request) {
	s.Requests["chart"].Add(1)
	sym := r.PathValue("symbol")
	s.mu.Lock()
	p, ok := s.prices[sym]
	now := s.now().Unix()
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"chart": map[string]any{"result": nil,
			"error": map[string]string{"code": "Not Found", "description": "No data found, symbol may be delisted"}}})
		return
	}
	// Bars at the current price over [period1, period2] when asked (the
	// impact engine fills missed horizons so), else one bar at now.
	stamps := []int64{now}
	q := r.URL.Query()
	if from, to, step := atoi(q.Get("period1")), atoi(q.Get("period2")), intervalSeconds(q.Get("interval")); from > 0 && to > from && step > 0 {
		stamps = stamps[:0]
		for t := from - from%step; t <= min(to, now) && len(stamps) < 5000; t += step {
			if t >= from {
				stamps = append(stamps, t)
			}
		}
	}
	closes := make([]float64, len(stamps))
	volumes := make([]int64, len(stamps))
	for i := range stamps {
		closes[i], volumes[i] = p.Price, p.Volume
	}
	writeJSON(w, map[string]any{"chart": map[string]any{"error": nil, "result": []any{map[string]any{
		"meta": map[string]any{"symbol": sym, "currency": "USD", "exchangeName": "NYQ", "fullExchangeName": "NYSE",
			"regularMarketPrice": p.Price, "chartPreviousClose": p.PrevClose, "previousClose": p.PrevClose,
			"regularMarketTime": now, "regularMarketVolume": p.Volume, "exchangeTimezoneName": "America/New_York"},
		"timestamp":  stamps,
		"indicators": map[string]any{"quote": []any{map[string]any{"close": closes, "volume": volumes}}},
	}}}})
}

func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	s.Requests["feed"].Add(1)
	s.mu.Lock()
	f, ok := s.feeds[r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	if f.status != 0 && f.status != http.StatusOK {
		w.WriteHeader(f.status)
	}
	w.Write([]byte(f.body))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// intervalSeconds reads Yahoo's chart interval (1m, 5m, 15m, 1h, 1d).
func intervalSeconds(s string) int64 {
	if d, err := time.ParseDuration(strings.Replace(s, "d", "h", 1)); err == nil && d > 0 {
		if strings.HasSuffix(s, "d") {
			d *= 24
		}
		return int64(d / time.Second)
	}
	return 0
}
