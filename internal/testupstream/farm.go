package testupstream

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FarmOptions shape a FeedFarm.
type FarmOptions struct {
	// Feeds is how many feeds the farm serves, at /farm/0 to /farm/{Feeds-1}.
	Feeds int
	// Items is how many items each feed lists, newest first.
	Items int
	// Validators reports whether feed i sends ETag and Last-Modified and
	// answers conditional requests with 304. nil means every even feed
	// does: the odd ones exercise the daemon's body hash instead.
	Validators func(i int) bool
	// Names are company names the generated headlines mention in turn, so
	// the daemon's matcher tags tickers; none when empty.
	Names []string
}

// FeedFarm serves many generated RSS feeds on one loopback listener, for
// scale and chaos runs: a window of the newest Items items per feed, which
// Advance moves on and Inject extends with a headline of the test's
// choosing. Bodies are rendered once per change, so serving an unchanged
// feed costs the farm almost nothing.
type FeedFarm struct {
	*httptest.Server
	// Requests counts every feed request; NotModified those answered 304.
	Requests, NotModified atomic.Int64

	opts  FarmOptions
	start time.Time

	mu    sync.Mutex
	feeds []*farmFeed
	// injected maps an injected item's guid to when a body listing it was
	// first served.
	injected map[string]time.Time
}

type farmFeed struct {
	// head is the index of the newest item; the window is
	// (head-Items, head].
	head int
	// titles and times hold what Inject and Advance set for items past
	// the initial window; generated titles and times fill the rest.
	titles  map[int]string
	times   map[int]time.Time
	version int
	changed time.Time
	// body is the rendering of version (nil until first asked).
	body     []byte
	bodyVer  int
	pending  []string // guids injected since the body was last served
	requests int
}

