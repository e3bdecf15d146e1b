package status

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// StylesheetPath is where Handler serves the page's stylesheet.
const StylesheetPath = "/static/status.css"

// ContentSecurityPolicy is sent with the page and the stylesheet: no
// script at all, styles only from the daemon itself, images only from the
// daemon or data: URLs (the sparklines are inline SVG, not images).
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed assets/status.html assets/status.css
var assets embed.FS

// Options tune the page.
type Options struct {
	// MetricsPath is where the daemon serves its metrics; "/metrics" when
	// empty.
	MetricsPath string
	// Refresh is how often the page reloads itself; 30s when zero.
	Refresh time.Duration
	// Logger logs snapshot and rendering errors; none when nil.
	Logger *zap.Logger
}

// handler serves the page at "/" and the stylesheet at StylesheetPath.
type handler struct {
	snapshot func(ctx context.Context) (Snapshot, error)
	opts     Options
	page     *template.Template
	css      []byte
	cssTag   string
}

// Handler serves the status page at "/" and its stylesheet at
// StylesheetPath; every other path is 404. Mount it at "/" (it is the
// daemon's landing page). snapshot is called once per page request with
// the request's context and must be safe for concurrent use. Only GET and
// HEAD are allowed; responses are never cached by the browser, except the
// stylesheet, which is revalidated by its ETag.
func Handler(snapshot func(ctx context.Context) (Snapshot, error), opts Options) http.Handler {
	if opts.MetricsPath == "" {
		opts.MetricsPath = "/metrics"
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	css, err := assets.ReadFile("assets/status.css")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	sum := sha256.Sum256(css)
	return &handler{
		snapshot: snapshot,
		opts:     opts,
		page:     template.Must(template.ParseFS(assets, "assets/status.html")),
		css:      css,
		cssTag:   hex.EncodeToString(sum[:8]),
	}
}

// ServeHTTP routes to the page or the stylesheet.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "this page only answers GET and HEAD requests", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/":
		h.servePage(w, r)
	case StylesheetPath:
		h.serveStylesheet(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	snap, err := h.snapshot(r.Context())
	if err != nil {
		// The reason stays in the log: it may name internals.
		h.opts.Logger.Error("Cannot gather the status page's snapshot", zap.NamedError("err", err))
		http.Error(w, "monitord could not gather its status; see the daemon's log.", http.StatusInternalServerError)
		return
	}
	v := newView(snap, h.opts)
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, v); err != nil {
		h.opts.Logger.Error("Cannot render the status page", zap.NamedError("err", err))
		http.Error(w, "monitord could not render its status page; see the daemon's log.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

func (h *handler) serveStylesheet(w http.ResponseWriter, r *http.Request) {
	// Revalidated rather than cached blindly, so that a new build's
	// stylesheet is picked up at once.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("ETag", `"`+h.cssTag+`"`)
	http.ServeContent(w, r, "status.css", time.Time{}, bytes.NewReader(h.css))
}

// safeLink returns link if it is an absolute http or https URL, else "":
// javascript:, data: and relative links are never rendered as href.
func safeLink(link string) string {
	link = strings.TrimSpace(link)
	u, err := url.Parse(link)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.String()
}
