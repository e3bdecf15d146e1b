package testupstream

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// NewsHostOptions shape a NewsHost.
type NewsHostOptions struct {
	// Symbols are the tickers the host writes about; Names, if not empty,
	// are their company names (same order), which the generated headlines
	// mention so that the daemon's matcher tags the tickers.
	Symbols, Names []string
	// Items is the most stories a body lists: a symbol's newest on
	// /ticker/{symbol}, the chunk's newest on /batch, the newest of all on
	// /market. 0 means 20.
	Items int
	// Background is how many generated stories (dated before the host
	// started, matching no keyword) each symbol has at the start. 0 means
	// 2.
	Background int
	// Validators makes the host send ETag and Last-Modified and answer
	// conditional requests with 304.
	Validators bool
}

// NewsHost is a news site on a loopback listener of its own that writes
// about many symbols and serves its stories three ways, as real sources
// do: one feed per ticker (/ticker/{symbol}), one feed per chunk of
// tickers (/batch?s=A,B,C, the stories of those symbols together), and
// one market-wide feed (/market, every symbol's). Each NewsHost is a
// different host to the daemon (host and port), so its politeness limit
// applies to it alone: a test that wants to compare shapes gives each
// shape a host of its own.
//
// Inject publishes a story; Served tells when a body listing it was first
// written to a client. Bodies are rendered once per change of the
// stories they list.
type NewsHost struct {
	*httptest.Server
	// Requests counts every request; NotModified those answered 304.
	Requests, NotModified atomic.Int64

	opts  NewsHostOptions
	index map[string]int // symbol → position in opts.Symbols

	mu sync.Mutex
	// seq numbers the stories in the order they were published.
	seq int
	// stories holds each symbol's newest Items stories, oldest first;
	// recent the newest Items of all, oldest first.
	stories [][]hostStory
	recent  []hostStory
	// version counts each symbol's changes, changed is when the last one
	// happened; lastChange is the newest of all.
	version    []int
	changed    []time.Time
	lastChange time.Time
	// bodies caches the last rendering of each URL, by route key.
	bodies map[string]*hostBody
	// asked counts the requests of each URL, by route key.
	asked map[string]int
	// served maps an injected story's guid to when a body listing it was
	// first written; zero until then.
	served map[string]time.Time
}

type hostStory struct {
	seq      int
	symbol   int
	title    string
	at       time.Time
	injected bool
}

// hostBody is one URL's rendering.
type hostBody struct {
	version int
	body    []byte
	// injected are the guids of the injected stories the body lists.
	injected []string
}

// NewNewsHost starts a news host. Close it when done.
func NewNewsHost(opts NewsHostOptions) *NewsHost {
	if opts.Items <= 0 {
		opts.Items = 20
	}
	if opts.Background <= 0 {
		opts.Background = 2
	}
	n := len(opts.Symbols)
	h := &NewsHost{opts: opts, index: make(map[string]int, n), stories: make([][]hostStory, n),
		version: make([]int, n), changed: make([]time.Time, n), bodies: map[string]*hostBody{},
		asked: map[string]int{}, served: map[string]time.Time{}}
	start := time.Now().UTC().Truncate(time.Second)
	h.lastChange = start
	for i, s := range opts.Symbols {
		h.index[s] = i
		h.changed[i] = start
	}
	// Background stories, oldest first: an hour apart per symbol, the
	// symbols a second apart, all before the start.
	for k := opts.Background; k > 0; k-- {
		for i := range n {
			at := start.Add(-time.Duration(k)*time.Hour - time.Duration(n-i)*time.Second)
			h.publishLocked(i, h.genTitle(i), at, false)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ticker/{symbol}", h.serveTicker)
	mux.HandleFunc("GET /batch", h.serveBatch)
	mux.HandleFunc("GET /market", h.serveMarket)
	h.Server = httptest.NewServer(mux)
	return h
}

// TickerTemplate is the per_ticker URL template of the host's feed per
// symbol.
func (h *NewsHost) TickerTemplate() string { return h.URL + "/ticker/{{.Symbol}}" }

// BatchTemplate is the batch_size URL template of the host's feed per
// chunk of symbols.
func (h *NewsHost) BatchTemplate() string { return h.URL + `/batch?s={{join .Symbols ","}}` }

// MarketURL is the address of the host's market-wide feed.
func (h *NewsHost) MarketURL() string { return h.URL + "/market" }

// Inject publishes a story with title about symbol (which must be one of
// the host's) and returns its guid.
func (h *NewsHost) Inject(symbol, title string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, ok := h.index[symbol]
	if !ok {
		panic("testupstream: unknown symbol " + symbol)
	}
	return h.publishLocked(i, title, time.Now().UTC(), true)
}

// Served returns when a body listing the injected story guid was first
// written to a client, and whether one has been.
func (h *NewsHost) Served(guid string) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.served[guid]
	return t, ok && !t.IsZero()
}

// URLsAsked is how many different URLs were asked at least once.
func (h *NewsHost) URLsAsked() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.asked)
}

