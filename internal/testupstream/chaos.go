package testupstream

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Chaos modes: how a Chaos endpoint misbehaves.
const (
	// ChaosStall never answers: the handler holds the request until the
	// client gives up (or the server closes).
	ChaosStall = "stall"
	// ChaosReset resets the connection (TCP RST) before any response.
	ChaosReset = "reset"
	// ChaosTruncate promises a Content-Length, sends part of the body and
	// closes the connection.
	ChaosTruncate = "truncate"
	// ChaosCut answers 200 with a feed cut off in the middle of an item.
	ChaosCut = "cut"
	// ChaosHuge sends a 10 MB body with its Content-Length.
	ChaosHuge = "huge"
	// ChaosHugeChunked streams a 10 MB body without a Content-Length.
	ChaosHugeChunked = "huge-chunked"
	// Chaos429 answers every request 429 Too Many Requests with a
	// Retry-After.
	Chaos429 = "429"
	// ChaosFlaky alternates 500 and the good body, starting with the good
	// body.
	ChaosFlaky = "flaky"
	// ChaosNone passes through (Front) or serves the good body.
	ChaosNone = ""
)

// ChaosModes lists every misbehaviour, for tests that want them all.
func ChaosModes() []string {
	return []string{ChaosStall, ChaosReset, ChaosTruncate, ChaosCut, ChaosHuge, ChaosHugeChunked, Chaos429, ChaosFlaky}
}

// HugeSize is the size of the ChaosHuge bodies.
const HugeSize = 10 << 20

// Chaos is an upstream that misbehaves on purpose. /chaos/{mode}/{name}
// serves mode at a path of its own per name (so several feeds can share a
// mode), and /front/... forwards to another server (a fake Yahoo) unless
// SetFront switched a misbehaviour on. Each mode's feeds are served on a
// listener of their own, as misbehaving upstreams are different hosts in
// the wild: a host that answers 429 pauses only itself.
type Chaos struct {
	*httptest.Server
	// modes serve FeedURL's paths, one listener per mode.
	modes map[string]*httptest.Server

	good  []byte
	front *url.URL
	// transport forwards /front/ requests; Close drops its connections.
	transport *http.Transport
	quit      chan struct{}
	once      sync.Once

	mu        sync.Mutex
	requests  map[string]int
	frontMode string
	calm      bool
}

// NewChaos starts a chaos server. good is the feed served by the good
// turns of ChaosFlaky and cut short by ChaosCut; front, if not empty, is
// the base URL /front/ forwards to. Close it when done: Close first
// releases stalled requests.
func NewChaos(good []byte, front string) *Chaos {
	c := &Chaos{good: good, quit: make(chan struct{}), requests: map[string]int{},
		transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	if front != "" {
		u, err := url.Parse(front)
		if err != nil {
			panic("testupstream: bad front URL: " + err.Error())
		}
		c.front = u
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chaos/{mode}/{name}", func(w http.ResponseWriter, r *http.Request) {
		c.count(r.URL.Path)
		c.mu.Lock()
		calm := c.calm
		c.mu.Unlock()
		if calm {
			c.serveGood(w)
			return
		}
		c.misbehave(w, r, r.PathValue("mode"), r.URL.Path)
	})
	mux.HandleFunc("/front/", c.serveFront)
	c.Server = httptest.NewServer(mux)
	c.modes = map[string]*httptest.Server{}
	for _, m := range ChaosModes() {
		c.modes[m] = httptest.NewServer(mux)
	}
	return c
}

// Close releases stalled requests and shuts the server down.
func (c *Chaos) Close() {
	c.once.Do(func() { close(c.quit) })
	for _, m := range c.modes {
		m.Close()
	}
	c.Server.Close()
	c.transport.CloseIdleConnections()
}

// FeedURL is the address of a feed called name that misbehaves as mode.
func (c *Chaos) FeedURL(mode, name string) string {
	base := c.URL
	if m, ok := c.modes[mode]; ok {
		base = m.URL
	}
	return base + "/chaos/" + mode + "/" + name
}

// FrontURL is the base URL that forwards to front.
func (c *Chaos) FrontURL() string { return c.URL + "/front" }

// SetFront makes /front/ misbehave as mode; ChaosNone forwards again.
func (c *Chaos) SetFront(mode string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frontMode = mode
}

// Calm makes every /chaos/ path serve the good body while on is true, so
// a test can measure before and after the chaos.
func (c *Chaos) Calm(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calm = on
}

// Count is how many requests a path (as FeedURL builds it, without the
// host) or "front" received.
func (c *Chaos) Count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests[path]
}

func (c *Chaos) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests[path]++
	return c.requests[path]
}

func (c *Chaos) serveFront(w http.ResponseWriter, r *http.Request) {
	c.count("front")
	c.mu.Lock()
	mode := c.frontMode
	c.mu.Unlock()
	if mode != ChaosNone || c.front == nil {
		c.misbehave(w, r, mode, "front")
		return
	}
	c.forward(w, r)
}

// forward relays r to the front server, cookies and all.
func (c *Chaos) forward(w http.ResponseWriter, r *http.Request) {
	u := *c.front
	u.Path = strings.TrimSuffix(u.Path, "/") + strings.TrimPrefix(r.URL.Path, "/front")
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := c.transport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// misbehave answers r as mode; key counts the turns of ChaosFlaky.
func (c *Chaos) misbehave(w http.ResponseWriter, r *http.Request, mode, key string) {
	switch mode {
	case ChaosStall:
		select {
		case <-r.Context().Done():
		case <-c.quit:
		}
	case ChaosReset:
		reset(w)
	case ChaosTruncate:
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(c.good)+4096))
		w.Write(c.good[:len(c.good)/2])
		// Returning short of the Content-Length makes net/http close
		// the connection: the client reads an unexpected EOF.
	case ChaosCut:
		w.Header().Set("Content-Type", "application/rss+xml")
		cut := c.good[:len(c.good)/2]
		if i := bytes.LastIndex(cut, []byte("<title>")); i > 0 {
			cut = cut[:i+len("<title>")+3]
		}
		w.Write(cut)
	case ChaosHuge, ChaosHugeChunked:
		w.Header().Set("Content-Type", "application/rss+xml")
		if mode == ChaosHuge {
			w.Header().Set("Content-Length", strconv.Itoa(HugeSize))
		}
		writeHuge(w, c.quit)
	case Chaos429:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	case ChaosFlaky:
		c.mu.Lock()
		c.requests["flaky-turn:"+key]++
		n := c.requests["flaky-turn:"+key]
		c.mu.Unlock()
		if n%2 == 0 {
			http.Error(w, "<html>Internal Server Error</html>", http.StatusInternalServerError)
			return
		}
		c.serveGood(w)
	default:
		c.serveGood(w)
	}
}

func (c *Chaos) serveGood(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Write(c.good)
}

// reset closes the connection with SO_LINGER 0, so the peer sees a reset
// rather than an orderly close.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// writeHuge streams HugeSize bytes of feed-shaped filler, stopping early
// when the client goes away or the server closes.
func writeHuge(w io.Writer, quit <-chan struct{}) {
	chunk := bytes.Repeat([]byte("<item><title>filler filler filler filler</title></item>\n"), 1<<10)
	head := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>huge</title>` + "\n")
	left := HugeSize
	if _, err := w.Write(head); err != nil {
		return
	}
	left -= len(head)
	deadline := time.Now().Add(time.Minute)
	for left > 0 && time.Now().Before(deadline) {
		select {
		case <-quit:
			return
		default:
		}
		n := min(left, len(chunk))
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		left -= n
	}
}