// NewFeedFarm starts a farm. Close it when done.
func NewFeedFarm(opts FarmOptions) *FeedFarm {
	if opts.Items <= 0 {
		opts.Items = 50
	}
	if opts.Validators == nil {
		opts.Validators = func(i int) bool { return i%2 == 0 }
	}
	start := time.Now().UTC().Truncate(time.Second)
	f := &FeedFarm{opts: opts, start: start, injected: map[string]time.Time{}}
	for range opts.Feeds {
		f.feeds = append(f.feeds, &farmFeed{head: opts.Items - 1, titles: map[int]string{},
			times: map[int]time.Time{}, changed: start, bodyVer: -1})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /farm/{n}", f.serve)
	f.Server = httptest.NewServer(mux)
	return f
}

// FeedURL returns feed i's address.
func (f *FeedFarm) FeedURL(i int) string { return f.URL + "/farm/" + strconv.Itoa(i) }

// FeedRequests is how many times feed i was asked for.
func (f *FeedFarm) FeedRequests(i int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.feeds[i].requests
}

// Advance adds n generated items to each of the given feeds (every feed
// when none is given), pushing as many old ones out of the window.
func (f *FeedFarm) Advance(n int, feeds ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UTC()
	if len(feeds) == 0 {
		for i := range f.feeds {
			f.advanceLocked(i, n, now)
		}
		return
	}
	for _, i := range feeds {
		f.advanceLocked(i, n, now)
	}
}

func (f *FeedFarm) advanceLocked(i, n int, now time.Time) {
	ff := f.feeds[i]
	for range n {
		ff.head++
		ff.times[ff.head] = now
	}
	f.touchLocked(ff, now)
}

// Inject publishes an item with title at the top of feed i and returns its
// guid. InjectedServed tells when the farm first served it.
func (f *FeedFarm) Inject(i int, title string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UTC()
	ff := f.feeds[i]
	ff.head++
	ff.titles[ff.head] = title
	ff.times[ff.head] = now
	f.touchLocked(ff, now)
	guid := itemGUID(i, ff.head)
	ff.pending = append(ff.pending, guid)
	return guid
}

// InjectedServed returns when a body listing the injected item guid was
// first sent, and whether it has been.
func (f *FeedFarm) InjectedServed(guid string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.injected[guid]
	return t, ok
}

func (f *FeedFarm) touchLocked(ff *farmFeed, now time.Time) {
	ff.version++
	ff.changed = now
	// Drop what fell out of the window so long runs stay small.
	for k := range ff.titles {
		if k <= ff.head-f.opts.Items {
			delete(ff.titles, k)
		}
	}
	for k := range ff.times {
		if k <= ff.head-f.opts.Items {
			delete(ff.times, k)
		}
	}
}

func itemGUID(feed, item int) string { return fmt.Sprintf("farm-%d-%d", feed, item) }

func (f *FeedFarm) serve(w http.ResponseWriter, r *http.Request) {
	f.Requests.Add(1)
	i, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || i < 0 || i >= len(f.feeds) {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	ff := f.feeds[i]
	ff.requests++
	etag := fmt.Sprintf(`"%d-%d"`, i, ff.version)
	lastMod := ff.changed.Format(http.TimeFormat)
	validators := f.opts.Validators(i)
	if validators && notModified(r, etag, ff.changed) {
		f.mu.Unlock()
		f.NotModified.Add(1)
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if ff.bodyVer != ff.version {
		ff.body = f.renderLocked(i, ff)
		ff.bodyVer = ff.version
	}
	body := ff.body
	pending := ff.pending
	ff.pending = nil
	f.mu.Unlock()

	h := w.Header()
	h.Set("Content-Type", "application/rss+xml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if validators {
		h.Set("ETag", etag)
		h.Set("Last-Modified", lastMod)
	}
	w.Write(body)
	if len(pending) > 0 {
		now := time.Now()
		f.mu.Lock()
		for _, g := range pending {
			f.injected[g] = now
		}
		f.mu.Unlock()
	}
}

// notModified applies If-None-Match, else If-Modified-Since.
func notModified(r *http.Request, etag string, changed time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return inm == etag
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !changed.Truncate(time.Second).After(t)
	}
	return false
}

// renderLocked renders feed i's current window as RSS 2.0, newest first.
func (f *FeedFarm) renderLocked(i int, ff *farmFeed) []byte {
	var b strings.Builder
	b.Grow(f.opts.Items * 600)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<rss version="2.0"><channel><title>Farm feed %d</title><link>https://farm.example.com/%d</link>`+
		`<description>Generated feed %d</description>`+"\n", i, i, i)
	for k := ff.head; k > ff.head-f.opts.Items && k >= 0; k-- {
		title, ok := ff.titles[k]
		if !ok {
			title = f.genTitle(i, k)
		}
		at, ok := ff.times[k]
		if !ok {
			at = f.start.Add(time.Duration(k-f.opts.Items) * time.Minute)
		}
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://farm.example.com/%d/%d</link>"+
			`<guid isPermaLink="false">%s</guid><pubDate>%s</pubDate>`+
			"<description>%s</description></item>\n",
			html.EscapeString(title), i, k, itemGUID(i, k), at.Format(time.RFC1123Z), html.EscapeString(f.genSummary(i, k)))
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// genTitle is the headline of a generated item: ordinary market news that
// names a company (tagging a ticker) but matches no rare-earth keyword.
func (f *FeedFarm) genTitle(feed, item int) string {
	verbs := []string{"reports quarterly results", "names new chief financial officer", "shares rise after upgrade",
		"announces dividend", "completes acquisition of regional peer", "shares slip on guidance"}
	who := fmt.Sprintf("Issuer %d-%d", feed, item)
	if n := len(f.opts.Names); n > 0 {
		who = f.opts.Names[(feed*7+item)%n]
	}
	return fmt.Sprintf("%s %s (story %d of feed %d)", who, verbs[(feed+item)%len(verbs)], item, feed)
}

func (f *FeedFarm) genSummary(feed, item int) string {
	return fmt.Sprintf("The company said on Tuesday that item %d of feed %d was in line with expectations; "+
		"analysts had expected little change in the second half as costs and volumes stayed steady.", item, feed)
}
