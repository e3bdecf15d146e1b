// Package upstream is monitord's one outbound HTTP layer, shared by the
// quote providers, the news feeds and the alert receivers:
//
//   - clients built from prometheus/common's HTTPClientConfig (the
//     http_config of every feed, quote provider and receiver, as in
//     Alertmanager: TLS, basic and bearer auth from files, proxy,
//     follow_redirects, custom headers), with gzip decoded under the body
//     limit;
//   - the body limit, Retry-After with one cap, and the reason vocabulary
//     of every reason label (README, "Failure reasons");
//   - the backoff policy (Policy);
//   - the per-host budgets of the process (Hosts): politeness, and the
//     pause a host asked for, honoured by every caller whichever component
//     it belongs to.
//
// Domain packages keep what is theirs: conditional GET and parsing
// (feeds), cookies, crumbs and decoding (tickers), signing and payloads
// (alert).
package upstream
