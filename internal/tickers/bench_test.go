package tickers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/monitord/monitord/internal/config"
)

// v7Batch is a v7 quote answer for n symbols (S00, S01, ...), each quote
// the full object Yahoo sends for MP in testdata (about 70 fields).
func v7Batch(b *testing.B, n int) ([]byte, []string) {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "v7-quote-MP-TMQ-LAC.json"))
	if err != nil {
		b.Fatal(err)
	}
	var doc struct {
		QuoteResponse struct {
			Result []map[string]any `json:"result"`
		} `json:"quoteResponse"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	var result []map[string]any
	var symbols []string
	for i := range n {
		q := map[string]any{}
		for k, v := range doc.QuoteResponse.Result[0] {
			q[k] = v
		}
		q["symbol"] = fmt.Sprintf("S%02d", i)
		result = append(result, q)
		symbols = append(symbols, q["symbol"].(string))
	}
	body, err := json.Marshal(map[string]any{"quoteResponse": map[string]any{"result": result, "error": nil}})
	if err != nil {
		b.Fatal(err)
	}
	return body, symbols
}

// quoteHandler answers the cookie, crumb and quote requests of a Backend.
func quoteHandler(body []byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cookie", func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "A3", Value: "d=bench", Path: "/"})
		w.WriteHeader(http.StatusNotFound)
	})
	mux.HandleFunc("GET /v1/test/getcrumb", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		w.Write([]byte("bEnChCrUmB01"))
	})
	mux.HandleFunc("GET /v7/finance/quote", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Write(body)
	})
	return mux
}

// inMemory serves requests from a handler without a socket.
type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// BenchmarkQuoteDecode reports the cost of a 50-symbol v7 batch (Yahoo's
// limit per request) through the Backend: crumb, request, envelope check,
// finance-go's decoding and the conversion to Quote. "in-memory" serves
// the body without a socket, so it is the decoding; "loopback" adds a
// local HTTP round trip. ns/quote is per symbol.
//
//	go test -run '^$' -bench '^BenchmarkQuoteDecode' -benchmem ./internal/tickers/
func BenchmarkQuoteDecode(b *testing.B) {
	body, symbols := v7Batch(b, 50)
	srv := httptest.NewServer(quoteHandler(body))
	defer srv.Close()
	cfg, err := config.Load([]byte(fmt.Sprintf(`
tickers: [{symbol: MP}]
quotes:
  yahoo: {base_url: %[1]s, chart_url: %[1]s, cookie_url: %[1]s/cookie}
`, srv.URL)), "")
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"in-memory", "loopback"} {
		b.Run(mode, func(b *testing.B) {
			be, err := NewBackend(cfg, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			if mode == "in-memory" {
				be.f.clients[SourceYahoo].Transport = inMemory{quoteHandler(body)}
			}
			ctx := context.Background()
			if got, err := be.Quotes(ctx, symbols); err != nil || len(got) != len(symbols) {
				b.Fatalf("got %d quotes, %v; want %d", len(got), err, len(symbols))
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := be.Quotes(ctx, symbols); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(symbols)), "ns/quote")
		})
	}
}