func (h *NewsHost) publishLocked(i int, title string, at time.Time, injected bool) string {
	h.seq++
	st := hostStory{seq: h.seq, symbol: i, title: title, at: at, injected: injected}
	h.stories[i] = appendWindow(h.stories[i], st, h.opts.Items)
	h.recent = appendWindow(h.recent, st, h.opts.Items)
	h.version[i]++
	h.changed[i], h.lastChange = at, at
	if injected {
		h.served[storyGUID(st.seq)] = time.Time{}
	}
	return storyGUID(st.seq)
}

// appendWindow appends st and keeps the newest n.
func appendWindow(list []hostStory, st hostStory, n int) []hostStory {
	list = append(list, st)
	if len(list) > n {
		list = append(list[:0], list[len(list)-n:]...)
	}
	return list
}

func storyGUID(seq int) string { return fmt.Sprintf("story-%d", seq) }

func (h *NewsHost) serveTicker(w http.ResponseWriter, r *http.Request) {
	sym := r.PathValue("symbol")
	h.serve(w, r, "ticker/"+sym, []string{sym})
}

func (h *NewsHost) serveBatch(w http.ResponseWriter, r *http.Request) {
	s := r.URL.Query().Get("s")
	h.serve(w, r, "batch/"+s, strings.Split(s, ","))
}

func (h *NewsHost) serveMarket(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, "market", nil)
}

// serve answers the URL of key, which lists the stories of symbols (every
// symbol's when nil).
func (h *NewsHost) serve(w http.ResponseWriter, r *http.Request, key string, symbols []string) {
	h.Requests.Add(1)
	h.mu.Lock()
	idx := make([]int, 0, len(symbols))
	for _, s := range symbols {
		i, ok := h.index[s]
		if !ok {
			h.mu.Unlock()
			http.NotFound(w, r)
			return
		}
		idx = append(idx, i)
	}
	h.asked[key]++
	// A URL's version is the sum of its symbols' (the count of every
	// story for the market): it grows with each change of what it lists.
	version, changed := h.seq, h.lastChange
	if symbols != nil {
		version, changed = 0, time.Time{}
		for _, i := range idx {
			version += h.version[i]
			if h.changed[i].After(changed) {
				changed = h.changed[i]
			}
		}
	}
	etag := fmt.Sprintf(`"%d"`, version)
	if h.opts.Validators && notModified(r, etag, changed) {
		h.mu.Unlock()
		h.NotModified.Add(1)
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	b := h.bodies[key]
	if b == nil || b.version != version {
		b = h.renderLocked(key, idx, symbols == nil)
		b.version = version
		h.bodies[key] = b
	}
	h.mu.Unlock()

	hd := w.Header()
	hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(b.body)))
	if h.opts.Validators {
		hd.Set("ETag", etag)
		hd.Set("Last-Modified", changed.UTC().Format(http.TimeFormat))
	}
	w.Write(b.body)
	if len(b.injected) == 0 {
		return
	}
	// Served is when the whole body has left for the client, not when
	// it sits in the server's buffer.
	_ = http.NewResponseController(w).Flush()
	now := time.Now()
	h.mu.Lock()
	for _, g := range b.injected {
		if t, ok := h.served[g]; ok && t.IsZero() {
			h.served[g] = now
		}
	}
	h.mu.Unlock()
}

// renderLocked renders the newest Items stories of the symbols idx (of
// every symbol when all) as RSS 2.0, newest first.
func (h *NewsHost) renderLocked(key string, idx []int, all bool) *hostBody {
	var list []hostStory
	if all {
		list = slices.Clone(h.recent)
	} else {
		for _, i := range idx {
			list = append(list, h.stories[i]...)
		}
		slices.SortFunc(list, func(a, b hostStory) int { return a.seq - b.seq })
		if len(list) > h.opts.Items {
			list = list[len(list)-h.opts.Items:]
		}
	}
	out := &hostBody{}
	var b strings.Builder
	b.Grow(len(list)*400 + 300)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<rss version="2.0"><channel><title>News host: %s</title><link>https://news.example.com/%s</link>`+
		`<description>Generated stories</description>`+"\n", html.EscapeString(key), html.EscapeString(key))
	for k := len(list) - 1; k >= 0; k-- {
		st := list[k]
		guid := storyGUID(st.seq)
		if st.injected {
			out.injected = append(out.injected, guid)
		}
		// The link names the host: the daemon folds stories by URL
		// across feeds, and each host's stories are its own.
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s/story/%d</link>"+
			`<guid isPermaLink="false">%s</guid><pubDate>%s</pubDate>`+
			"<description>%s</description></item>\n",
			html.EscapeString(st.title), h.URL, st.seq, guid, st.at.Format(time.RFC1123Z),
			html.EscapeString(fmt.Sprintf("Story %d of the news host, about %s.", st.seq, h.opts.Symbols[st.symbol])))
	}
	b.WriteString("</channel></rss>\n")
	out.body = []byte(b.String())
	return out
}

// genTitle is a background headline about symbol i: ordinary market news
// that names the company but matches no rare-earth keyword.
func (h *NewsHost) genTitle(i int) string {
	who := h.opts.Symbols[i]
	if i < len(h.opts.Names) {
		who = h.opts.Names[i]
	}
	verbs := []string{"reports quarterly results", "names new chief financial officer", "announces dividend",
		"shares slip on guidance"}
	return fmt.Sprintf("%s %s (story %d)", who, verbs[(i+h.seq)%len(verbs)], h.seq+1)
}
