package tickers

import (
	"context"
	"fmt"
	"sync"

	"github.com/monitord/monitord/internal/config"
)

// Provider is one quote source of the fallback chain (quotes.providers).
// Adding a provider is a file with a type that implements it and a line in
// providers below.
type Provider interface {
	// Name is the provider's name in quotes.providers, in Quote.Source and
	// in the source label of the metrics.
	Name() string
	// Quotes prices symbols, in one request or one by one as the upstream
	// allows. A symbol it could not price is absent from quotes and has its
	// reason in errs; ErrUnknownSymbol there means the upstream does not
	// know the symbol, and no later provider is asked for it.
	Quotes(ctx context.Context, symbols []string) (quotes map[string]Quote, errs map[string]error)
}

// providerEnv is what a provider is built from: the configuration, the
// fetcher every source shares (clients, backoff, metrics), and the Yahoo
// session the Yahoo providers share (one cookie, one crumb).
type providerEnv struct {
	cfg   *config.Config
	f     *fetcher
	yahoo *Backend
}

// providers registers a constructor per provider name; config lists the
// names (config.QuoteProviders), and a test checks that both agree.
var providers = map[string]func(env providerEnv) Provider{
	config.ProviderYahoo: func(env providerEnv) Provider {
		return &v7Provider{b: env.yahoo, batch: env.cfg.Quotes.Yahoo.BatchSize}
	},
	config.ProviderYahooChart: func(env providerEnv) Provider { return &chartProvider{b: env.yahoo} },
	config.ProviderFinnhub:    newFinnhub,
}

// newChain builds the providers of quotes.providers, in order.
func newChain(env providerEnv) ([]Provider, error) {
	names := env.cfg.Quotes.ProviderChain()
	chain := make([]Provider, 0, len(names))
	for _, name := range names {
		mk, ok := providers[name]
		if !ok {
			return nil, fmt.Errorf("quotes.providers: unknown provider %q", name)
		}
		chain = append(chain, mk(env))
	}
	return chain, nil
}

// perSymbolConcurrency bounds the requests in flight of a provider that
// prices one symbol per request.
const perSymbolConcurrency = 4

// eachSymbol prices symbols one request each, at most perSymbolConcurrency
// at a time, with price; it is how per-symbol providers implement Quotes.
func eachSymbol(ctx context.Context, source string, symbols []string,
	price func(ctx context.Context, symbol string) (Quote, error)) (map[string]Quote, map[string]error) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		got  = make(map[string]Quote, len(symbols))
		errs = map[string]error{}
		sem  = make(chan struct{}, perSymbolConcurrency)
	)
	for _, s := range symbols {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				mu.Lock()
				errs[s] = transportError(source, ctx.Err())
				mu.Unlock()
				return
			}
			q, err := price(ctx, s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[s] = err
				return
			}
			got[s] = q
		})
	}
	wg.Wait()
	return got, errs
}
